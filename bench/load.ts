/**
 * Load against vane in workerd, on the Worker's own socket (bench/workerd.ts: no wrangler proxy, no
 * per-request log line), next to what a user would run instead (bench/peer-server.ts: node:http with
 * onnxruntime-node, peer A, or onnxruntime-web, peer B), all answering the same int8 spam model on
 * the same real mail, in interleaved rounds on the same machine:
 * - vane with the shipped sampling defaults (wrangler.toml) against vane with no sampling at all
 *   (drift and prediction log off): what sampling costs;
 * - vane against the peers: what serving at the edge costs against a plain service;
 * - a one-line Worker in workerd against node:http's /healthz: the floor workerd itself puts under
 *   every Worker, so the gap to the peers splits into workerd's share and vane's own;
 * - vane built from a baseline git ref (--baseline, default BASELINE_REF) with no sampling: what the
 *   changes since it bought, in the same run;
 * saturated (closed loop: throughput) and at a fixed arrival rate (open loop: the latency users see),
 * and a check that every sample of a model sampled at rate 1 reaches the drift counts.
 * Writes its section of bench/RESULTS.md. Run: npx tsx bench/load.ts [--baseline <ref>]
 *
 * With --check (`npm run soak`, run by CI) it is a bounded reliability test instead: vane alone as
 * `npm run dev` serves it (the local edge: wrangler dev, its proxy included), fewer requests, nothing
 * written, and a non-zero exit if any request failed or any sample was lost or counted twice.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { readFile } from "node:fs/promises";
import { loadavg } from "node:os";
import { join } from "node:path";
import { loadSplits } from "../src/toolchain/data.js";
import { applyLocalMigrations, startLocalEdge } from "../src/toolchain/local-edge.js";
import { type LocalBucket, withLocalBucket } from "../src/toolchain/local-r2.js";
import { baselineRef } from "./baseline.js";
import { closedLoop, type LoadResult, openLoop, quantile, type Target } from "./http-load.js";
import { median } from "./median.js";
import { writeSection } from "./results-section.js";
import { type Bundle, buildBundle, LocalWorker, processCpuMs, removeScratch, scratchDir } from "./workerd.js";

const CHECK = process.argv.includes("--check");
/** The soak's local edge (wrangler dev needs a port of its own choosing). */
const EDGE_PORT = 8799;
const before = baselineRef();
const ROUNDS = CHECK ? 2 : 8;
const REQUESTS = CHECK ? 300 : 2000;
/** Requests per open-loop run: more than closed-loop runs, since a median of a few ms is compared. */
const PACED_REQUESTS = CHECK ? 300 : 2000;
const CONNECTIONS = 8;
/** The open-loop rate, as a share of vane's (default sampling) saturated throughput in round 1. */
const UTILIZATION = 0.4;
const MODEL_DIR = "models/spam/1";
/** The model as served with the deployment's sampling defaults (its state sets no rate). */
const MODEL = "spam";
/** The same model sampled at rate 1: every one of its predictions must reach the drift counts. */
const ALL_SAMPLED = "spam-all-sampled";
/** workerd's floor: a Worker answering what vane's /healthz answers, with nothing else in its process. */
const FLOOR_WORKER =
  'export default { fetch: () => Response.json({ status: "ok", time: new Date().toISOString() }) };';

interface Measure {
  p50: number;
  p99: number;
  rps: number;
  /** CPU time of the server's process per request, ms (NaN where it cannot be read). */
  cpu: number;
  failed: number;
  failures: string[];
}

function measure(result: LoadResult, cpuMs: number): Measure {
  return {
    p50: quantile(result.latencies, 0.5),
    p99: quantile(result.latencies, 0.99),
    rps: (result.latencies.length * 1000) / result.durationMs,
    cpu: cpuMs / (result.latencies.length + result.failed),
    failed: result.failed,
    failures: result.failures,
  };
}

/** A load target and the CPU clock of the process that serves it. */
interface Server {
  target: Target;
  cpuMs(): Promise<number>;
}

/** Registers models/spam/1 under each name, with the given drift sample rate (undefined: the default). */
async function seed(bucket: LocalBucket, models: Record<string, number | undefined>): Promise<void> {
  const manifest = JSON.parse(await readFile(join(MODEL_DIR, "manifest.json"), "utf8"));
  for (const [name, sampleRate] of Object.entries(models)) {
    for (const file of ["model.onnx", "profile.json"]) {
      await bucket.put(`models/${name}/1/${file}`, new Uint8Array(await readFile(join(MODEL_DIR, file))));
    }
    await bucket.put(`models/${name}/1/manifest.json`, JSON.stringify({ ...manifest, name }));
    const state = {
      name,
      active: 1,
      previous: [],
      candidate: null,
      ...(sampleRate === undefined ? {} : { sampleRate }),
      updatedAt: new Date().toISOString(),
    };
    await bucket.put(`registry/${name}/state.json`, JSON.stringify(state));
  }
}

