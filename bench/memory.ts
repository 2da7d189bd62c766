/**
 * Memory per loaded model version under onnxruntime-web (numThreads 1, the Worker's session options),
 * each measurement in a fresh child process so none inherits another's heap: the runtime's fixed
 * cost (import + wasm instance + one session of a one-MatMul model), then the extra memory of N
 * distinct sessions (N = 1, 4, 16) of the shipped int8 spam model, its fp32 original, an MLP in fp32
 * and int8 and a wider int8 MLP, against the session cache's estimate (estimateSessionBytes) and
 * budget. Per-version slopes come from children with V8's wasm dynamic tiering off, so that code V8
 * compiles as ORT runs more does not pass for per-version data; default-mode children give the fixed
 * cost and the default-tiering growth for comparison.
 * Node figures (V8 + the same wasm), not workerd's own accounting.
 * Writes its section of bench/RESULTS.md. Run: npx tsx bench/memory.ts
 */
import { spawn } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { estimateSessionBytes } from "../src/core/session-estimate.js";
import { trackWasmMemories } from "../src/toolchain/wasm-heap.js";
import { median } from "./median.js";
import { writeSection } from "./results-section.js";

const COUNTS = [1, 4, 16];
const RUNS = 3;
const MIB = 1024 * 1024;
const ISOLATE_LIMIT = 128 * MIB;
const INPUTS = 4096;

interface Memory {
  rss: number;
  heapUsed: number;
  external: number;
  arrayBuffers: number;
  /** Bytes of every WebAssembly.Memory the runtime created (its wasm heap). */
  wasm: number;
}

interface ChildResult {
  /** After importing onnxruntime-web, before any session (the wasm module is not instantiated yet). */
  imported: Memory;
  /** After one session of the trivial model: the runtime's fixed cost. */
  base: Memory;
  /** After COUNTS[i] sessions of the measured model in all (on top of the trivial one), each run once. */
  loaded: Memory[];
}

const METRICS = ["rss", "heapUsed", "external", "arrayBuffers", "wasm"] as const;

// ---------------------------------------------------------------------------------------------
// Child: one measurement in a clean process.
// ---------------------------------------------------------------------------------------------

