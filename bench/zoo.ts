/**
 * The fixture zoo (models/zoo) under the Worker's runtime against onnxruntime-node, per model class:
 * - latency per instance at batch 1 and 32, onnxruntime-web configured as the Worker configures it
 *   (WEB_SESSION_OPTIONS, wasm, 1 thread) against onnxruntime-node (1 thread), in interleaved rounds;
 * - cold start to the first answer, each in a fresh child process: for onnxruntime-web the wasm
 *   runtime's one-time init (instantiating the precompiled module, as src/serving/ort-runtime.ts does,
 *   plus ORT's set-up on a one-node model) apart from the session's creation and first run;
 * - the session's memory in onnxruntime-web, read in the same children as `vane import` reads it
 *   (readIsolateMemory and sessionGrowth, src/toolchain/wasm-heap.ts): the wasm heap's high-water mark
 *   and byteLength around session creation and the first run, plus V8's heap and external memory
 *   after gc(), against the manifest's figure and the session cache's fallback estimate
 *   (estimateSessionBytes).
 * Models are read as `vane import` and `vane quantize` read them (external data inlined, Constant
 * weights lifted): the bytes the Worker gets. Writes the "zoo" section of bench/RESULTS.md.
 * Run: npx tsx bench/zoo.ts
 */
import { spawn } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { cpus, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import * as ortNode from "onnxruntime-node";
import * as ortWeb from "onnxruntime-web";
import { estimateSessionBytes } from "../src/core/session-estimate.js";
import { WEB_SESSION_OPTIONS } from "../src/core/session-options.js";
import { type ImportReport, importModel } from "../src/toolchain/import.js";
import { MIN_SESSION_JS_BYTES } from "../src/toolchain/session-memory.js";
import { sessionGrowth } from "../src/toolchain/wasm-heap.js";
import {
  modelPath,
  outputNumbers,
  sampleInputs,
  type TensorJson,
  toOrtFeeds,
  type ZooFixture,
} from "../test/node/zoo-fixtures.js";
import { median } from "./median.js";
import { writeSection } from "./results-section.js";
import type { NodeCold, WebCold } from "./zoo-cold.js";

const CLASSES: Array<[ZooFixture, string]> = [
  ["mlp", "MLP (tabular)"],
  ["cnn", "CNN (image)"],
  ["encoder", "transformer encoder (text)"],
  ["multi", "multi-input/output recommender"],
  ["large", "text embedding, >= 10 MB"],
];
const BATCHES = [1, 32];
const ROUNDS = 9;
/** session.run calls per timed block; the block's value is their median. */
const CALLS: Record<number, number> = { 1: 15, 32: 5 };
const COLD_RUNS = 3;
const MIB = 1024 * 1024;
const WORKER_OPTIONS = {
  ...WEB_SESSION_OPTIONS,
  executionProviders: [...WEB_SESSION_OPTIONS.executionProviders],
};
const NODE_OPTIONS = { intraOpNumThreads: 1, interOpNumThreads: 1 };

type Runtime = "web" | "node";
type Feeds = Record<string, ortWeb.Tensor>;
interface Session {
  run(feeds: Feeds): Promise<Record<string, ortWeb.Tensor>>;
}

/** Linear-interpolated quantile of `values`, q in [0, 1]. */
function quantile(values: number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (sorted.length - 1) * q;
  const low = Math.floor(at);
  return sorted[low] + (sorted[Math.min(low + 1, sorted.length - 1)] - sorted[low]) * (at - low);
}
const percent = (v: number) => `${(v * 100).toFixed(0)}%`;
const range = (values: number[], digits: (v: number) => string) =>
  `${digits(Math.min(...values))}-${digits(Math.max(...values))}`;

/** The sample's rows repeated to `batch` rows (every input's first dim is the batch). */
function batchOf(tensor: TensorJson, batch: number): TensorJson {
  const [rows, ...rest] = tensor.dims;
  const rowSize = rest.reduce((a, b) => a * b, 1);
  const data = Array.from(
    { length: batch * rowSize },
    (_, i) => tensor.data[(Math.floor(i / rowSize) % rows) * rowSize + (i % rowSize)],
  );
  return { ...tensor, dims: [batch, ...rest], data };
}

function feedsAt(ort: Pick<typeof ortWeb, "Tensor">, fixture: ZooFixture, batch: number): Feeds {
  const inputs = sampleInputs(fixture);
  return toOrtFeeds(
    ort,
    Object.fromEntries(Object.entries(inputs).map(([name, tensor]) => [name, batchOf(tensor, batch)])),
  );
}

function runChild<T>(runtime: Runtime, fixture: ZooFixture, model: string): Promise<T> {
  return new Promise((resolve, reject) => {
    const proc = spawn(
      process.execPath,
      ["--expose-gc", "--import", "tsx", join(import.meta.dirname, "zoo-cold.ts"), runtime, fixture, model],
      { stdio: ["ignore", "pipe", "inherit"] },
    );
    let out = "";
    proc.stdout.on("data", (chunk) => {
      out += chunk;
    });
    proc.on("error", reject);
    proc.on("close", (code) => {
      if (code !== 0) return reject(new Error(`${runtime} child for ${fixture} exited with ${code}`));
      resolve(JSON.parse(out.trim().split("\n").at(-1) ?? "") as T);
    });
  });
}

// ---------------------------------------------------------------------------------------------
// Parent: warm latency in process, cold starts in children, the section.
// ---------------------------------------------------------------------------------------------

/** `calls` session.run calls, each timed on its own; their median, in ms. */
async function timeBlock(session: Session, feeds: Feeds, calls: number): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < calls; i++) {
    const start = performance.now();
    await session.run(feeds);
    times.push(performance.now() - start);
  }
  return median(times);
}

