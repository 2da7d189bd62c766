/**
 * vane in workerd without wrangler dev: the bundle `wrangler deploy --dry-run` builds, served by
 * miniflare (the engine wrangler dev runs) with wrangler.toml's bindings, on a direct socket into the
 * Worker (its "inner port": no entry worker, no wrangler proxy, no per-request log line). What a load
 * bench reaches there is the Worker's own cost, as close to production as a local machine gets.
 *
 * A bundle can be built from the working tree or from any git ref (extracted with git archive), so
 * one bench run can compare vane before and after a change on the same machine.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, readdir, readFile, rm, symlink } from "node:fs/promises";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { Miniflare } from "miniflare";
import { unstable_getMiniflareWorkerOptions } from "wrangler";
import type { LocalBucket } from "../src/toolchain/local-r2.js";

const ROOT = resolve(import.meta.dirname, "..");
/** The kernel's clock tick (USER_HZ), in which /proc gives CPU times: 100 on Linux. */
const CLOCK_TICKS_PER_SECOND = 100;

export interface Bundle {
  /** What it was built from: "working tree" or the ref. */
  label: string;
  /** The directory holding index.js and its wasm module. */
  dir: string;
  /** The tree it was built from (its wrangler.toml and migrations are the ones used). */
  root: string;
}

const wranglerBin = () => createRequire(import.meta.url).resolve("wrangler/bin/wrangler.js");

/** A git ref as a file-name part. */
export const slug = (ref: string) => ref.replace(/[^A-Za-z0-9]/g, "_");

/** The source tree to build from: the working tree, or `ref` extracted (git archive) into `scratch`. */
export async function sourceTree(scratch: string, ref?: string): Promise<string> {
  if (!ref) return ROOT;
  const root = join(scratch, `tree-${slug(ref)}`);
  if (existsSync(root)) return root;
  await mkdir(root, { recursive: true });
  const archive = execFileSync("git", ["-C", ROOT, "archive", "--format=tar", ref], {
    maxBuffer: 512 * 1024 * 1024,
  });
  execFileSync("tar", ["-x", "-C", root], { input: archive });
  await symlink(join(ROOT, "node_modules"), join(root, "node_modules"));
  return root;
}

/** `wrangler deploy --dry-run` in `root` into `outdir`, with `config` instead of root's wrangler.toml if given. */
export function wranglerBuild(root: string, outdir: string, config?: string): void {
  const built = spawnSync(
    process.execPath,
    [wranglerBin(), "deploy", "--dry-run", "--outdir", outdir, ...(config ? ["--config", config] : [])],
    {
      cwd: root,
      stdio: ["ignore", "ignore", "inherit"],
      env: { ...process.env, WRANGLER_SEND_METRICS: "false" },
    },
  );
  if (built.status !== 0) throw new Error(`wrangler deploy --dry-run failed in ${root}`);
}

/** Builds the Worker bundle of the working tree, or of `ref` when given. */
export async function buildBundle(scratch: string, ref?: string): Promise<Bundle> {
  const root = await sourceTree(scratch, ref);
  const dir = join(scratch, `bundle-${ref ? slug(ref) : "tree"}`);
  wranglerBuild(root, dir);
  return { label: ref ?? "working tree", dir, root };
}

export interface WorkerOptions {
  bundle: Bundle;
  /** The direct socket's port; by default one the system picks, so no other job's server is ever hit. */
  port?: number;
  /** Where R2, KV, D1 and the Queue keep their state: the same directory keeps them across restarts. */
  persist: string;
  /** Vars over wrangler.toml's. */
  bindings?: Record<string, string>;
  /** A port for the V8 inspector (CPU profiles), if wanted. */
  inspectorPort?: number;
}

/**
 * CPU time (user + system) process `pid` has used so far, in ms, at the kernel's tick (Linux /proc);
 * only its thread `thread` when given (a process's main thread has the process's id). NaN when it
 * cannot be read.
 */
export async function processCpuMs(pid: number | undefined, thread?: number): Promise<number> {
  if (pid === undefined) return Number.NaN;
  const path = thread === undefined ? `/proc/${pid}/stat` : `/proc/${pid}/task/${thread}/stat`;
  const stat = await readFile(path, "utf8").catch(() => "");
  if (stat === "") return Number.NaN;
  // Fields after the command name: state is the first, utime the 12th, stime the 13th.
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICKS_PER_SECOND;
}

/** The workerd processes this process runs (Linux /proc): miniflare spawns workerd as a child. */
async function workerdChildren(): Promise<Set<number>> {
  const pids = new Set<number>();
  for (const task of await readdir("/proc/self/task")) {
    const children = await readFile(`/proc/self/task/${task}/children`, "utf8").catch(() => "");
    for (const pid of children.split(/\s+/).filter(Boolean).map(Number)) {
      const name = await readFile(`/proc/${pid}/comm`, "utf8").catch(() => "");
      if (name.trim() === "workerd") pids.add(pid);
    }
  }
  return pids;
}

