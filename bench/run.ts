/**
 * vane benchmarks: drift sketches, in-process inference (onnxruntime-web vs onnxruntime-node),
 * int8 vs fp32 under onnxruntime-web, the Worker bundle and ORT cold start. Writes bench/RESULTS.md.
 * Every timing is a median over several runs, next to a baseline measured in the same process.
 * Run: npx tsx bench/run.ts [--quick]
 */
import { execFile } from "node:child_process";
import { readdir, readFile, rm, stat, writeFile } from "node:fs/promises";
import os from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { gzipSync } from "node:zlib";
import * as ortNode from "onnxruntime-node";
import * as ortWeb from "onnxruntime-web";
import { DriftSpec } from "../src/core/drift-features.js";
import { textFeatureMatrix, textFeatures } from "../src/core/kinds/hashed-text/features.js";
import type { HashedTextSpec } from "../src/core/kinds/hashed-text/schema.js";
import { emptySketches, PROFILE_BINS, Profile } from "../src/core/profile.js";
import { WEB_SESSION_OPTIONS } from "../src/core/session-options.js";
import {
  createSketch,
  deserializeSketch,
  type FeatureSketch,
  mergeSketches,
  type NumericFeatureSketch,
  serializeSketch,
  updateSketch,
} from "../src/core/sketch/feature-sketch.js";
import { encodeFloat64 } from "../src/core/sketch/float64-base64.js";
import { binEdgesFromSample } from "../src/core/sketch/histogram.js";
import { KllSketch } from "../src/core/sketch/quantile.js";
import { ksTwoSample, ksTwoSampleSketch } from "../src/core/stats/ks.js";
import {
  mergeWindows,
  type SketchWindow,
  SketchWindow as SketchWindowSchema,
} from "../src/drift/window-format.js";
import { loadSplits } from "../src/toolchain/data.js";
import { classificationMetrics } from "../src/toolchain/metrics.js";
import {
  DataType,
  decodeModel,
  encodeModel,
  float32Tensor,
  type GraphProto,
  type TensorProto,
  tensorDims,
} from "../src/toolchain/onnx/model.js";
import { type QuantizeOptions, quantizeModel } from "../src/toolchain/quantize.js";
import { trainCollection } from "../src/toolchain/train/pipeline.js";
import { median } from "./median.js";

const run = promisify(execFile);
const QUICK = process.argv.includes("--quick");
const BATCH32_CALLS = 15;
const FP32_PATH = join(os.tmpdir(), "vane-bench-fp32.onnx");
const started = performance.now();
const lines: string[] = [];
const out = (line = "") => {
  lines.push(line);
  console.log(line);
};

// ---------------------------------------------------------------------------------------------
// Helpers

/** Fixed-seed PRNG (mulberry32) and a Box-Muller normal on top of it. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
function normals(count: number, seed: number, mean = 0, sd = 1): number[] {
  const next = rng(seed);
  const values = new Array<number>(count);
  for (let i = 0; i < count; i++) {
    const u = Math.max(next(), 1e-12);
    values[i] = mean + sd * Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * next());
  }
  return values;
}

const fmt = (x: number, digits = 3) =>
  Number.isFinite(x) ? (Math.abs(x) >= 100 ? x.toFixed(0) : x.toFixed(digits)) : String(x);
const ratio = (x: number, base: number) => {
  const r = x / base;
  return `${r >= 0.01 || r === 0 ? r.toFixed(2) : r.toPrecision(2)}x`;
};
const kib = (bytes: number) => `${(bytes / 1024).toFixed(1)} KiB`;
const mib = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(2)} MiB`;
const pct = (x: number) => `${(x * 100).toFixed(2)}%`;

function table(header: string[], rows: Array<Array<string | number>>, align?: string[]): void {
  out(`| ${header.join(" | ")} |`);
  out(`|${header.map((_, i) => align?.[i] ?? (i === 0 ? "---" : "---:")).join("|")}|`);
  for (const row of rows) out(`| ${row.join(" | ")} |`);
}

// ---------------------------------------------------------------------------------------------
// a. Sketches

/**
 * The real thing: 1000 drift windows of the shipped spam model (its 7 drift features with the
 * profile's bin edges, plus latency, plus the 1000 seen-id hashes), 1000 samples each, as JSON;
 * merged by mergeWindows after SketchWindow.parse, as the scheduled run does.
 */
async function realWindowMerge(runs: number): Promise<{ ms: number[]; bytes: number; features: number }> {
  const spec = DriftSpec.parse(JSON.parse(await readFile("models/spam/1/drift.json", "utf8")));
  const profile = Profile.parse(JSON.parse(await readFile("models/spam/1/profile.json", "utf8")));
  const next = rng(42);
  const texts: string[] = [];
  for (let w = 0; w < 1000; w++) {
    const sketches = emptySketches(spec, profile);
    const latency = createSketch({
      kind: "numeric",
      edges: [0, 1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000],
    });
    for (let i = 0; i < 1000; i++) {
      const p = next();
      for (const [name, sketch] of Object.entries(sketches)) {
        if (sketch.kind === "categorical") updateSketch(sketch, p > 0.5 ? "spam" : "ham");
        else if (name === "token_count") updateSketch(sketch, Math.floor(next() * 2000));
        else if (name === "p_spam") updateSketch(sketch, p);
        else updateSketch(sketch, next() * 0.1);
      }
      updateSketch(latency, -Math.log(Math.max(next(), 1e-9)) * 3);
    }
    const window: SketchWindow = {
      model: "spam",
      version: 1,
      role: "active",
      start: w * 600_000,
      seconds: 600,
      count: 1000,
      errors: {},
      features: Object.fromEntries(Object.entries(sketches).map(([name, sk]) => [name, serializeSketch(sk)])),
      latency: serializeSketch(latency),
      seen: encodeFloat64(Array.from({ length: 1000 }, () => Math.floor(next() * 2 ** 52))),
      examples: [],
    };
    texts.push(JSON.stringify(window));
  }
  const ms: number[] = [];
  for (let r = 0; r < runs; r++) {
    const t = performance.now();
    const parsed = texts.map((text) => SketchWindowSchema.parse(JSON.parse(text)));
    const merged = mergeWindows(parsed);
    ms.push(performance.now() - t);
    if (merged.count !== 1_000_000) throw new Error(`merged ${merged.count} samples`);
  }
  return { ms, bytes: texts.reduce((n, t) => n + Buffer.byteLength(t), 0), features: spec.features.length };
}