interface Latency {
  fixture: ZooFixture;
  batch: number;
  web: number[];
  node: number[];
  ratios: number[];
  /** max |web - node| over every output at this batch. */
  agreement: number;
}

async function latencies(models: Map<ZooFixture, Uint8Array>): Promise<Latency[]> {
  const cases: Array<Latency & { sessions: Record<Runtime, Session>; feeds: Record<Runtime, Feeds> }> = [];
  for (const [fixture] of CLASSES) {
    const bytes = models.get(fixture) as Uint8Array;
    const sessions: Record<Runtime, Session> = {
      web: await ortWeb.InferenceSession.create(bytes, WORKER_OPTIONS),
      node: (await ortNode.InferenceSession.create(bytes, NODE_OPTIONS)) as unknown as Session,
    };
    for (const batch of BATCHES) {
      const feeds: Record<Runtime, Feeds> = {
        web: feedsAt(ortWeb, fixture, batch),
        node: feedsAt(ortNode as unknown as typeof ortWeb, fixture, batch),
      };
      const web = await sessions.web.run(feeds.web);
      const node = await sessions.node.run(feeds.node);
      let agreement = 0;
      for (const name of Object.keys(web)) {
        const a = outputNumbers(web[name]);
        const b = outputNumbers(node[name]);
        for (let i = 0; i < a.length; i++) agreement = Math.max(agreement, Math.abs(a[i] - b[i]));
      }
      for (const runtime of ["web", "node"] as const) await timeBlock(sessions[runtime], feeds[runtime], 3);
      cases.push({ fixture, batch, web: [], node: [], ratios: [], agreement, sessions, feeds });
    }
  }
  for (let round = 0; round < ROUNDS; round++) {
    for (const c of cases) {
      const order: Runtime[] = round % 2 ? ["web", "node"] : ["node", "web"];
      const ms: Record<Runtime, number> = { web: 0, node: 0 };
      for (const runtime of order)
        ms[runtime] = await timeBlock(c.sessions[runtime], c.feeds[runtime], CALLS[c.batch]);
      c.web.push(ms.web / c.batch);
      c.node.push(ms.node / c.batch);
      c.ratios.push(ms.web / ms.node);
    }
  }
  return cases.map(({ sessions: _s, feeds: _f, ...latency }) => latency);
}

const ms = (v: number) => (v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v.toFixed(2));
const perInstance = (v: number) => (v >= 1 ? v.toFixed(2) : v >= 0.01 ? v.toFixed(3) : v.toFixed(4));
const mb = (bytes: number) => (bytes / MIB).toFixed(2);
/** KiB under a MiB, so the small fixtures' figures keep their digits. */
const size = (bytes: number) =>
  Math.abs(bytes) < MIB ? `${(bytes / 1024).toFixed(0)} KiB` : `${(bytes / MIB).toFixed(2)} MiB`;
const ratio = (v: number) => `${v.toFixed(2)}x`;