async function startVane(
  bundle: Bundle,
  persist: string,
  models: Record<string, number | undefined>,
  bindings?: Record<string, string>,
): Promise<LocalWorker> {
  // A feedback secret, as a deployment that collects labels has: every predict answer carries its token.
  const worker = await LocalWorker.start({
    bundle,
    persist,
    bindings: { FEEDBACK_SECRET: "load-bench-feedback-secret", ...bindings },
  });
  await worker.migrate(bundle);
  await seed(await worker.bucket(), models);
  return worker;
}

/** vane as `npm run dev` serves it, for the soak: its state seeded before wrangler dev starts. */
async function startEdge(persist: string, models: Record<string, number | undefined>) {
  await withLocalBucket(persist, (bucket) => seed(bucket, models));
  await applyLocalMigrations(persist);
  const edge = await startLocalEdge({ port: EDGE_PORT, persistTo: persist });
  return { url: edge.url, port: EDGE_PORT, dispose: edge.stop };
}

/** A peer on a port the system picks (it prints the port once it listens). */
async function startPeer(runtime: "node" | "web"): Promise<{ child: ChildProcess; port: number }> {
  const child = spawn(
    process.execPath,
    ["--import", "tsx", join(import.meta.dirname, "peer-server.ts"), runtime, "0", MODEL_DIR],
    { stdio: ["ignore", "pipe", "inherit"] },
  );
  const port = await new Promise<number>((resolve, reject) => {
    child.stdout?.once("data", (line) => resolve(Number(String(line).trim())));
    child.once("exit", (code) => reject(new Error(`peer ${runtime} exited with ${code}`)));
  });
  return { child, port };
}

const portOf = (worker: { url: string }) => Number(new URL(worker.url).port);

async function driftCount(url: string, model: string): Promise<number> {
  const body = (await (await fetch(`${url}/v1/models/${model}/drift?window=1h`)).json()) as {
    versions: Array<{ samples: number }>;
  };
  return body.versions[0]?.samples ?? 0;
}

const predictPath = (model: string) => `/v1/models/${model}/predict`;
type Figure = "p50" | "p99" | "rps" | "cpu" | "failed";
const pick = (runs: Measure[], key: Figure) => median(runs.map((run) => run[key]));

const started = performance.now();
const loadAtStart = loadavg();
const { test } = await loadSplits("2002", { seed: 1 });
const mail = test.find((email) => email.label === 1)?.text ?? "";
const body = JSON.stringify({ instances: [{ text: mail }] });
const scratch = await scratchDir();

type Route =
  | "vane"
  | "unsampled"
  | "allSampled"
  | "baseline"
  | "peerA"
  | "peerB"
  | "vaneHealth"
  | "workerdHealth"
  | "peerHealth";
const ROUTES: Route[] = CHECK
  ? ["vane", "allSampled"]
  : [
      "vane",
      "unsampled",
      "allSampled",
      "baseline",
      "peerA",
      "peerB",
      "vaneHealth",
      "workerdHealth",
      "peerHealth",
    ];
/** Routes also loaded at the fixed rate (the health checks only saturated). */
const PACED: Route[] = ROUTES.filter((route) => !route.endsWith("Health"));
const saturated = Object.fromEntries(ROUTES.map((route) => [route, [] as Measure[]])) as Record<
  Route,
  Measure[]
