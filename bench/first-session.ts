/**
 * The first ORT session of a fresh isolate, in plain workerd, with and without isolates started after
 * vane's. bench/cold.ts runs vane in miniflare, which starts its own isolates (the R2, KV, D1 and
 * Queue simulators and its entry worker) after the user's Worker, and V8 then discards the wasm code
 * Liftoff compiled while vane's module scope warmed the runtime: the first request compiles it again.
 * This bench shows that apart from everything else: the Workers of bench/workers (vane's runtime
 * and session opening, models from a disk service) served by workerd from a config this script
 * writes, in three process layouts:
 * - alone: the only isolate in the process;
 * - one isolate after it: a one-line Worker listed after vane's, so started after it;
 * - one isolate before it: the same Worker listed first (the count of isolates is not what matters).
 * Per model and layout, each round is a new workerd process whose first request opens a session on
 * the model and runs it once; its second request does the same again (the floor: the model's own
 * cost in a warm isolate). Counted per request: wall time, CPU time of the isolate's thread (from
 * /proc), and wasm functions V8 compiled during it (workerd's `--trace-wasm-compilation-times`).
 * Two Workers: vane's, warmed at module scope, and the same without the warm-up; with --baseline,
 * vane's from that ref's tree too (rounds alternate between builds). Writes its section of
 * bench/RESULTS.md.
 * Run: npx tsx bench/first-session.ts [--baseline <ref>]
 */
import { spawn } from "node:child_process";
import { copyFile, mkdir, open, readdir, readFile, writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { connect, createServer } from "node:net";
import { loadavg } from "node:os";
import { basename, dirname, join, relative, resolve } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { importModel } from "../src/toolchain/import.js";
import { baselineRef } from "./baseline.js";
import { median } from "./median.js";
import { writeSection } from "./results-section.js";
import { processCpuMs, removeScratch, scratchDir, slug, sourceTree, wranglerBuild } from "./workerd.js";

const ROOT = resolve(import.meta.dirname, "..");
const ROUNDS = 5;
/** With --baseline <ref>, the warmed bench Worker is built from that ref's tree as well (its src/serving). */
const before = process.argv.includes("--baseline") ? baselineRef() : undefined;
/** The workerd binary miniflare runs: its workerd package's main export is the binary's path. */
const WORKERD: string = createRequire(createRequire(import.meta.url).resolve("miniflare"))("workerd").default;
/** Printed by V8 for each wasm function it compiles, when the flag below is set. */
const COMPILED = "Compiled function";
const BEGIN = "first-session: begin";
const END = "first-session: end";

const LAYOUTS = ["alone", "one isolate after it", "one isolate before it"] as const;
type Layout = (typeof LAYOUTS)[number];

interface RequestCost {
  wallMs: number;
  cpuMs: number;
  compiled: number;
}

interface Round {
  /** CPU time of the isolate's thread until workerd listened: start-up, module scope included. */
  startCpuMs: number;
  first: RequestCost;
  floor: RequestCost;
}

const compatibilityDate = (await readFile(join(ROOT, "wrangler.toml"), "utf8")).match(
  /^compatibility_date = "([^"]+)"/m,
)?.[1];
if (!compatibilityDate) throw new Error("wrangler.toml has no compatibility_date");

/**
 * The bench Worker `entry` (bench/workers/<entry>.ts) of `ref`'s tree (or of the working tree),
 * built by wrangler as vane's is: its module files, the main one first.
 */
async function buildWorker(scratch: string, entry: string, ref?: string): Promise<string[]> {
  const tree = await sourceTree(scratch, ref);
  const name = `${entry}-${ref ? slug(ref) : "tree"}`;
  const config = join(scratch, `wrangler-${name}.toml`);
  await writeFile(
    config,
    [
      'name = "first-session"',
      `main = "${join(tree, "bench/workers", `${entry}.ts`)}"`,
      `compatibility_date = "${compatibilityDate}"`,
      "[[rules]]",
      'type = "CompiledWasm"',
      'globs = ["**/*.wasm"]',
      "fallthrough = false",
    ].join("\n"),
  );
  const dir = join(scratch, `bundle-${name}`);
  wranglerBuild(tree, dir, config);
  // The main module first: workerd takes the first module listed as the Worker's entry.
  const wasm = (await readdir(dir)).filter((file) => file.endsWith(".wasm"));
  return [`${entry}.js`, ...wasm].map((file) => join(dir, file));
}