async function parent(): Promise<void> {
  const started = performance.now();
  const loadStart = loadavg();
  const dir = await mkdtemp(join(tmpdir(), "vane-zoo-bench-"));
  try {
    // Each fixture goes through `vane import` as a user's model would: its model.onnx is what the
    // Worker serves, its manifest the measured session size the session cache budgets, measured on
    // the sample the cold-start children run (--sample), so both read the same activations.
    const models = new Map<ZooFixture, Uint8Array>();
    const imports = new Map<ZooFixture, ImportReport>();
    for (const [fixture] of CLASSES) {
      const report = await importModel({
        source: modelPath(fixture),
        out: join(dir, fixture),
        name: fixture,
        version: 1,
        task: {},
        sample: { inputs: sampleInputs(fixture) },
      });
      imports.set(fixture, report);
      models.set(fixture, new Uint8Array(await readFile(join(report.dir, "model.onnx"))));
    }
    const importedAt = performance.now();

    // Cold starts first: per pass and fixture, the web and node children start together, so both
    // meet the same machine (and the bench takes half the wall time on two cores).
    const webCold = new Map<ZooFixture, WebCold[]>(CLASSES.map(([f]) => [f, []]));
    const nodeCold = new Map<ZooFixture, NodeCold[]>(CLASSES.map(([f]) => [f, []]));
    for (let run = 0; run < COLD_RUNS; run++) {
      for (const [fixture] of CLASSES) {
        const model = join(dir, fixture, "model.onnx");
        const [web, node] = await Promise.all([
          runChild<WebCold>("web", fixture, model),
          runChild<NodeCold>("node", fixture, model),
        ]);
        webCold.get(fixture)?.push(web);
        nodeCold.get(fixture)?.push(node);
      }
    }
    const coldAt = performance.now();
    const warm = await latencies(models);
    const seconds = ((performance.now() - started) / 1000).toFixed(0);
    const loadEnd = loadavg();

    const label = (fixture: ZooFixture) => `${fixture}: ${CLASSES.find(([f]) => f === fixture)?.[1]}`;
    const latencyRows = warm.map((l) => {
      const spread = range(l.ratios, (v) => v.toFixed(2));
      return `| ${label(l.fixture)} | ${l.batch} | ${perInstance(median(l.web))} | ${perInstance(median(l.node))} | **${ratio(median(l.ratios))}** | ${spread} | ${l.agreement.toExponential(1)} |`;
    });

    const coldRows: string[] = [];
    const memoryRows: string[] = [];
    /** Fixtures whose manifest figure is below the session's measured high-water growth. */
    const under: string[] = [];
    const ratios: number[] = [];
    for (const [fixture] of CLASSES) {
      const web = webCold.get(fixture) as WebCold[];
      const node = nodeCold.get(fixture) as NodeCold[];
      const m = (values: number[]) => `${ms(median(values))} (${range(values, ms)})`;
      const webAnswer = web.map((w) => w.sessionMs + w.firstRunMs);
      const nodeAnswer = node.map((n) => n.sessionMs + n.firstRunMs);
      coldRows.push(
        `| ${label(fixture)} | ${m(web.map((w) => w.initMs))} | ${m(web.map((w) => w.sessionMs))} | ${m(web.map((w) => w.firstRunMs))} | **${m(webAnswer)}** | ${m(node.map((n) => n.importMs))} | ${m(node.map((n) => n.sessionMs))} | ${m(node.map((n) => n.firstRunMs))} | **${m(nodeAnswer)}** | ${ratio(median(webAnswer) / median(nodeAnswer))} |`,
      );
      const bytes = (models.get(fixture) as Uint8Array).byteLength;
      const heapGrowth = median(web.map(({ memory: [init, , ran] }) => ran.wasmBytes - init.wasmBytes));
      const topSession = median(web.map(({ memory: [init, created] }) => created.wasmTop - init.wasmTop));
      const topRun = median(web.map(({ memory: [, created, ran] }) => ran.wasmTop - created.wasmTop));
      const js = median(web.map(({ memory: [init, , ran] }) => ran.js - init.js));
      const measured = median(
        web.map(({ memory: [init, , ran] }) => {
          const growth = sessionGrowth(init, ran);
          return growth.wasm + growth.js;
        }),
      );
      const manifest = imports.get(fixture)?.manifest;
      const recorded = manifest?.memory?.sessionBytes ?? Number.NaN;
      const estimate = estimateSessionBytes(manifest?.model.bytes ?? bytes);
      if (recorded < measured) under.push(`${fixture} ${ratio(recorded / measured)}`);
      ratios.push(recorded / measured);
      memoryRows.push(
        `| ${label(fixture)} | ${size(bytes)} | ${size(heapGrowth)} | ${size(topSession)} | ${size(topRun)} | ${size(js)} | **${size(measured)}** | ${(measured / bytes).toFixed(1)}x | **${size(recorded)}** | ${ratio(recorded / measured)} | ${size(estimate)} | ${ratio(estimate / measured)} |`,
      );
    }
    const webRuns = CLASSES.flatMap(([f]) => webCold.get(f) as WebCold[]);
    const heapAtInit = median(webRuns.map((w) => w.memory[0].wasmBytes));
    const usedAtInit = median(webRuns.map((w) => w.memory[0].wasmTop));
    const webInit = CLASSES.flatMap(([f]) => (webCold.get(f) as WebCold[]).map((w) => w.initMs));
    const webImport = CLASSES.flatMap(([f]) => (webCold.get(f) as WebCold[]).map((w) => w.importMs));
    const webCompile = CLASSES.flatMap(([f]) => (webCold.get(f) as WebCold[]).map((w) => w.compileMs));
    // Per row, the per-round ratios' interquartile range as a share of their median.
    const spreads = warm.map((l) => (quantile(l.ratios, 0.75) - quantile(l.ratios, 0.25)) / median(l.ratios));

    await writeSection(
      "zoo",
      [
        "## Model zoo: onnxruntime-web (as the Worker runs it) vs onnxruntime-node, per model class",
        "",
        `Command: \`npx tsx bench/zoo.ts\` (part of \`npm run bench\`); ${new Date().toISOString()}, ${seconds} s (${((importedAt - started) / 1000).toFixed(0)} s importing the fixtures with \`vane import\`'s importModel, ${((coldAt - importedAt) / 1000).toFixed(0)} s cold-start children). onnxruntime-web ${ortWeb.env.versions.web}, wasm, 1 thread, the Worker's session options (WEB_SESSION_OPTIONS: graph optimisation "all", QDQ folding); onnxruntime-node ${ortNode.env.versions.node ?? ""} (its CPU provider, intra/inter-op threads 1) as the baseline. Fixtures from models/zoo, each imported with \`vane import\`'s importModel (external data inlined, Constant weights lifted; the model.onnx it writes is what the Worker serves); inputs are each fixture's sample.json rows, repeated to the batch.`,
        "",
        `**Noise.** A shared machine: ${cpus().length} cores, load average ${loadStart.map((v) => v.toFixed(1)).join(" / ")} at the start and ${loadEnd.map((v) => v.toFixed(1)).join(" / ")} at the end (1 / 5 / 15 min), i.e. several processes per core throughout. Absolute milliseconds are inflated and unsteady; read the ratios, taken within one round from back-to-back blocks. The per-round web / node ratios of a row had an interquartile range of ${percent(median(spreads))} of their median (median over rows; ${percent(Math.min(...spreads))} to ${percent(Math.max(...spreads))}), and single rounds strayed much further (the range column: a block preempted by another process); differences between rows smaller than that are noise.`,
        "",
        "### Latency per instance (warm, in process)",
        "",
        `${ROUNDS} interleaved rounds (the runtime that goes first alternates); in each round every fixture and batch gets one block per runtime of ${CALLS[1]} session.run calls at batch 1 or ${CALLS[32]} at batch 32, each call timed alone and the block's value their median. Shown: the median over rounds of ms per instance (block median / batch), and of the per-round ratio web / node, with the ratios' range over rounds. Agreement: max |web - node| over every output at that batch, on the same input.`,
        "",
        "| fixture | batch | web ms per instance | node ms per instance (baseline) | web / node | ratio range over rounds | max \\|web - node\\| |",
        "|---|---:|---:|---:|---:|---|---:|",
        ...latencyRows,
        "",
        "### Cold start to the first answer (fresh process per measurement)",
        "",
        `${COLD_RUNS} child processes per fixture and runtime (\`node --expose-gc --import tsx bench/zoo-cold.ts <web|node> <fixture> <model>\`), the web and the node child of a fixture started together (both meet the same machine); median (range) in ms. onnxruntime-web is loaded as src/serving/ort-runtime.ts loads it in the Worker: the wasm module is compiled beforehand (wrangler does that at deploy time) and handed over at instantiation. Its one-time runtime init (instantiate + ORT's set-up, measured on a one-node model) is a Worker isolate's cost once, not per model, so it is its own column; "to first answer" is session creation + the first run at the sample's batch. For onnxruntime-node the one-time cost is loading its native addon (the import).`,
        "",
        "| fixture | web: runtime init (once per isolate) | web: create session | web: first run | **web: to first answer** | node: import (addon, once per process) | node: create session | node: first run | **node: to first answer** | web / node, to first answer |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
        ...coldRows,
        "",
        `Over all ${webInit.length} onnxruntime-web children: importing its JS glue took ${ms(median(webImport))} ms (${range(webImport, ms)}), compiling the wasm (deploy time in Workers, not part of a Worker's cold start) ${ms(median(webCompile))} ms (${range(webCompile, ms)}), the runtime init ${ms(median(webInit))} ms (${range(webInit, ms)}). Much of onnxruntime-web's runtime init and first run (far above its warm latency) is V8 compiling wasm functions on their first call: Node compiles wasm lazily by default, and a spot check with \`--no-wasm-lazy-compilation\` moved most of both into WebAssembly.compile. Whether workerd's deploy-time compilation spares a Worker that part is not measured here; a second model in the same isolate reuses the kernels already compiled.`,
        "",
        "### Session memory in onnxruntime-web",
        "",
        "Read in the same web children with readIsolateMemory (src/toolchain/wasm-heap.ts, the reading `vane import` takes), median of " +
          `${COLD_RUNS}. Two readings of the wasm heap: its byteLength (what the isolate holds; it grows in steps, ahead of use, and never shrinks) and its high-water mark (the end of the last non-zero word: fresh wasm pages are zero and the allocator hands memory out upwards, so this is how far the runtime has ever written, freed temporaries included). After the runtime's init the heap is ${mb(heapAtInit)} MiB with ${mb(usedAtInit)} MiB below the mark, so a session smaller than the difference grows the byteLength by nothing. JS = V8 heapUsed + external less ArrayBuffers (which hold the model bytes the caller drops), the least of three gc()s. Both readings are taken after the runtime's init with its one-MatMul model run once (the runtime's own JS glue and arena are the baseline) and after the model's first run. **Measured** = high-water growth + JS growth between the two (sessionGrowth): what one session adds. The manifest's figure is what \`vane import\` (src/toolchain/session-memory.ts) stored for the same model, measured the same way in its own child process on the same sample (\`--sample\` with the fixture's sample.json): the high-water growth + the JS growth, the JS charged at least ${MIN_SESSION_JS_BYTES / 1024} KiB (V8's figure differs by tens of KiB between processes; the wasm figure does not), and never less than the model's bytes. estimateSessionBytes (src/core/session-estimate.ts: 8x the file + 1 MiB) is what the session cache budgets for a manifest without a figure (models published before \`vane import\`). Node figures for the Worker's wasm binary, not workerd's own accounting.`,
        "",
        "| fixture | model (imported) | heap byteLength growth | high-water growth: create session | high-water growth: first run | JS growth | **measured session** | measured / file | **manifest memory.sessionBytes (vane import)** | manifest / measured | estimateSessionBytes (no manifest figure) | estimate / measured |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
        ...memoryRows,
        "",
        under.length
          ? `The manifest's figure is below the measured one for ${under.length} of ${CLASSES.length} fixtures (${under.join(", ")}): the session cache budgets less than these sessions take.`
          : `The manifest's figure covers the measured one for every fixture (manifest / measured ${range(ratios, ratio)}); the fallback estimate for manifests without a figure overstates it by the ratios in the last column.`,
        "",
        "### Quantized bytes and output error against fp32",
        "",
        "Measured per model class by `npx tsx bench/quantize.ts --zoo` (also part of `npm run bench`): see \"Quantization per model class: vane vs onnxruntime's quantize_dynamic (fixture zoo)\" in this file, which gives every fixture above its fp32 and int8 bytes (both of vane's styles and onnxruntime's quantize_dynamic) and the max abs output error against fp32 in both runtimes.",
      ].join("\n"),
    );
    for (const l of warm) console.log(JSON.stringify({ ...l, web: median(l.web), node: median(l.node) }));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

await parent();
