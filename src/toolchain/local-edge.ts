/**
 * The local edge: this project's Worker under `wrangler dev` on a loopback port, with its R2, KV, D1,
 * Queue and cron simulated by miniflare in a persist directory. What `npm run dev` runs, started
 * from code: by the load bench, the ops commands' tests and `npm run demo`. The D1 schema is applied
 * first (`wrangler d1 migrations apply --local`), and `stop` ends wrangler with the workerd it runs.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { createWriteStream } from "node:fs";
import { createRequire } from "node:module";
import { UnavailableError } from "../core/errors.js";
import { projectRoot } from "./local-r2.js";

export interface LocalEdgeOptions {
  port: number;
  /** The simulation's directory, as wrangler's `--persist-to` takes it. */
  persistTo: string;
  /** Vars and secrets for this run (`--var`), over wrangler.toml's and .dev.vars'. */
  vars?: Record<string, string>;
  /** Serve /__scheduled, which runs the scheduled handler (`--test-scheduled`). */
  testScheduled?: boolean;
  /** Where wrangler's output goes: a file path, or nowhere. */
  logFile?: string;
  startTimeoutMs?: number;
}

export interface LocalEdge {
  url: string;
  /** Ends wrangler dev and the workerd it started; waits for them to exit. */
  stop(): Promise<void>;
}

const wranglerBin = () => createRequire(import.meta.url).resolve("wrangler/bin/wrangler.js");
const quietEnv = () => ({ ...process.env, WRANGLER_SEND_METRICS: "false", NO_COLOR: "1" });

function exited(child: ChildProcess): Promise<number | null> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve(child.exitCode);
    else child.once("exit", (code) => resolve(code));
  });
}

/** The prediction log's schema in the local D1 wrangler dev will use. */
export async function applyLocalMigrations(persistTo: string): Promise<void> {
  const child = spawn(
    process.execPath,
    [wranglerBin(), "d1", "migrations", "apply", "vane-predictions", "--local", "--persist-to", persistTo],
    { cwd: projectRoot(), stdio: ["ignore", "ignore", "pipe"], env: quietEnv() },
  );
  let errors = "";
  child.stderr?.on("data", (chunk) => {
    errors += chunk;
  });
  const code = await exited(child);
  if (code !== 0) throw new UnavailableError(`wrangler d1 migrations apply failed: ${errors.trim()}`);
}

const answers = (url: string) =>
  fetch(`${url}/healthz`, { signal: AbortSignal.timeout(5_000) }).then(
    (response) => response.ok,
    () => false,
  );

export async function startLocalEdge(options: LocalEdgeOptions): Promise<LocalEdge> {
  const url = `http://127.0.0.1:${options.port}`;
  if (await answers(url)) {
    throw new UnavailableError(`something already answers on ${url}: stop it or choose another port`);
  }
  const args = [
    wranglerBin(),
    "dev",
    "--port",
    String(options.port),
    "--ip",
    "127.0.0.1",
    "--persist-to",
    options.persistTo,
    "--show-interactive-dev-session=false",
    ...(options.testScheduled ? ["--test-scheduled"] : []),
    ...Object.entries(options.vars ?? {}).flatMap(([key, value]) => ["--var", `${key}:${value}`]),
  ];
  const log = options.logFile ? createWriteStream(options.logFile, { flags: "a" }) : null;
  // Its own process group, so stop() ends workerd too, and a Ctrl-C of the caller reaches it once.
  const child = spawn(process.execPath, args, {
    cwd: projectRoot(),
    detached: true,
    stdio: ["ignore", log ? "pipe" : "ignore", log ? "pipe" : "ignore"],
    env: quietEnv(),
  });
  if (log) {
    child.stdout?.pipe(log);
    child.stderr?.pipe(log);
  }
  const done = exited(child);
  // Should this process end without stop() (an uncaught error, an exit mid-start), wrangler does not
  // outlive it: there is no waiting in an exit handler, so the group is killed outright.
  const orphaned = () => {
    if (child.pid !== undefined && child.exitCode === null) {
      try {
        process.kill(-child.pid, "SIGKILL");
      } catch {
        // Already gone.
      }
    }
  };
  process.once("exit", orphaned);
  const stop = async () => {
    process.off("exit", orphaned);
    if (child.exitCode === null && child.signalCode === null && child.pid !== undefined) {
      // SIGINT is wrangler's Ctrl-C, after which it shuts workerd down (it lingers on SIGTERM).
      try {
        process.kill(-child.pid, "SIGINT");
      } catch {
        // Already gone.
      }
      const ended = await Promise.race([done.then(() => true), delay(10_000).then(() => false)]);
      if (!ended) {
        try {
          process.kill(-child.pid, "SIGKILL");
        } catch {
          // Already gone.
        }
        await done;
      }
    }
    log?.end();
  };
  const deadline = Date.now() + (options.startTimeoutMs ?? 120_000);
  while (Date.now() < deadline) {
    if (child.exitCode !== null) {
      await stop();
      throw new UnavailableError(
        `wrangler dev exited with ${child.exitCode} before answering${options.logFile ? ` (see ${options.logFile})` : ""}`,
      );
    }
    if (await answers(url)) return { url, stop };
    await delay(500);
  }
  await stop();
  throw new UnavailableError(`wrangler dev did not answer on ${url} in time`);
}

const delay = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