async function sketchSection(): Promise<void> {
  out("## a. Drift sketches (Node)");
  out();
  const runs = QUICK ? 3 : 5;
  const N = 1_000_000;
  const reference = normals(10_000, 1);
  const edges = binEdgesFromSample(reference, PROFILE_BINS);
  const stream = normals(N, 2, 0.1, 1.1);
  const spec = { kind: "numeric" as const, edges };

  // Update cost: numeric feature sketch (histogram over the profile bins + KLL k=200) vs a plain
  // array push (+ the final sort exact quantiles need), per sample.
  const sketchNs: number[] = [];
  const kllNs: number[] = [];
  const pushNs: number[] = [];
  const pushSortNs: number[] = [];
  let lastSketch: FeatureSketch | null = null;
  for (let r = 0; r < runs; r++) {
    const sketch = createSketch(spec);
    let t = performance.now();
    for (let i = 0; i < N; i++) updateSketch(sketch, stream[i]);
    sketchNs.push(((performance.now() - t) * 1e6) / N);
    lastSketch = sketch;

    const kll = new KllSketch();
    t = performance.now();
    for (let i = 0; i < N; i++) kll.update(stream[i]);
    kllNs.push(((performance.now() - t) * 1e6) / N);

    const array: number[] = [];
    t = performance.now();
    for (let i = 0; i < N; i++) array.push(stream[i]);
    const pushed = performance.now();
    Float64Array.from(array).sort();
    const sorted = performance.now();
    pushNs.push(((pushed - t) * 1e6) / N);
    pushSortNs.push(((sorted - t) * 1e6) / N);
  }
  const sketchMedian = median(sketchNs);
  const pushSortMedian = median(pushSortNs);

  // Serialized size after 1e6 samples, as JSON (what a window object stores per feature).
  const serialized = JSON.stringify(serializeSketch(lastSketch as FeatureSketch));
  const sketchBytes = Buffer.byteLength(serialized);
  const gzBytes = gzipSync(serialized).byteLength;
  const rawBytes = N * 8;
  const retained = (lastSketch as NumericFeatureSketch).quantiles.retainedItems;

  // KS from sketches vs exact, 100k vs 100k samples, over several seeds and shifts.
  const ksRows: Array<Array<string | number>> = [];
  const ksErrors: number[] = [];
  const ksExactMs: number[] = [];
  const ksSketchMs: number[] = [];
  const shifts = [0, 0.02, 0.05, 0.1, 0.3];
  for (const shift of shifts) {
    const errors: number[] = [];
    let exactD = 0;
    let sketchD = 0;
    for (let seed = 0; seed < runs; seed++) {
      const x = normals(100_000, 100 + seed);
      const y = normals(100_000, 200 + seed, shift);
      let t = performance.now();
      const exact = ksTwoSample(x, y).statistic;
      ksExactMs.push(performance.now() - t);
      const a = createSketch(spec) as NumericFeatureSketch;
      const b = createSketch({ ...spec, seed: 7 + seed }) as NumericFeatureSketch;
      for (const v of x) updateSketch(a, v);
      for (const v of y) updateSketch(b, v);
      t = performance.now();
      const approx = ksTwoSampleSketch(a.quantiles, b.quantiles).statistic;
      ksSketchMs.push(performance.now() - t);
      errors.push(Math.abs(approx - exact));
      exactD += exact / runs;
      sketchD += approx / runs;
    }
    ksErrors.push(...errors);
    ksRows.push([
      shift,
      fmt(exactD, 4),
      fmt(sketchD, 4),
      fmt(median(errors), 4),
      fmt(Math.max(...errors), 4),
    ]);
  }

  // Merge a window of 1e6 samples: 1000 windows of 1000 samples, each a JSON string as stored in
  // R2; parse + deserialize (zod-validated) + merge. Baseline: concatenating the raw samples and
  // sorting them (what exact quantiles over the window would need).
  const windows: string[] = [];
  const rawWindows: Float64Array[] = [];
  for (let w = 0; w < 1000; w++) {
    const sketch = createSketch({ ...spec, seed: w + 1 });
    const chunk = new Float64Array(1000);
    for (let i = 0; i < 1000; i++) {
      const v = stream[w * 1000 + i];
      chunk[i] = v;
      updateSketch(sketch, v);
    }
    windows.push(JSON.stringify(serializeSketch(sketch)));
    rawWindows.push(chunk);
  }
  const windowBytes = windows.reduce((n, w) => n + Buffer.byteLength(w), 0);
  const mergeMs: number[] = [];
  const inPlaceMs: number[] = [];
  const parseMs: number[] = [];
  const exactMergeMs: number[] = [];
  let merged: FeatureSketch | null = null;
  for (let r = 0; r < runs; r++) {
    let t = performance.now();
    const parsed = windows.map((w) => deserializeSketch(JSON.parse(w)));
    parseMs.push(performance.now() - t);
    let acc: FeatureSketch | null = null;
    for (const s of parsed) acc = acc ? mergeSketches(acc, s) : s;
    mergeMs.push(performance.now() - t);
    merged = acc;

    // The same, folding into one accumulator in place (mergeSketches clones its left side per call).
    t = performance.now();
    const first = deserializeSketch(JSON.parse(windows[0])) as NumericFeatureSketch;
    for (let w = 1; w < windows.length; w++) {
      const next = deserializeSketch(JSON.parse(windows[w])) as NumericFeatureSketch;
      first.histogram.merge(next.histogram);
      first.quantiles.merge(next.quantiles);
    }
    inPlaceMs.push(performance.now() - t);

    t = performance.now();
    const all = new Float64Array(N);
    rawWindows.forEach((chunk, i) => {
      all.set(chunk, i * 1000);
    });
    all.sort();
    exactMergeMs.push(performance.now() - t);
  }
  const real = await realWindowMerge(QUICK ? 2 : 3);
  const mergedKll = (merged as NumericFeatureSketch).quantiles;
  const exactSorted = Float64Array.from(stream).sort();
  const quantileErr = Math.max(
    ...[0.01, 0.1, 0.25, 0.5, 0.75, 0.9, 0.99].map((q) => {
      const v = mergedKll.quantile(q);
      let lo = 0;
      let hi = N;
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        if (exactSorted[mid] <= v) lo = mid + 1;
        else hi = mid;
      }
      return Math.abs(lo / N - q);
    }),
  );

  out(`Median of ${runs} runs each; stream of 1,000,000 samples of N(0.1, 1.1²); histogram over 20`);
  out("bins from a 10k reference (the profile's PROFILE_BINS) + KLL k = 200 (the default).");
  out();
  table(
    ["measure", "vane sketch", "baseline", "baseline is", "ratio (sketch / baseline)", "target", "met"],
    [
      [
        "update cost per sample per feature",
        `${fmt(sketchNs.length ? sketchMedian : 0, 1)} ns`,
        `${fmt(pushSortMedian, 1)} ns`,
        "array push + final sort (exact quantiles)",
        ratio(sketchMedian, pushSortMedian),
        "< 2 µs",
        sketchMedian < 2000 ? "yes" : "no",
      ],
      [
        "update cost, KLL alone",
        `${fmt(median(kllNs), 1)} ns`,
        `${fmt(median(pushNs), 1)} ns`,
        "array push alone",
        ratio(median(kllNs), median(pushNs)),
        "",
        "",
      ],
      [
        "serialized size per feature after 1e6 samples (JSON)",
        `${sketchBytes} B (gzip ${gzBytes} B; ${retained} KLL items)`,
        `${rawBytes} B`,
        "the raw samples as float64",
        ratio(sketchBytes, rawBytes),
        "< 8 KB",
        sketchBytes < 8000 ? "yes" : "no",
      ],
      [
        "KS statistic error, sketch vs exact, 100k vs 100k (max over all shifts and seeds)",
        fmt(Math.max(...ksErrors), 4),
        fmt(median(ksErrors), 4),
        "median error (same runs)",
        "",
        "within 0.02",
        Math.max(...ksErrors) <= 0.02 ? "yes" : "no",
      ],
      [
        "KS computation time, 100k vs 100k",
        `${fmt(median(ksSketchMs), 2)} ms`,
        `${fmt(median(ksExactMs), 1)} ms`,
        "exact ksTwoSample on raw samples",
        ratio(median(ksSketchMs), median(ksExactMs)),
        "",
        "",
      ],
      [
        "CPU to merge 1e6 samples (1000 windows x 1000, JSON parse + deserialize + merge)",
        `${fmt(median(mergeMs), 0)} ms (parse+deserialize ${fmt(median(parseMs), 0)} ms)`,
        `${fmt(median(exactMergeMs), 0)} ms`,
        "concatenate raw float64 samples + sort",
        ratio(median(mergeMs), median(exactMergeMs)),
        "< 1 s",
        median(mergeMs) < 1000 ? "yes" : "no",
      ],
      [
        "same, merging in place into one accumulator (mergeSketchInto, what mergeWindows does)",
        `${fmt(median(inPlaceMs), 0)} ms`,
        `${fmt(median(mergeMs), 0)} ms`,
        "mergeSketches, which copies its left side (the row above)",
        ratio(median(inPlaceMs), median(mergeMs)),
        "",
        "",
      ],
      [
        `real windows: 1000 spam drift windows x 1000 samples (${real.features} drift features + latency + seen ids; ${kib(real.bytes / 1000)} each), SketchWindow.parse + mergeWindows (${real.ms.length} runs)`,
        `${fmt(median(real.ms), 0)} ms`,
        `${fmt(median(mergeMs) * (real.features + 1), 0)} ms`,
        "one-feature merge time x (features + latency)",
        ratio(median(real.ms), median(mergeMs) * (real.features + 1)),
        "",
        "",
      ],
    ],
  );
  out();
  out(
    `The 1000 serialized windows total ${kib(windowBytes)} of JSON (${fmt(windowBytes / 1000, 0)} B each); ` +
      `the merged sketch's worst rank error at q ∈ {1, 10, 25, 50, 75, 90, 99}% vs the exact sorted stream is ${pct(quantileErr)}.`,
  );
  out();
  out(`KS statistic per shift (mean over ${runs} seeds; y ~ N(shift, 1), x ~ N(0, 1), 100k each):`);
  out();
  table(["shift", "exact D", "sketch D", "median abs error", "max abs error"], ksRows);
  out();
}