>;
const paced = Object.fromEntries(PACED.map((route) => [route, [] as Measure[]])) as Record<Route, Measure[]>;
let rate = 0;
let sent = 0;
let counted = 0;
const workers: Array<{ url: string; dispose(): Promise<void> }> = [];
const peers: ChildProcess[] = [];
try {
  const servers: Partial<Record<Route, Server>> = {};
  const served = (port: number, path: string, cpuMs: () => Promise<number>, withBody = true): Server => ({
    target: { host: "127.0.0.1", port, path, ...(withBody ? { body } : {}) },
    cpuMs,
  });
  const bundle = CHECK ? null : await buildBundle(scratch);
  // The model sampled at rate 1 is served apart: folding every one of its samples (and its sketch
  // window's growing set of seen ids) must not land in the runs of the model at the defaults.
  let accounted: { url: string };
  if (bundle) {
    const vane = await startVane(bundle, join(scratch, "vane"), { [MODEL]: undefined });
    const allSampled = await startVane(bundle, join(scratch, "all-sampled"), { [ALL_SAMPLED]: 1 });
    const off = { DRIFT_SAMPLE_RATE: "0", PREDICTION_LOG_RATE: "0" };
    const unsampled = await startVane(bundle, join(scratch, "unsampled"), { [MODEL]: undefined }, off);
    const baselineBundle = await buildBundle(scratch, before);
    // The baseline predates PREDICTION_LOG_RATE: its prediction log follows the drift rate, 0 here.
    const baseline = await startVane(baselineBundle, join(scratch, "baseline"), { [MODEL]: 0 });
    const floor = await LocalWorker.startScript(FLOOR_WORKER);
    workers.push(vane, allSampled, unsampled, baseline, floor);
    accounted = allSampled;
    const [peerA, peerB] = [await startPeer("node"), await startPeer("web")];
    peers.push(peerA.child, peerB.child);
    const cpuOf = (worker: LocalWorker) => () => worker.cpuMs();
    const peerCpu = (child: ChildProcess) => () => processCpuMs(child.pid);
    servers.vane = served(portOf(vane), predictPath(MODEL), cpuOf(vane));
    servers.allSampled = served(portOf(allSampled), predictPath(ALL_SAMPLED), cpuOf(allSampled));
    servers.vaneHealth = served(portOf(vane), "/healthz", cpuOf(vane), false);
    servers.workerdHealth = served(portOf(floor), "/healthz", cpuOf(floor), false);
    servers.unsampled = served(portOf(unsampled), predictPath(MODEL), cpuOf(unsampled));
    servers.baseline = served(portOf(baseline), predictPath(MODEL), cpuOf(baseline));
    servers.peerA = served(peerA.port, predictPath(MODEL), peerCpu(peerA.child));
    servers.peerB = served(peerB.port, predictPath(MODEL), peerCpu(peerB.child));
    servers.peerHealth = served(peerB.port, "/healthz", peerCpu(peerB.child), false);
  } else {
    const edge = await startEdge(join(scratch, "edge"), { [MODEL]: undefined, [ALL_SAMPLED]: 1 });
    workers.push(edge);
    accounted = edge;
    const noClock = async () => Number.NaN;
    servers.vane = served(portOf(edge), predictPath(MODEL), noClock);
    servers.allSampled = served(portOf(edge), predictPath(ALL_SAMPLED), noClock);
  }
  const server = (route: Route) => servers[route] as Server;
  // Every server's session is built and its code warm before anything is measured.
  for (const route of ROUTES) {
    await closedLoop(server(route).target, 1, 20);
    if (route === "allSampled") sent += 20;
  }
  /** Waits until the pipeline has counted every sample so far: no run pays for an earlier run's work. */
  const settle = async (timeoutMs = 30_000) => {
    const deadline = Date.now() + timeoutMs;
    counted = await driftCount(accounted.url, ALL_SAMPLED);
    while (counted < sent && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 250));
      counted = await driftCount(accounted.url, ALL_SAMPLED);
    }
  };
  const run = async (
    route: Route,
    load: (target: Target) => Promise<LoadResult>,
    into: Record<Route, Measure[]>,
  ) => {
    const cpuBefore = await server(route).cpuMs();
    const result = await load(server(route).target);
    into[route].push(measure(result, (await server(route).cpuMs()) - cpuBefore));
    if (route === "allSampled") sent += result.latencies.length - result.failed;
  };
  for (let round = 0; round < ROUNDS; round++) {
    // A different route goes first each round, so none always runs after another.
    const order = ROUTES.map((_, i) => ROUTES[(i + round) % ROUTES.length]);
    for (const route of order) {
      await settle();
      await run(route, (target) => closedLoop(target, CONNECTIONS, REQUESTS), saturated);
    }
    rate ||= Math.round(saturated.vane[0].rps * UTILIZATION);
    for (const route of order.filter((r) => PACED.includes(r))) {
      await settle();
      await run(route, (target) => openLoop(target, rate, PACED_REQUESTS), paced);
    }
  }
  await settle(90_000);
} finally {
  for (const peer of peers) peer.kill();
  for (const worker of workers) await worker.dispose();
  await removeScratch(scratch);
}

const failed = [...Object.values(saturated), ...Object.values(paced)]
  .flat()
  .reduce((n, r) => n + r.failed, 0);
if (CHECK) {
  console.log(`load check: ${sent} sampled predictions sent, ${counted} counted, ${failed} failed requests`);
  for (const [route, runs] of [...Object.entries(saturated), ...Object.entries(paced)]) {
    for (const failure of runs.flatMap((run) => run.failures)) console.log(`  ${route}: ${failure}`);
  }
  if (failed > 0 || counted !== sent) process.exit(1);
  process.exit(0);
}