/** A workerd config (capnp text) serving the bench Worker on `port`, in the given layout. */
function workerdConfig(
  config: string,
  files: string[],
  models: string,
  port: number,
  layout: Layout,
): string {
  // capnp resolves an embed path that starts with "/" against its import path: relative to the config.
  const module = (file: string) => {
    const path = relative(dirname(config), file);
    const name = basename(file);
    return name.endsWith(".wasm")
      ? `(name = "${name}", wasm = embed "${path}")`
      : `(name = "${name}", esModule = embed "${path}")`;
  };
  const bench = `(name = "bench", worker = (compatibilityDate = "${compatibilityDate}", modules = [${files.map(module).join(", ")}], bindings = [(name = "MODELS", service = "models")]))`;
  const other = `(name = "other", worker = (compatibilityDate = "${compatibilityDate}", modules = [(name = "other.js", esModule = "export default { fetch: () => new Response('other') };")]))`;
  const services = {
    alone: [bench],
    "one isolate after it": [bench, other],
    "one isolate before it": [other, bench],
  }[layout];
  return [
    'using Workerd = import "/workerd/workerd.capnp";',
    "const config :Workerd.Config = (",
    `  services = [${[...services, `(name = "models", disk = (path = "${models}"))`].join(", ")}],`,
    `  sockets = [(name = "http", address = "127.0.0.1:${port}", http = (), service = "bench")],`,
    '  v8Flags = ["--trace-wasm-compilation-times"],',
    ");",
  ].join("\n");
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((done) => server.listen(0, "127.0.0.1", done));
  const address = server.address();
  await new Promise((done) => server.close(done));
  if (address === null || typeof address === "string") throw new Error("no port");
  return address.port;
}

/** Until the socket accepts a connection: a TCP connect, so the first HTTP request is the measured one. */
async function listening(port: number, exited: () => boolean): Promise<void> {
  for (let tries = 0; tries < 600; tries++) {
    if (exited()) throw new Error("workerd exited before it listened");
    const up = await new Promise<boolean>((done) => {
      const socket = connect(port, "127.0.0.1");
      socket.once("connect", () => {
        socket.destroy();
        done(true);
      });
      socket.once("error", () => done(false));
    });
    if (up) return;
    await sleep(25);
  }
  throw new Error(`workerd did not listen on ${port}`);
}

async function measured(pid: number, url: string): Promise<Omit<RequestCost, "compiled">> {
  const cpuBefore = await processCpuMs(pid, pid);
  const start = performance.now();
  const response = await fetch(url);
  await response.arrayBuffer();
  const wallMs = performance.now() - start;
  if (response.status !== 200) throw new Error(`${url} answered ${response.status}`);
  return { wallMs, cpuMs: (await processCpuMs(pid, pid)) - cpuBefore };
}

/** The wasm functions compiled between each begin and end mark of the log, request by request. */
function compiledPerRequest(log: string): number[] {
  const counts: number[] = [];
  let open: number | null = null;
  for (const line of log.split("\n")) {
    if (line.includes(BEGIN)) open = 0;
    else if (line.includes(END) && open !== null) {
      counts.push(open);
      open = null;
    } else if (open !== null && line.includes(COMPILED)) open++;
  }
  return counts;
}

async function round(scratch: string, files: string[], models: string, layout: Layout, model: string) {
  const port = await freePort();
  const config = join(scratch, "config.capnp");
  await writeFile(config, workerdConfig(config, files, models, port, layout));
  const logPath = join(scratch, "workerd.log");
  const log = await open(logPath, "w");
  // One file for stdout and stderr: V8's trace lines and the Worker's marks stay in order.
  const child = spawn(WORKERD, ["serve", config, "--experimental"], { stdio: ["ignore", log.fd, log.fd] });
  let exited = false;
  child.once("exit", () => {
    exited = true;
  });
  try {
    await listening(port, () => exited).catch(async (error: Error) => {
      const tail = (await readFile(logPath, "utf8")).split("\n").slice(-20).join("\n");
      throw new Error(`${error.message}; its log ends:\n${tail}`);
    });
    const url = `http://127.0.0.1:${port}/${model}`;
    const startCpuMs = await processCpuMs(child.pid, child.pid);
    const first = await measured(child.pid ?? 0, url);
    const floor = await measured(child.pid ?? 0, url);
    return { startCpuMs, first, floor };
  } finally {
    child.kill("SIGTERM");
    if (!exited) await new Promise((done) => child.once("exit", done));
    await log.close();
  }
}