// ---------------------------------------------------------------------------------------------
// b/c. Inference

type Runtime = typeof ortNode | typeof ortWeb;
type Session = ortNode.InferenceSession | ortWeb.InferenceSession;

interface Variant {
  label: string;
  bytes: Uint8Array;
  options?: ortWeb.InferenceSession.SessionOptions;
  /** Milliseconds to produce `bytes` at load time (load-time dequantization), if any. */
  loadMs?: number;
}

async function createSession(
  runtime: Runtime,
  bytes: Uint8Array,
  options: ortWeb.InferenceSession.SessionOptions = {},
): Promise<Session> {
  if (runtime === ortNode) {
    return ortNode.InferenceSession.create(bytes, {
      intraOpNumThreads: 1,
      interOpNumThreads: 1,
      ...(options as ortNode.InferenceSession.SessionOptions),
    });
  }
  return ortWeb.InferenceSession.create(bytes, options);
}

/**
 * One "run" of the benchmark: `calls` session.run calls of one feed, each timed on its own; the run's
 * value is their median, so a call preempted by another process on a shared machine does not skew it.
 */
async function timeBlock(session: Session, feeds: Record<string, unknown>, calls: number): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < calls; i++) {
    const start = performance.now();
    await session.run(feeds as never);
    times.push(performance.now() - start);
  }
  return median(times);
}