async function child(trivialPath: string, modelPath: string, counts: number[]): Promise<void> {
  const memories = trackWasmMemories();

  const gc = (globalThis as { gc?: () => void }).gc;
  const measure = async (): Promise<Memory> => {
    for (let i = 0; i < 3; i++) {
      gc?.();
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    const usage = process.memoryUsage();
    return {
      rss: usage.rss,
      heapUsed: usage.heapUsed,
      external: usage.external,
      arrayBuffers: usage.arrayBuffers,
      wasm: memories.reduce((sum, memory) => sum + memory.buffer.byteLength, 0),
    };
  };

  const ort = await import("onnxruntime-web");
  const { WEB_SESSION_OPTIONS } = await import("../src/core/session-options.js");
  ort.env.wasm.numThreads = 1;
  const options = { ...WEB_SESSION_OPTIONS, executionProviders: [...WEB_SESSION_OPTIONS.executionProviders] };
  const imported = await measure();

  /** As the session cache does: the bytes are read, handed to ORT and dropped; the session is run. */
  const load = async (path: string, inputs: number) => {
    const session = await ort.InferenceSession.create(new Uint8Array(await readFile(path)), options);
    const input = new Float32Array(inputs).fill(1 / Math.sqrt(inputs));
    await session.run({ [session.inputNames[0]]: new ort.Tensor("float32", input, [1, inputs]) });
    return session;
  };
  const sessions = [await load(trivialPath, 4)];
  const base = await measure();
  const loaded: Memory[] = [];
  for (const count of counts) {
    while (sessions.length < count + 1) sessions.push(await load(modelPath, INPUTS));
    loaded.push(await measure());
  }
  process.stdout.write(`${JSON.stringify({ imported, base, loaded } satisfies ChildResult)}\n`);
}

// ---------------------------------------------------------------------------------------------
// Parent: builds the models, spawns the children, writes the section.
// ---------------------------------------------------------------------------------------------

/**
 * One fresh child. "eager" turns V8's dynamic tiering off, so all of ORT's wasm is compiled
 * optimized up front and the code is in the baseline: what sessions add is then their data alone.
 * "default" is Node as it runs by default, where code compiled as ORT runs more paths shows up too.
 */
function runChild(trivialPath: string, modelPath: string, mode: "eager" | "default"): Promise<ChildResult> {
  const flags = mode === "eager" ? ["--no-wasm-dynamic-tiering"] : [];
  return new Promise((resolve, reject) => {
    const proc = spawn(
      process.execPath,
      [
        "--expose-gc",
        ...flags,
        "--import",
        "tsx",
        join(import.meta.dirname, "memory.ts"),
        "--child",
        trivialPath,
        modelPath,
        COUNTS.join(","),
      ],
      { stdio: ["ignore", "pipe", "inherit"] },
    );
    let out = "";
    proc.stdout.on("data", (chunk) => {
      out += chunk;
    });
    proc.on("error", reject);
    proc.on("close", (code) => {
      if (code !== 0) return reject(new Error(`child exited with ${code}`));
      const line = out.trim().split("\n").pop() ?? "";
      resolve(JSON.parse(line) as ChildResult);
    });
  });
}

/** Runs `jobs` with at most `limit` at a time (children measure their own process only). */
async function pool<T>(jobs: Array<() => Promise<T>>, limit: number): Promise<T[]> {
  const results: T[] = new Array(jobs.length);
  let next = 0;
  const worker = async () => {
    while (next < jobs.length) {
      const i = next++;
      results[i] = await jobs[i]();
    }
  };
  await Promise.all(Array.from({ length: limit }, worker));
  return results;
}

/** A one-MatMul model, [batch, 4] x [4, 2]: the smallest session onnxruntime-web will build. */
async function trivialModel(): Promise<Uint8Array> {
  const { DataType, encodeModel, float32Tensor, makeModel, makeNode, valueInfo } = await import(
    "../src/toolchain/onnx/model.js"
  );
  return encodeModel(
    makeModel({
      name: "trivial",
      node: [makeNode("MatMul", ["x", "w"], ["y"])],
      initializer: [float32Tensor("w", [4, 2], [1, 0, 0, 1, 1, 0, 0, 1])],
      input: [valueInfo("x", DataType.FLOAT, ["batch", 4])],
      output: [valueInfo("y", DataType.FLOAT, ["batch", 2])],
    }),
  );
}

/** Least-squares slope of y over x. */
function slope(x: number[], y: number[]): number {
  const mx = x.reduce((a, b) => a + b, 0) / x.length;
  const my = y.reduce((a, b) => a + b, 0) / y.length;
  let num = 0;
  let den = 0;
  for (let i = 0; i < x.length; i++) {
    num += (x[i] - mx) * (y[i] - my);
    den += (x[i] - mx) ** 2;
  }
  return num / den;
}

type Metric = (typeof METRICS)[number];

/** Median over runs of the least-squares slope of (loaded - base) over COUNTS. */
function perSession(runs: ChildResult[], metric: Metric): number {
  return median(
    runs.map((run) =>
      slope(
        COUNTS,
        run.loaded.map((memory) => memory[metric] - run.base[metric]),
      ),
    ),
  );
}

async function parent(): Promise<void> {
  const started = performance.now();
  const { trainCollection } = await import("../src/toolchain/train/pipeline.js");
  const { quantizeModel } = await import("../src/toolchain/quantize.js");
  const dir = await mkdtemp(join(tmpdir(), "vane-memory-"));
  try {
    // Memory depends on the shapes, not on how well the weights are trained: a few epochs suffice.
    const logistic = await trainCollection({
      collection: "2002",
      training: { arch: "logistic", seed: 1, epochs: 3 },
    });
    const mlp = await trainCollection({
      collection: "2002",
      training: { arch: "mlp", hidden: 64, seed: 1, epochs: 2 },
    });
    const int8 = (bytes: Uint8Array) =>
      quantizeModel(bytes, { style: "weight-only", granularity: "per-channel", symmetric: true }).bytes;
    const mlpInt8 = int8(mlp.onnx);
    // A wider int8 model, where the weights rather than the session's own overhead dominate.
    const wide = await trainCollection({
      collection: "2002",
      limit: 300,
      training: { arch: "mlp", hidden: 256, seed: 1, epochs: 1 },
    });
    const wideInt8 = int8(wide.onnx);
    const trivialPath = join(dir, "trivial.onnx");
    await writeFile(trivialPath, await trivialModel());
    const specs = [
      { label: "spam int8 (shipped, models/spam/1)", path: "models/spam/1/model.onnx" },
      { label: "spam fp32 (logistic, 4096x2)", path: join(dir, "logistic.onnx"), bytes: logistic.onnx },
      { label: "MLP fp32 (4096x64x2)", path: join(dir, "mlp.onnx"), bytes: mlp.onnx },
      {
        label: "MLP int8 (weight-only, per-channel, symmetric)",
        path: join(dir, "mlp-int8.onnx"),
        bytes: mlpInt8,
      },
      {
        label: "wide MLP int8 (4096x256x2, same scheme)",
        path: join(dir, "wide-int8.onnx"),
        bytes: wideInt8,
      },
    ];
    for (const spec of specs) if (spec.bytes) await writeFile(spec.path, spec.bytes);
    const trainedAt = performance.now();

    const jobs = specs.flatMap((spec) =>
      (["eager", "default"] as const).flatMap((mode) =>
        Array.from({ length: RUNS }, () => async () => ({
          path: spec.path,
          mode,
          result: await runChild(trivialPath, spec.path, mode),
        })),
      ),
    );
    const done = await pool(jobs, 2);
    const of = (path: string, mode: "eager" | "default") =>
      done.filter((job) => job.path === path && job.mode === mode).map((job) => job.result);

    const defaults = done.filter((job) => job.mode === "default").map((job) => job.result);
    const eagers = done.filter((job) => job.mode === "eager").map((job) => job.result);
    const fixedOf = (results: ChildResult[], metric: Metric) => median(results.map((r) => r.base[metric]));
    const fixed = Object.fromEntries(METRICS.map((metric) => [metric, fixedOf(defaults, metric)])) as Record<
      Metric,
      number
    >;
    const importRss = median(defaults.map((r) => r.imported.rss));
    const eagerRss = fixedOf(eagers, "rss");
    /** What the isolate itself holds at the baseline: wasm heap + V8 heap + external. */
    const fixedIsolate = fixed.wasm + fixed.heapUsed + fixed.external;

    const models = await Promise.all(
      specs.map(async (spec) => {
        const size = (await readFile(spec.path)).byteLength;
        const eager = of(spec.path, "eager");
        const standard = of(spec.path, "default");
        const slopes = Object.fromEntries(
          METRICS.map((metric) => [metric, perSession(eager, metric)]),
        ) as Record<Metric, number>;
        const measured = Math.max(slopes.rss, slopes.wasm + slopes.heapUsed + slopes.external);
        return {
          label: spec.label,
          size,
          slopes,
          measured,
          estimate: estimateSessionBytes(size),
          firstRss: median(eager.map((run) => run.loaded[0].rss - run.base.rss)),
          defaultSlope: perSession(standard, "rss"),
          defaultFirst: median(standard.map((run) => run.loaded[0].rss - run.base.rss)),
        };
      }),
    );

    const budget = 64 * MIB;
    const estimateFactor = (estimateSessionBytes(MIB) - estimateSessionBytes(0)) / MIB;
    const seconds = ((performance.now() - started) / 1000).toFixed(0);
    const version = (await import("onnxruntime-web")).env.versions.web ?? "";
    await writeSection(
      "memory",
      [
        "## Memory per loaded model version (Node, onnxruntime-web)",
        "",
        `Command: \`npx tsx bench/memory.ts\`; ${new Date().toISOString()}, ${seconds} s (${((trainedAt - started) / 1000).toFixed(0)} s of it training the fp32 and MLP models for a few epochs, the wide one on a 300-email subset: memory depends on shapes, not on weights). onnxruntime-web ${version}, numThreads 1, the Worker's session options (WEB_SESSION_OPTIONS). Every run is a fresh child process (\`node --expose-gc --import tsx bench/memory.ts --child ...\`) that builds one session of a one-MatMul model (the baseline), then distinct sessions of the measured model's bytes up to N = ${COUNTS.join(", ")}, reading \`process.memoryUsage()\` after \`gc()\` at each N; wasm heap = byteLength of the runtime's WebAssembly.Memory. Each session is built from freshly read bytes (dropped afterwards, as the session cache does) and run once at batch 1, so its arenas are in use. Per-session figures are the least-squares slope over N, median of ${RUNS} child runs per model and mode.`,
        "",
        "**These are Node figures (V8 + the same wasm binary), not workerd's own accounting.** The 128 MB limit is per isolate, and how workerd counts it is not measured here; Node's process rss also holds Node itself, tsx and the wasm module's compiled code. The isolate-side figures (wasm heap, V8 heap) are the closer guide; none of this is what Cloudflare will report.",
        "",
        "### Fixed cost of the runtime",
        "",
        `| after importing onnxruntime-web and building one session of a one-MatMul model (median of ${defaults.length} default-mode children) | MB |`,
        "|---|---:|",
        `| wasm heap (WebAssembly.Memory byteLength) | ${mb(fixed.wasm)} |`,
        `| V8 heapUsed | ${mb(fixed.heapUsed)} |`,
        `| external (arrayBuffers) | ${mb(fixed.external)} (${mb(fixed.arrayBuffers)}) |`,
        `| **isolate-side total: wasm heap + heapUsed + external** | **${mb(fixedIsolate)}** |`,
        `| process rss (Node + tsx + ORT + compiled wasm code) | ${mb(fixed.rss)} |`,
        `| process rss right after the import, before the wasm instance | ${mb(importRss)} |`,
        `| process rss with V8's dynamic tiering off (all wasm compiled optimized up front) | ${mb(eagerRss)} |`,
        "",
        `Instantiating the wasm module and building the first session adds ${mb(fixed.rss - importRss)} MB of rss, most of it compiled code (compiling all of it optimized takes rss to ${mb(eagerRss)} MB); the wasm heap itself starts at ${mb(fixed.wasm)} MB and grows in steps as sessions need more.`,
        "",
        "### Extra memory per loaded version",
        "",
        "Per-version data, measured with dynamic tiering off (`--no-wasm-dynamic-tiering`, code all compiled before the baseline, so what grows is data):",
        "",
        "| model | file | Δrss at N=1 | rss slope | wasm heap slope | heapUsed slope | external slope | **measured per version** | estimateSessionBytes | estimate / measured | estimate conservative? |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|",
        ...models.map(
          (m) =>
            `| ${m.label} | ${(m.size / 1024).toFixed(1)} KB | ${mb(m.firstRss)} | ${mb(m.slopes.rss)} | ${mb(m.slopes.wasm)} | ${mb(m.slopes.heapUsed)} | ${mb(m.slopes.external)} | **${mb(m.measured)}** | ${mb(m.estimate)} | ${(m.estimate / m.measured).toFixed(2)}x | ${m.estimate >= m.measured ? "yes" : "**no**"} |`,
        ),
        "",
        `Measured per version relative to the file: ${models.map((m) => `${m.label.split(" (")[0]} ${(m.measured / m.size).toFixed(1)}x`).join(", ")}. Weight-only int8 weights are folded back to fp32 at load (WEB_SESSION_OPTIONS), so an int8 version holds about what its fp32 original does, several times its file; estimateSessionBytes (the session cache's fallback when a manifest carries no measured figure) allows ${estimateFactor}x the file + 1 MiB.`,
        "",
        "MB = MiB. *Measured per version* = the larger of the rss slope (pages the sessions touch, wasm heap included) and the wasm heap + heapUsed + external slopes (the wasm heap grows in steps, ahead of use, so its own slope is coarse at these N and zero for the small models, which fit in the initial heap).",
        "",
        "With Node's default tiering, rss grows faster, because V8 keeps compiling optimized code for ORT's wasm functions as more sessions run them; that is code, shared by all versions and bounded by the module, not per-version data:",
        "",
        "| model | Δrss at N=1, default tiering | rss slope, default tiering |",
        "|---|---:|---:|",
        ...models.map((m) => `| ${m.label} | ${mb(m.defaultFirst)} | ${mb(m.defaultSlope)} |`),
        "",
        "### How many versions fit",
        "",
        `| model | versions the cache admits in its default 64 MiB budget (by its estimate) | measured memory of those versions, MB | versions whose measured memory fits in 64 MiB | versions under 128 MB after the isolate-side fixed cost (${mb(fixedIsolate)} MB) |`,
        "|---|---:|---:|---:|---:|",
        ...models.map(
          (m) =>
            `| ${m.label} | ${Math.floor(budget / m.estimate)} | ${mb(Math.floor(budget / m.estimate) * m.measured)} | ${Math.floor(budget / m.measured)} | ${Math.floor((ISOLATE_LIMIT - fixedIsolate) / m.measured)} |`,
        ),
        "",
        `The last column leaves no room for request handling or the rest of the Worker, and a Node process rss of ${mb(fixed.rss)} MB before any version shows why Node's rss is not the isolate's figure.`,
      ].join("\n"),
    );
    for (const m of models) console.log(JSON.stringify(m));
    console.log("fixed", JSON.stringify(fixed), { importRss, eagerRss, fixedIsolate });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

function mb(bytes: number): string {
  return (bytes / MIB).toFixed(2);
}

const at = process.argv.indexOf("--child");
if (at >= 0) {
  const [trivialPath, modelPath, counts] = process.argv.slice(at + 1);
  await child(trivialPath, modelPath, counts.split(",").map(Number));
} else {
  await parent();
}