const started = performance.now();
const loadAtStart = loadavg();
const scratch = await scratchDir();
const results = new Map<string, Round[]>();
const modelLabels = new Map<string, string>();
const buildLabels: string[] = [];
try {
  const models = join(scratch, "models");
  await mkdir(models);
  await copyFile(join(ROOT, "models/spam/1/model.onnx"), join(models, "spam.onnx"));
  const zoo = await importModel({
    source: join(ROOT, "models/zoo/large/model.onnx"),
    out: join(scratch, "zoo-large"),
    name: "zoo-large",
    version: 1,
    task: {},
  });
  await copyFile(join(zoo.dir, "model.onnx"), join(models, "zoo-large.onnx"));
  modelLabels.set("spam.onnx", "spam (int8, 8.7 KB)");
  modelLabels.set(
    "zoo-large.onnx",
    `zoo large (embedding, ${(zoo.manifest.model.bytes / 1e6).toFixed(1)} MB)`,
  );
  const builds = [
    ...(before
      ? [{ label: `warmed, ${before}`, files: await buildWorker(scratch, "first-session", before) }]
      : []),
    { label: "warmed", files: await buildWorker(scratch, "first-session") },
    { label: "not warmed", files: await buildWorker(scratch, "first-session-unwarmed") },
  ];
  buildLabels.push(...builds.map((build) => build.label));
  for (let r = 0; r < ROUNDS; r++) {
    for (const build of r % 2 === 0 ? builds : [...builds].reverse()) {
      for (const layout of r % 2 === 0 ? LAYOUTS : [...LAYOUTS].reverse()) {
        for (const model of modelLabels.keys()) {
          const measuredRound = await round(scratch, build.files, models, layout, model);
          const [first, floor] = compiledPerRequest(await readFile(join(scratch, "workerd.log"), "utf8"));
          if (first === undefined || floor === undefined)
            throw new Error("workerd's log lacks the requests' marks");
          const key = `${build.label}|${layout}|${model}`;
          results.set(key, [
            ...(results.get(key) ?? []),
            {
              startCpuMs: measuredRound.startCpuMs,
              first: { ...measuredRound.first, compiled: first },
              floor: { ...measuredRound.floor, compiled: floor },
            },
          ]);
        }
      }
    }
  }
} finally {
  await removeScratch(scratch);
}

const ms = (value: number) => (value < 10 ? value.toFixed(1) : value.toFixed(0));
const of = (build: string, layout: Layout, model: string, pick: (round: Round) => number) =>
  median((results.get(`${build}|${layout}|${model}`) ?? []).map(pick));
const rows = [...modelLabels].flatMap(([model, label]) =>
  LAYOUTS.flatMap((layout) =>
    buildLabels.map((build) => {
      const get = (pick: (round: Round) => number) => of(build, layout, model, pick);
      const first = get((r) => r.first.wallMs);
      const floor = get((r) => r.floor.wallMs);
      return `| ${label} | ${layout} | ${build} | ${ms(get((r) => r.startCpuMs))} | ${ms(first)} / ${ms(get((r) => r.first.cpuMs))} | ${ms(get((r) => r.startCpuMs + r.first.cpuMs))} | ${get((r) => r.first.compiled)} | ${ms(floor)} / ${ms(get((r) => r.floor.cpuMs))} | ${get((r) => r.floor.compiled)} | ${(first / floor).toFixed(2)}x |`;
    }),
  ),
);
const load = (l: number[]) => l.map((v) => v.toFixed(2)).join(" / ");
const section = [
  "## First session of a fresh isolate, in plain workerd",
  "",
  `Command: \`npx tsx bench/first-session.ts\` (part of \`npm run bench\`); ${new Date().toISOString()}, ${((performance.now() - started) / 1000).toFixed(0)} s; load average at start ${load(loadAtStart)}, at the end ${load(loadavg())}. The Workers of bench/workers (vane's session opening, models from a disk service instead of R2): "warmed" sets the runtime up at module scope as vane does (first-session.ts), "not warmed" leaves that to the first request (first-session-unwarmed.ts)${before ? `; "warmed, ${before}" is the first from that ref's tree` : ""}. Each is served by workerd with a config the bench writes: alone in the process, with a one-line Worker started after it, or with that Worker started before it. ${ROUNDS} rounds, the builds alternating, each measurement a new workerd process whose first request opens a session on the model and runs it once; its second request does the same again (the floor). Medians; wall ms / CPU ms of the isolate's thread (/proc, 10 ms tick); "compiled" counts the wasm functions V8 compiled during the request (\`--trace-wasm-compilation-times\`); "start" is the CPU of that thread until workerd listened, module scope included; "start + first" is what a fresh isolate spends before its first answer (Workers start an isolate as the TLS handshake begins, so part of the start overlaps it).`,
  "",
  "| model | process layout | runtime | start, CPU | first request | start + first, CPU | compiled | second request (floor) | compiled | first / floor, wall |",
  "|---|---|---|---:|---:|---:|---:|---:|---:|---:|",
  ...rows,
].join("\n");
await writeSection("first-session", section);
console.log(section);