interface Timed {
  batch1: number;
  batch32: number;
}

/**
 * Latency of several sessions, interleaved round-robin so drift in machine speed hits all alike:
 * `rounds` runs, each the median of `calls` session.run calls; reported is the median run.
 */
async function timeSessions(
  runtime: Runtime,
  sessions: Session[],
  input: string,
  one: Float32Array,
  many: Float32Array,
  features: number,
  rounds: number,
  calls: number,
): Promise<Timed[]> {
  const Tensor = runtime.Tensor as typeof ortWeb.Tensor;
  const feed1 = { [input]: new Tensor("float32", one, [1, features]) };
  const feed32 = { [input]: new Tensor("float32", many, [32, features]) };
  const samples = sessions.map(() => ({ batch1: [] as number[], batch32: [] as number[] }));
  for (const session of sessions) {
    await timeBlock(session, feed1, 20);
    await timeBlock(session, feed32, 5);
  }
  for (let r = 0; r < rounds; r++) {
    for (let s = 0; s < sessions.length; s++) {
      samples[s].batch1.push(await timeBlock(sessions[s], feed1, calls));
      samples[s].batch32.push(await timeBlock(sessions[s], feed32, BATCH32_CALLS));
    }
  }
  return samples.map((s) => ({ batch1: median(s.batch1), batch32: median(s.batch32) }));
}

/**
 * Load-time dequantization: every DequantizeLinear whose inputs are all initializers is replaced
 * by the float32 initializer it computes, so the session sees an fp32 graph while the bytes shipped
 * stay int8. (Done here with onnx-proto; a Worker would need only the same arithmetic.)
 */
function dequantizeAtLoad(bytes: Uint8Array): Uint8Array {
  const model = decodeModel(bytes);
  const graph = model.graph as GraphProto;
  const inits = new Map((graph.initializer ?? []).map((t) => [t.name ?? "", t]));
  const replaced: TensorProto[] = [];
  const dropped = new Set<string>();
  graph.node = (graph.node ?? []).filter((node) => {
    if (node.opType !== "DequantizeLinear" || (node.domain ?? "") !== "") return true;
    const [x, scale, zero] = (node.input ?? []).map((name) => inits.get(name));
    if (!x || !scale || ((node.input ?? []).length > 2 && !zero)) return true;
    const values = intValues(x);
    const scales = floatValues(scale);
    const zeros = zero ? intValues(zero) : new Int32Array(scales.length);
    const dims = tensorDims(x);
    const axisAttr = node.attribute?.find((a) => a.name === "axis");
    const axis = scales.length === 1 ? 0 : (Number(axisAttr?.i ?? 1) + dims.length) % dims.length;
    const inner = dims.slice(axis + 1).reduce((a, b) => a * b, 1);
    const out = new Float32Array(values.length);
    for (let i = 0; i < values.length; i++) {
      const c = scales.length === 1 ? 0 : Math.floor(i / inner) % dims[axis];
      out[i] = (values[i] - zeros[c]) * scales[c];
    }
    replaced.push(float32Tensor(node.output?.[0] ?? "", dims, out));
    for (const name of node.input ?? []) dropped.add(name);
    return false;
  });
  graph.initializer = [...(graph.initializer ?? []).filter((t) => !dropped.has(t.name ?? "")), ...replaced];
  return encodeModel(model);
}

function intValues(tensor: TensorProto): Int32Array {
  const raw = tensor.rawData ?? new Uint8Array();
  const count = tensorDims(tensor).reduce((a, b) => a * b, 1);
  if (raw.length > 0) {
    const copy = Uint8Array.from(raw);
    return tensor.dataType === DataType.INT8
      ? Int32Array.from(new Int8Array(copy.buffer))
      : Int32Array.from(copy);
  }
  return Int32Array.from((tensor.int32Data ?? []).slice(0, count));
}

function floatValues(tensor: TensorProto): Float32Array {
  const raw = tensor.rawData ?? new Uint8Array();
  if (raw.length > 0) return new Float32Array(Uint8Array.from(raw).buffer);
  return Float32Array.from(tensor.floatData ?? []);
}

async function accuracyWeb(bytes: Uint8Array, spec: HashedTextSpec, matrix: Float32Array, labels: number[]) {
  const session = await ortWeb.InferenceSession.create(bytes);
  const result = await session.run({
    [spec.input]: new ortWeb.Tensor("float32", matrix, [labels.length, spec.buckets]),
  });
  await session.release();
  const probs = result.probabilities.data as Float32Array;
  return {
    metrics: classificationMetrics(
      labels,
      labels.map((_, i) => probs[i * 2 + 1]),
    ),
    probs,
  };
}