const LABELS: Record<Route, string> = {
  vane: "vane, sampling at the shipped defaults",
  unsampled: "vane, no sampling (drift and prediction log off)",
  allSampled: "vane, every request sampled (drift rate 1)",
  baseline: `vane at ${before} (before), no sampling`,
  peerA: "peer A: node:http + onnxruntime-node",
  peerB: "peer B: node:http + onnxruntime-web",
  vaneHealth: "vane GET /healthz",
  workerdHealth: "a one-line Worker in workerd (the same JSON as /healthz)",
  peerHealth: "peer B GET /healthz (node:http)",
};
/** One route over another, round by round: the pairing cancels what changes between rounds. */
const ratios = (runs: Record<Route, Measure[]>, route: Route, over: Route, key: Figure) =>
  runs[route].map((run, round) => run[key] / runs[over][round][key]);
const ratio = (runs: Record<Route, Measure[]>, route: Route, over: Route, key: Figure) =>
  median(ratios(runs, route, over, key));
const spread = (values: number[]) => `${Math.min(...values).toFixed(2)}-${Math.max(...values).toFixed(2)}`;
const ms = (value: number) => value.toFixed(2);
const table = (runs: Record<Route, Measure[]>, routes: Route[]) => [
  "| server, route | p50 ms | p99 ms | requests/s | CPU ms per request | failed | throughput vs peer B | p50 vs peer B | p99 vs peer B | CPU vs peer B |",
  "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
  ...routes.map((route) => {
    const against = route.endsWith("Health") ? "peerHealth" : "peerB";
    return `| ${LABELS[route]} | ${ms(pick(runs[route], "p50"))} | ${ms(pick(runs[route], "p99"))} | ${pick(runs[route], "rps").toFixed(0)} | ${pick(runs[route], "cpu").toFixed(3)} | ${runs[route].reduce((n, r) => n + r.failed, 0)} | ${ratio(runs, route, against, "rps").toFixed(2)}x | ${ratio(runs, route, against, "p50").toFixed(2)}x | ${ratio(runs, route, against, "p99").toFixed(2)}x | ${ratio(runs, route, against, "cpu").toFixed(2)}x |`;
  }),
];
const cost = (runs: Record<Route, Measure[]>, key: "rps" | "p99" | "cpu") => {
  const values = ratios(runs, "vane", "unsampled", key);
  const change = key === "rps" ? 1 - median(values) : median(values) - 1;
  return { change, values };
};
const percent = (value: number) => `${(value * 100).toFixed(1)}%`;
const target = (met: boolean) => (met ? "met" : "**not met**");
const throughputVsB = ratio(saturated, "vane", "peerB", "rps");
const p50VsB = ratio(paced, "vane", "peerB", "p50");
const sampledThroughput = cost(saturated, "rps");
const sampledP99 = cost(paced, "p99");
const sampledP99Saturated = cost(saturated, "p99");
const sampledCpu = cost(saturated, "cpu");
// Where vane's CPU per predict goes, from the saturated medians: workerd's floor (the one-line
// Worker), the features and the model (peer B's predict less its node:http floor), and vane's own.
const cpuPerRequest = (route: Route) => pick(saturated[route], "cpu");
const modelWork = cpuPerRequest("peerB") - cpuPerRequest("peerHealth");
const vaneOwn = cpuPerRequest("unsampled") - cpuPerRequest("workerdHealth") - modelWork;
const ceiling = cpuPerRequest("peerB") / (cpuPerRequest("workerdHealth") + modelWork);
const loadAtEnd = loadavg();
const load = (l: number[]) => l.map((v) => v.toFixed(2)).join(" / ");
const defaults = await readFile("wrangler.toml", "utf8");
const rateOf = (name: string) => defaults.match(new RegExp(`^${name} = "([^"]*)"`, "m"))?.[1] ?? "?";
const section = [
  "## Load: vane in workerd against plain Node services, same model, same mail",
  "",
  `Command: \`npx tsx bench/load.ts\` (part of \`npm run bench\`); ${new Date().toISOString()}, ${((performance.now() - started) / 1000).toFixed(0)} s. Load average (1/5/15 min) at start ${load(loadAtStart)}, at the end ${load(loadAtEnd)}, on 2 cores shared with other jobs: ratios are taken round by round, so a change in load hits both sides of each ratio alike.`,
  "",
  `vane is the \`wrangler deploy --dry-run\` bundle served by miniflare's workerd on the Worker's own socket (bench/workerd.ts): no wrangler proxy, no entry worker, no log line per request, the local R2, KV, D1 and Queue of wrangler.toml in the same workerd process (their state in memory: a disk's fsync would stall the Worker's thread, which remote storage in production never does), one process per vane row (the model sampled at rate 1 in its own, so its folds stay out of the others' runs). Every vane row runs with FEEDBACK_SECRET set, so each predict answer carries its HMAC feedback token, as in a deployment that collects labels. The peers (bench/peer-server.ts) are node:http services that build the same int8 model's session before they listen and answer the same JSON with the same text features (src/core/kinds/hashed-text). Each predict carries one real 2002 spam mail (${mail.length} characters). The load generator (bench/http-load.ts, node:http keep-alive, performance.now()) shares the cores. ${ROUNDS} interleaved rounds, a different server first in each; per round and route ${REQUESTS} requests saturated (${CONNECTIONS} connections) and ${PACED_REQUESTS} at a fixed rate of ${rate} requests/s (${UTILIZATION * 100}% of vane's saturated throughput in round 1; latency from the earlier of the scheduled and the actual send); each run starts once the drift pipeline has counted every earlier sample. Cells: medians over rounds; ratios: median of the per-round ratios (their range in the text). CPU is the serving process's user + system time over the run (from /proc, at the kernel's 10 ms tick) per request: for vane it includes the local storage's work, which production's Workers do not run, and for every server it excludes the load generator; on shared cores it is steadier than throughput. Shipped defaults: DRIFT_SAMPLE_RATE = ${rateOf("DRIFT_SAMPLE_RATE")}, PREDICTION_LOG_RATE = ${rateOf("PREDICTION_LOG_RATE")}.`,
  "",
  "**Saturated** (closed loop):",
  "",
  ...table(saturated, ROUTES),
  "",
  "**At a fixed arrival rate** (open loop):",
  "",
  ...table(paced, PACED),
  "",
  `- Throughput against peer B (same runtime): ${throughputVsB.toFixed(2)}x (rounds ${spread(ratios(saturated, "vane", "peerB", "rps"))}; target at least 0.8: ${target(throughputVsB >= 0.8)}); p50 at the fixed rate ${p50VsB.toFixed(2)}x (rounds ${spread(ratios(paced, "vane", "peerB", "p50"))}; target at most 1.5x: ${target(p50VsB <= 1.5)}).`,
  `- Sampling at the shipped defaults against none costs ${percent(sampledThroughput.change)} of the saturated throughput (rounds ${spread(sampledThroughput.values)}) and changes the p99 at the fixed rate by ${percent(sampledP99.change)} (rounds ${spread(sampledP99.values)}), the saturated p99 by ${percent(sampledP99Saturated.change)}, and adds ${percent(sampledCpu.change)} of CPU per request (rounds ${spread(sampledCpu.values)}, local storage's work included); target at most 5% of throughput and p99: ${target(sampledThroughput.change <= 0.05 && sampledP99.change <= 0.05)}. Every request sampled costs ${percent(1 - ratio(saturated, "allSampled", "unsampled", "rps"))} of the throughput.`,
  `- What workerd itself costs: the one-line Worker takes ${cpuPerRequest("workerdHealth").toFixed(3)} ms of CPU per request against node:http's ${cpuPerRequest("peerHealth").toFixed(3)} (${(cpuPerRequest("workerdHealth") / cpuPerRequest("peerHealth")).toFixed(2)}x). Of vane's ${cpuPerRequest("unsampled").toFixed(3)} ms per predict (no sampling), that floor is ${cpuPerRequest("workerdHealth").toFixed(3)}, the features and the model ${modelWork.toFixed(3)} (peer B's predict less its /healthz), and vane's own work (routing, validation, feedback token, registry read, response) ${vaneOwn.toFixed(3)}. A Worker doing nothing but peer B's work would reach ${ceiling.toFixed(2)}x of peer B's CPU throughput: the most workerd leaves, against the 0.8 target.`,
  `- Against the baseline (${before}, both without sampling): throughput ${ratio(saturated, "unsampled", "baseline", "rps").toFixed(2)}x, p50 at the fixed rate ${ratio(paced, "unsampled", "baseline", "p50").toFixed(2)}x.`,
  `- Accounting: ${sent} predictions answered by the model sampled at rate 1, ${counted} counted by the drift pipeline (Queue, consumer, R2 sketch windows)${sent === counted ? ": every sample accounted for, none twice" : ": MISMATCH"}.`,
].join("\n");
await writeSection("load", section);
console.log(section);