/** One workerd process serving the bundle. */
export class LocalWorker {
  private constructor(
    readonly miniflare: Miniflare,
    readonly url: string,
    /** Its process, if found: its CPU time is what a run costs, whatever else shares the cores. */
    private readonly pid: number | undefined,
  ) {}

  /**
   * CPU time (user + system) the workerd process has used so far, in ms, at the kernel's tick
   * (10 ms): on a machine shared with other jobs, wall time measures the queue for the cores too.
   */
  async cpuMs(): Promise<number> {
    return processCpuMs(this.pid);
  }

  static async start(options: WorkerOptions): Promise<LocalWorker> {
    const { bundle } = options;
    const { workerOptions } = unstable_getMiniflareWorkerOptions(join(bundle.root, "wrangler.toml"));
    // The modules wrangler collected beside index.js (content-hash names), typed as wrangler.toml's
    // [[rules]] type them: the runtime's wasm precompiled, the dashboard's files as text.
    const collected = (await readdir(bundle.dir)).filter((file) => /^[0-9a-f]{40}-/.test(file));
    const running = await workerdChildren();
    const miniflare = new Miniflare({
      ...workerOptions,
      name: "vane",
      modules: [
        { type: "ESModule", path: join(bundle.dir, "index.js") },
        ...collected.map((file) => ({
          type: file.endsWith(".wasm") ? ("CompiledWasm" as const) : ("Text" as const),
          path: join(bundle.dir, file),
        })),
      ],
      modulesRoot: bundle.dir,
      bindings: { ...(workerOptions.bindings ?? {}), ...(options.bindings ?? {}) },
      defaultPersistRoot: options.persist,
      unsafeDirectSockets: [{ host: "127.0.0.1", port: options.port ?? 0 }],
      // No request log: workerd logs nothing per request unless verbose, and vane itself logs only faults.
      verbose: false,
      ...(options.inspectorPort ? { inspectorPort: options.inspectorPort } : {}),
    } as ConstructorParameters<typeof Miniflare>[0]);
    return LocalWorker.ready(miniflare, "vane", running);
  }

  /**
   * A one-module Worker with no bindings, served the same way: what workerd itself costs per request
   * (the floor under any Worker's figures).
   */
  static async startScript(script: string): Promise<LocalWorker> {
    const running = await workerdChildren();
    const miniflare = new Miniflare({
      name: "script",
      modules: true,
      script,
      compatibilityDate: "2026-04-20",
      unsafeDirectSockets: [{ host: "127.0.0.1", port: 0 }],
      verbose: false,
    });
    return LocalWorker.ready(miniflare, "script", running);
  }

  /** Once `miniflare` serves: its Worker's direct URL and the workerd process that was not `running` before. */
  private static async ready(miniflare: Miniflare, name: string, running: Set<number>): Promise<LocalWorker> {
    await miniflare.ready;
    const started = [...(await workerdChildren())].filter((pid) => !running.has(pid));
    const url = (await miniflare.unsafeGetDirectURL(name)).toString().replace(/\/$/, "");
    return new LocalWorker(miniflare, url, started.length === 1 ? started[0] : undefined);
  }

  /** The R2 bucket the Worker serves models from, through miniflare's Node proxy. */
  async bucket(): Promise<LocalBucket> {
    return (await this.miniflare.getR2Bucket("MODELS")) as unknown as LocalBucket;
  }

  /** The prediction log's schema, from the bundle's own migrations. */
  async migrate(bundle: Bundle): Promise<void> {
    const db = await this.miniflare.getD1Database("PREDICTIONS");
    const dir = join(bundle.root, "migrations");
    for (const file of (await readdir(dir)).filter((f) => f.endsWith(".sql")).sort()) {
      const sql = (await readFile(join(dir, file), "utf8"))
        .split("\n")
        .filter((line) => !line.trimStart().startsWith("--"))
        .join("\n");
      for (const statement of sql.split(";").map((s) => s.trim())) {
        if (statement !== "") await db.prepare(statement).run();
      }
    }
  }

  async dispose(): Promise<void> {
    await this.miniflare.dispose();
  }
}

/** Linux's memory-backed file system, where there is one. */
const MEMORY_BACKED = "/dev/shm";

/**
 * A scratch directory for bundles and the local state, in memory where the machine has a tmpfs.
 * miniflare's D1, R2 and Queue keep their state in SQLite files, and a write's fsync stalls workerd's
 * thread, which serves the Worker too: at 600 requests/s the prediction log's writes alone took the
 * p99 from 6.9 to 64 ms on disk, from 4.6 to 9.6 ms in memory. In production storage is another
 * service and never holds the isolate's thread, so the bench keeps the disk out of it.
 */
export async function scratchDir(): Promise<string> {
  return mkdtemp(join(MEMORY_BACKED, "vane-workerd-")).catch(() => mkdtemp(join(tmpdir(), "vane-workerd-")));
}

export async function removeScratch(dir: string): Promise<void> {
  await rm(dir, { recursive: true, force: true });
}