async function inferenceSections(): Promise<void> {
  ortWeb.env.wasm.numThreads = 1;
  ortWeb.env.logLevel = "error";
  const rounds = QUICK ? 5 : 11;
  const calls = QUICK ? 30 : 60;

  const trainStart = performance.now();
  const trained = await trainCollection({ collection: "2002", training: { arch: "logistic", seed: 1 } });
  const trainMs = performance.now() - trainStart;
  const spec: HashedTextSpec = trained.record.spec;
  const fp32 = trained.onnx;
  await writeFile(FP32_PATH, fp32);
  const shipped = new Uint8Array(await readFile("models/spam/1/model.onnx"));

  const splits = await loadSplits("2002", { seed: 1 });
  const test = splits.test;
  const texts = test.map((email) => email.text);
  const labels = test.map((email) => email.label);
  const matrix = textFeatureMatrix(spec, texts);
  const features = spec.buckets;
  const one = matrix.slice(0, features);
  const many = matrix.slice(0, 32 * features);

  const sym = { symmetric: true } as const;
  const quantized: Array<[string, QuantizeOptions]> = [
    ["weight-only per-channel sym", { style: "weight-only", granularity: "per-channel", ...sym }],
    ["weight-only per-tensor sym", { style: "weight-only", granularity: "per-tensor", ...sym }],
    ["weight-only per-tensor asym", { style: "weight-only", granularity: "per-tensor", symmetric: false }],
    ["dynamic per-channel sym", { style: "dynamic", granularity: "per-channel", ...sym }],
    ["dynamic per-tensor sym", { style: "dynamic", granularity: "per-tensor", ...sym }],
  ];
  const models = new Map<string, Uint8Array>([["fp32", fp32]]);
  for (const [label, options] of quantized) models.set(label, quantizeModel(fp32, options).bytes);
  const woPerChannel = models.get("weight-only per-channel sym") as Uint8Array;
  const sameAsShipped = Buffer.compare(Buffer.from(woPerChannel), Buffer.from(shipped)) === 0;

  // ---- b. Node vs web, shipped int8 and fp32
  out("## b. Inference in-process (Node): onnxruntime-web (wasm, 1 thread) vs onnxruntime-node (1 thread)");
  out();
  out(
    `fp32 = \`trainCollection({ collection: "2002", training: { arch: "logistic", seed: 1 } })\` (trained in ${fmt(trainMs / 1000, 1)} s; ` +
      `${fp32.byteLength} B). int8 = models/spam/1/model.onnx (${shipped.byteLength} B); quantizing the retrained fp32 ` +
      `weight-only per-channel sym gives ${sameAsShipped ? "byte-identical output" : "a model that differs from the shipped bytes"}.`,
  );
  out(
    `Features precomputed from the 2002 held-out test split. Median of ${rounds} interleaved runs; a run is the median of ` +
      `${calls} session.run calls (batch 1) or ${BATCH32_CALLS} (batch 32), after warm-up. onnxruntime-web uses the Worker's session options. Baseline: onnxruntime-node on the same model.`,
  );
  out();
  const pairs: Array<[string, Uint8Array]> = [
    ["int8 (shipped)", shipped],
    ["fp32", fp32],
  ];
  // onnxruntime-web as the Worker configures it (src/core/session-options.ts).
  const workerOptions = { ...WEB_SESSION_OPTIONS, executionProviders: ["wasm"] };
  const webSessions = await Promise.all(pairs.map(([, b]) => createSession(ortWeb, b, workerOptions)));
  const nodeSessions = await Promise.all(pairs.map(([, b]) => createSession(ortNode, b)));
  const webT = await timeSessions(ortWeb, webSessions, spec.input, one, many, features, rounds, calls);
  const nodeT = await timeSessions(ortNode, nodeSessions, spec.input, one, many, features, rounds, calls);
  for (const s of [...webSessions, ...nodeSessions]) await s.release();
  table(
    ["model", "batch", "web ms", "node ms (baseline)", "web / node", "web ms per instance"],
    pairs.flatMap(([label], i) => [
      [
        label,
        1,
        fmt(webT[i].batch1, 4),
        fmt(nodeT[i].batch1, 4),
        ratio(webT[i].batch1, nodeT[i].batch1),
        fmt(webT[i].batch1, 4),
      ],
      [
        label,
        32,
        fmt(webT[i].batch32, 4),
        fmt(nodeT[i].batch32, 4),
        ratio(webT[i].batch32, nodeT[i].batch32),
        fmt(webT[i].batch32 / 32, 4),
      ],
    ]),
  );
  out();

  // Preprocessing: textFeatures per email, every test email once per run.
  const prepRuns: number[] = [];
  const tokenRuns: number[] = [];
  const perEmail: number[] = [];
  for (let r = 0; r < (QUICK ? 3 : 7); r++) {
    let t = performance.now();
    for (const text of texts) {
      const e = performance.now();
      textFeatures(spec, text);
      if (r === 0) perEmail.push(performance.now() - e);
    }
    prepRuns.push((performance.now() - t) / texts.length);
    t = performance.now();
    for (const text of texts) text.slice(0, spec.maxChars).toLowerCase();
    tokenRuns.push((performance.now() - t) / texts.length);
  }
  const lengths = texts.map((t) => Math.min(t.length, spec.maxChars));
  out(
    `Preprocessing, \`textFeatures\` (tokenize + hash into ${features} buckets + log1p + L2), per email over the ${texts.length} test emails ` +
      `(median ${fmt(median(lengths), 0)} chars after the ${spec.maxChars}-char cap), median of ${prepRuns.length} runs:`,
  );
  out();
  table(
    ["step", "ms per email", "baseline ms", "baseline is", "ratio"],
    [
      [
        "textFeatures (mean per email)",
        fmt(median(prepRuns), 4),
        fmt(webT[0].batch1, 4),
        "int8 web inference, batch 1 (table above)",
        ratio(median(prepRuns), webT[0].batch1),
      ],
      [
        "textFeatures (median email / p95 email)",
        `${fmt(median(perEmail), 4)} / ${fmt(perEmail.sort((a, b) => a - b)[Math.floor(perEmail.length * 0.95)], 4)}`,
        fmt(median(tokenRuns), 4),
        "slice + toLowerCase alone",
        ratio(median(prepRuns), median(tokenRuns)),
      ],
    ],
  );
  out();

  // ---- c. int8 styles vs fp32 under onnxruntime-web
  out("## c. int8 vs fp32 in onnxruntime-web (wasm, 1 thread)");
  out();
  const variants: Variant[] = [...models].map(([label, bytes]) => ({ label, bytes }));
  // The same fp32 bytes in a second session: how far apart two identical sessions time (noise floor).
  variants.splice(1, 0, { label: "fp32, second session (noise check)", bytes: fp32 });
  for (const label of ["weight-only per-channel sym", "weight-only per-tensor sym"]) {
    const bytes = models.get(label) as Uint8Array;
    const times: number[] = [];
    let dequantized = bytes;
    for (let r = 0; r < 5; r++) {
      const t = performance.now();
      dequantized = dequantizeAtLoad(bytes);
      times.push(performance.now() - t);
    }
    variants.push({
      label: `${label}, dequantized at load time`,
      bytes: dequantized,
      loadMs: median(times),
    });
    variants.push({
      label: `${label}, session option disable_quant_qdq=1`,
      bytes,
      options: { extra: { session: { disable_quant_qdq: "1" } } },
    });
  }

  // Accuracy (from web outputs on the whole test split) and bytes.
  const fp32Acc = await accuracyWeb(fp32, spec, matrix, labels);
  const quality = new Map<
    string,
    { accuracy: number; auc: number | null; logLoss: number; maxDiff: number }
  >();
  for (const variant of variants) {
    const { metrics, probs } = await accuracyWeb(variant.bytes, spec, matrix, labels);
    let maxDiff = 0;
    for (let i = 0; i < probs.length; i++) maxDiff = Math.max(maxDiff, Math.abs(probs[i] - fp32Acc.probs[i]));
    quality.set(variant.label, {
      accuracy: metrics.accuracy,
      auc: metrics.auc,
      logLoss: metrics.logLoss,
      maxDiff,
    });
  }

  // Latency per graph optimization level, fp32 as the baseline in every block.
  const levels = ["disabled", "basic", "extended", "all"] as const;
  const latency = new Map<string, Timed>();
  const createMs = new Map<string, number>();
  for (const level of levels) {
    const sessions: Session[] = [];
    for (const variant of variants) {
      const creates: number[] = [];
      let session: Session | null = null;
      for (let r = 0; r < 3; r++) {
        if (session) await session.release();
        const t = performance.now();
        session = await createSession(ortWeb, variant.bytes, {
          graphOptimizationLevel: level,
          ...variant.options,
        });
        creates.push(performance.now() - t);
      }
      createMs.set(`${level}|${variant.label}`, median(creates));
      sessions.push(session as Session);
    }
    const timed = await timeSessions(ortWeb, sessions, spec.input, one, many, features, rounds, calls);
    timed.forEach((t, i) => {
      latency.set(`${level}|${variants[i].label}`, t);
    });
    for (const s of sessions) await s.release();
  }

  out(
    `Accuracy etc. on the 2002 held-out test split (${labels.length} emails, \`loadSplits("2002", {seed: 1}).test\`), computed from onnxruntime-web's outputs. ` +
      `"max |Δp|" is the largest difference of any output probability from fp32's. Bytes: the model file as shipped to R2 ` +
      `(for "dequantized at load time" the wire bytes are the int8 model's; the column in brackets is what the session is built from).`,
  );
  out(
    `Latency: default graphOptimizationLevel ("all"); median of ${rounds} interleaved runs (each the median of ${calls} calls at batch 1, ${BATCH32_CALLS} at batch 32); baseline fp32 in the same round-robin.`,
  );
  out();
  const base = latency.get("all|fp32") as Timed;
  table(
    [
      "variant",
      "bytes (gzip)",
      "accuracy",
      "ROC-AUC",
      "log loss",
      "max |Δp|",
      "session create ms",
      "batch 1 ms",
      "vs fp32",
      "batch 32 ms",
      "vs fp32",
    ],
    variants.map((v) => {
      const q = quality.get(v.label) as {
        accuracy: number;
        auc: number | null;
        logLoss: number;
        maxDiff: number;
      };
      const t = latency.get(`all|${v.label}`) as Timed;
      const wire = v.loadMs === undefined ? v.bytes : (models.get(v.label.split(",")[0]) as Uint8Array);
      const size = `${wire.byteLength} (${gzipSync(wire, { level: 9 }).byteLength})${v.loadMs === undefined ? "" : ` [${v.bytes.byteLength}]`}`;
      const create = createMs.get(`all|${v.label}`) ?? 0;
      return [
        v.label,
        size,
        pct(q.accuracy),
        q.auc === null ? "n/a" : q.auc.toFixed(4),
        q.logLoss.toFixed(4),
        q.maxDiff.toExponential(1),
        v.loadMs === undefined ? fmt(create, 2) : `${fmt(create, 2)} + ${fmt(v.loadMs, 2)} dequant`,
        fmt(t.batch1, 4),
        ratio(t.batch1, base.batch1),
        fmt(t.batch32, 4),
        ratio(t.batch32, base.batch32),
      ];
    }),
  );
  out();
  for (const [batch, key] of [
    ["Batch 1", "batch1"],
    ["Batch 32", "batch32"],
  ] as const) {
    out(`${batch} latency (ms) by graphOptimizationLevel (ratio to fp32 at the same level in brackets):`);
    out();
    table(
      ["variant", ...levels],
      variants.map((v) => [
        v.label,
        ...levels.map((level) => {
          const t = latency.get(`${level}|${v.label}`) as Timed;
          const b = latency.get(`${level}|fp32`) as Timed;
          return `${fmt(t[key], 4)} (${ratio(t[key], b[key])})`;
        }),
      ]),
    );
    out();
  }

  // Verdict. The reference is fp32 at the default level ("all"), which is what the Worker would run
  // if it shipped fp32. Within 5% counts as "as fast" (run-to-run noise of these timings).
  const tolerance = 1.05;
  const isInt8 = (v: Variant) => !v.label.startsWith("fp32") && v.loadMs === undefined && !v.options;
  const verdicts: string[] = [];
  const fast: string[] = [];
  for (const batch of ["batch1", "batch32"] as const) {
    const name = batch === "batch1" ? "batch 1" : "batch 32";
    const reference = base[batch];
    const candidates = variants
      .filter(isInt8)
      .flatMap((v) =>
        levels.map((level) => ({ v, level, t: (latency.get(`${level}|${v.label}`) as Timed)[batch] })),
      );
    const atDefault = candidates.filter((c) => c.level === "all");
    const bestDefault = atDefault.reduce((a, b) => (b.t < a.t ? b : a));
    const best = candidates.reduce((a, b) => (b.t < a.t ? b : a));
    const worstDefault = atDefault.reduce((a, b) => (b.t > a.t ? b : a));
    verdicts.push(
      `- ${name}, default level: the fastest int8 graph is **${bestDefault.v.label}** at ${fmt(bestDefault.t, 4)} ms vs fp32 ${fmt(reference, 4)} ms ` +
        `(${ratio(bestDefault.t, reference)}; ${bestDefault.t <= reference * tolerance ? "as fast as fp32 within 5%" : `**slower than fp32 by ${fmt((bestDefault.t / reference - 1) * 100, 0)}%**`}); ` +
        `the slowest is ${worstDefault.v.label} at ${ratio(worstDefault.t, reference)}.`,
    );
    verdicts.push(
      `- ${name}, any level: the fastest int8 graph is **${best.v.label} with graphOptimizationLevel "${best.level}"** at ${fmt(best.t, 4)} ms ` +
        `(${ratio(best.t, reference)} of fp32 at the default level; ${best.t <= reference * tolerance ? "as fast as fp32 within 5%" : "slower than fp32"}).`,
    );
    for (const c of candidates.filter((x) => x.t <= reference * tolerance))
      fast.push(`${c.v.label} @ "${c.level}" (${name})`);
  }
  verdicts.push(
    fast.length
      ? `- int8 graphs (no session tricks) within 5% of default fp32: ${fast.join("; ")}.`
      : "- No int8 graph (without session tricks) comes within 5% of default fp32 at any level.",
  );
  for (const v of variants.filter((x) => x.loadMs !== undefined || x.options)) {
    const t = latency.get(`all|${v.label}`) as Timed;
    verdicts.push(
      `- ${v.label}: batch 1 ${ratio(t.batch1, base.batch1)} of fp32, batch 32 ${ratio(t.batch32, base.batch32)}` +
        (v.loadMs !== undefined
          ? `; the dequantization costs ${fmt(v.loadMs, 2)} ms once per load (onnx-proto decode + re-encode in Node).`
          : "."),
    );
  }
  out(
    "What the variants are: *weight-only* keeps int8 weights + a DequantizeLinear (QDQ) in front of the MatMul; *dynamic* " +
      "quantizes the activation at run time (DynamicQuantizeLinear + MatMulInteger). *dequantized at load time*: the int8 " +
      "file is what is stored and shipped, and the Worker would turn the DequantizeLinear of initializers into fp32 " +
      "initializers before creating the session (done here with dequantizeAtLoad in this file). *disable_quant_qdq=1*: the " +
      'same int8 file, with the session option `extra.session.disable_quant_qdq = "1"`, which turns off ORT\'s QDQ ' +
      "handling so its constant folding (level basic and up) folds the DequantizeLinear of constant weights at session " +
      "creation, i.e. ORT does the load-time dequantization itself, in memory; the bytes stored and shipped stay int8. " +
      "(Compare the `disabled` column, where nothing is folded.)",
  );
  out();
  out("Verdict (computed by the script from the tables above; reference: fp32 at the default level):");
  out();
  for (const v of verdicts) out(v);
  out();
}

// ---------------------------------------------------------------------------------------------
// d. Bundle

async function walk(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true });
  const files = await Promise.all(
    entries.map((e) => (e.isDirectory() ? walk(join(dir, e.name)) : Promise.resolve([join(dir, e.name)]))),
  );
  return files.flat();
}

async function bundleSection(): Promise<void> {
  out("## d. Worker bundle (`npx wrangler deploy --dry-run --outdir /tmp/vane-bundle`)");
  out();
  const outdir = "/tmp/vane-bundle";
  await rm(outdir, { recursive: true, force: true });
  const t = performance.now();
  try {
    await run("npx", ["wrangler", "deploy", "--dry-run", "--outdir", outdir], {
      maxBuffer: 1 << 24,
      env: { ...process.env, WRANGLER_SEND_METRICS: "false", NO_COLOR: "1" },
    });
  } catch (error) {
    out(`wrangler failed: ${(error as Error).message.split("\n").slice(0, 5).join(" / ")}`);
    out();
    return;
  }
  const buildS = (performance.now() - t) / 1000;
  const files = (await walk(outdir)).filter((f) => !f.endsWith(".map") && !f.endsWith("README.md"));
  let rawTotal = 0;
  let gzTotal = 0;
  const rows: Array<Array<string | number>> = [];
  for (const file of files.sort()) {
    const bytes = await readFile(file);
    const gz = gzipSync(bytes, { level: 9 }).byteLength;
    rawTotal += (await stat(file)).size;
    gzTotal += gz;
    rows.push([
      file.slice(outdir.length + 1),
      `${bytes.byteLength} (${mib(bytes.byteLength)})`,
      `${gz} (${mib(gz)})`,
    ]);
  }
  rows.push(["**total**", `${rawTotal} (${mib(rawTotal)})`, `${gzTotal} (${mib(gzTotal)})`]);
  table(["file", "raw bytes", "gzip -9 bytes"], rows);
  out();
  const MiB = 1024 * 1024;
  out(
    `Built in ${fmt(buildS, 1)} s (one run; sizes are deterministic). Against the compressed-size limits: free plan 3 MiB → ` +
      `${pct(gzTotal / (3 * MiB))} used${gzTotal > 3 * MiB ? " (**over**)" : ""}; paid plan 10 MiB → ${pct(gzTotal / (10 * MiB))} used; ` +
      `the 64 MiB figure in newer docs → ${pct(gzTotal / (64 * MiB))}. The wasm dominates; wrangler uploads it as a separate ` +
      "CompiledWasm module but it counts toward the same script size limit.",
  );
  out();
}

// ---------------------------------------------------------------------------------------------
// e. Cold start

async function coldStartSection(): Promise<void> {
  const runs = QUICK ? 3 : 7;
  out("## e. Cold start in-process (Node, onnxruntime-web, fresh child process per run)");
  out();
  const results: Array<Record<string, number>> = [];
  const fp32Results: Array<Record<string, number>> = [];
  const baseline: number[] = [];
  for (let r = 0; r < runs; r++) {
    for (const [path, sink] of [
      ["models/spam/1/model.onnx", results],
      [FP32_PATH, fp32Results],
    ] as const) {
      const { stdout } = await run(
        process.execPath,
        ["--import", "tsx", "bench/cold-start.ts", path, "4096"],
        {
          maxBuffer: 1 << 20,
        },
      );
      sink.push(JSON.parse(stdout.trim().split("\n").at(-1) ?? "{}"));
    }
    // Baseline: a fresh Node process with tsx that does nothing (process + loader start-up).
    const t = performance.now();
    await run(process.execPath, ["--import", "tsx", "-e", "0"]);
    baseline.push(performance.now() - t);
  }
  const parts: Array<[string, string]> = [
    ["importMs", "import onnxruntime-web/wasm (JS glue)"],
    ["readWasmMs", "read the .wasm file (not needed in Workers)"],
    ["compileMs", "WebAssembly.compile (done at deploy time in Workers)"],
    ["initMs", "instantiate wasm + ORT runtime init (first session create, 1-node model)"],
    ["sessionMs", "create the spam session"],
    ["firstRunMs", "first run, batch 1"],
    ["secondRunMs", "second run, batch 1 (warm, for reference)"],
  ];
  const total = (r: Record<string, number>) =>
    r.importMs + r.compileMs + r.initMs + r.sessionMs + r.firstRunMs;
  out(
    `Median of ${runs} child processes per model, each \`node --import tsx bench/cold-start.ts <model>\`, which loads ORT ` +
      "the way src/serving/ort-runtime.ts does in the Worker (precompiled module handed over through a marker buffer).",
  );
  out();
  table(
    ["part", "int8 (shipped) ms", "fp32 ms"],
    [
      ...parts.map(([key, label]) => [
        label,
        fmt(median(results.map((r) => r[key])), 2),
        fmt(median(fp32Results.map((r) => r[key])), 2),
      ]),
      [
        "**total to first answer** (import + compile + init + session + first run)",
        fmt(median(results.map(total)), 1),
        fmt(median(fp32Results.map(total)), 1),
      ],
      [
        "**Workers-relevant part** (init + session + first run)",
        fmt(median(results.map((r) => r.initMs + r.sessionMs + r.firstRunMs)), 1),
        fmt(median(fp32Results.map((r) => r.initMs + r.sessionMs + r.firstRunMs)), 1),
      ],
      ["baseline: empty `node --import tsx` process, wall clock", fmt(median(baseline), 1), ""],
    ],
  );
  out();
}

// ---------------------------------------------------------------------------------------------

const cpu = os.cpus();
const header = [
  "# vane benchmark results",
  "",
  `Command: \`npx tsx bench/run.ts${QUICK ? " --quick" : ""}\``,
  `Machine: ${cpu[0]?.model ?? "unknown CPU"}, ${cpu.length} cores, ${(os.totalmem() / 1024 ** 3).toFixed(1)} GiB RAM, ${os.platform()}/${os.arch()}`,
  `Node ${process.version}, onnxruntime-web ${ortWeb.env.versions.web ?? "?"}, onnxruntime-node ${ortNode.env.versions.node ?? "?"}`,
  `Date: ${new Date().toISOString()}`,
  `Load average (1/5/15 min) at start: ${os
    .loadavg()
    .map((x) => x.toFixed(2))
    .join(" / ")} (other jobs share this machine; see the end for the load at finish)`,
  "",
];
await sketchSection();
await inferenceSections();
await bundleSection();
await coldStartSection();
out(
  `Total bench time: ${fmt((performance.now() - started) / 1000, 1)} s. Load average at finish: ${os
    .loadavg()
    .map((x) => x.toFixed(2))
    .join(" / ")}.`,
);
// Other scripts (bench/load.ts) keep their own sections in RESULTS.md between
// `<!-- name:start -->` and `<!-- name:end -->` markers: carry those over, replace the rest.
const resultsUrl = new URL("./RESULTS.md", import.meta.url);
const previous = await readFile(resultsUrl, "utf8").catch(() => "");
const kept = [...previous.matchAll(/<!-- ([\w-]+):start -->[\s\S]*?<!-- \1:end -->/g)]
  .filter((match) => match[1] !== "run")
  .map((match) => match[0]);
await writeFile(
  resultsUrl,
  `${header.join("\n")}\n<!-- run:start -->\n${lines.join("\n")}\n<!-- run:end -->\n${kept.map((block) => `\n${block}\n`).join("")}`,
);
console.log("wrote bench/RESULTS.md");
