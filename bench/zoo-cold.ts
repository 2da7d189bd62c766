/**
 * One cold start of a zoo fixture in a fresh process (bench/zoo.ts spawns this and takes medians):
 * import the runtime, create the session, answer the sample once; for onnxruntime-web also the wasm
 * runtime's one-time init apart, and the session's memory (readIsolateMemory, as `vane import`'s probe
 * reads it). onnxruntime-web is loaded as
 * src/serving/ort-runtime.ts loads it in the Worker: the module is compiled up front (wrangler does
 * that at deploy time) and handed to ORT through a marker buffer and a wrapped instantiate.
 * Imports nothing heavy before its clocks start. Prints one JSON line.
 * Run: node --expose-gc --import tsx bench/zoo-cold.ts <web|node> <fixture> <model.onnx>
 */
import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { WEB_SESSION_OPTIONS } from "../src/core/session-options.js";
import { type IsolateMemory, readIsolateMemory, trackWasmMemories } from "../src/toolchain/wasm-heap.js";
import { sampleInputs, toOrtFeeds, ZOO_FIXTURES, type ZooFixture } from "../test/node/zoo-fixtures.js";

export interface WebCold {
  importMs: number;
  compileMs: number;
  initMs: number;
  sessionMs: number;
  firstRunMs: number;
  /** The isolate's memory after the runtime's init (its one-node model run once), after session creation, after the first run. */
  memory: [IsolateMemory, IsolateMemory, IsolateMemory];
}

export interface NodeCold {
  importMs: number;
  sessionMs: number;
  firstRunMs: number;
}

async function webCold(fixture: ZooFixture, model: string): Promise<WebCold> {
  const memories = trackWasmMemories();
  const t0 = performance.now();
  const ort = await import("onnxruntime-web/wasm");
  const tImport = performance.now();
  const wasmBytes = await readFile(
    createRequire(import.meta.url).resolve("onnxruntime-web/ort-wasm-simd-threaded.wasm"),
  );
  const tRead = performance.now();
  const compiled = await WebAssembly.compile(wasmBytes);
  const tCompile = performance.now();
  const MARKER = new ArrayBuffer(8);
  const instantiate = WebAssembly.instantiate.bind(WebAssembly) as (
    source: BufferSource | WebAssembly.Module,
    imports?: WebAssembly.Imports,
  ) => Promise<unknown>;
  (WebAssembly as { instantiate: unknown }).instantiate = async (
    source: BufferSource | WebAssembly.Module,
    imports?: WebAssembly.Imports,
  ) => {
    const isMarker = source === MARKER || (ArrayBuffer.isView(source) && source.buffer === MARKER);
    if (!isMarker) return instantiate(source, imports);
    // Through the tracker, which records the instance's exported heap.
    const instance = await WebAssembly.instantiate(compiled, imports);
    return { instance, module: compiled };
  };
  ort.env.wasm.numThreads = 1;
  ort.env.wasm.proxy = false;
  ort.env.wasm.wasmBinary = MARKER;
  ort.env.logLevel = "error";
  const { trivialModel } = await import("../src/toolchain/session-memory.js");
  // ORT initialises its wasm runtime on the first session create; a one-node model isolates that.
  const options = { ...WEB_SESSION_OPTIONS, executionProviders: [...WEB_SESSION_OPTIONS.executionProviders] };
  const tBeforeInit = performance.now();
  const trivial = await ort.InferenceSession.create(trivialModel(), options);
  const tInit = performance.now();
  // Run once, as the import's probe does before its baseline: the JS glue of a run is the runtime's.
  await trivial.run({ x: new ort.Tensor("float32", new Float32Array(4), [1, 4]) });

  let bytes: Uint8Array | undefined = new Uint8Array(await readFile(model));
  const feeds = toOrtFeeds(ort, sampleInputs(fixture));
  const init = await readIsolateMemory(memories);
  const tStart = performance.now();
  const session = await ort.InferenceSession.create(bytes, options);
  const tSession = performance.now();
  bytes = undefined;
  const created = await readIsolateMemory(memories);
  const tRun = performance.now();
  await session.run(feeds);
  const tFirst = performance.now();
  const ran = await readIsolateMemory(memories);
  return {
    importMs: tImport - t0,
    compileMs: tCompile - tRead,
    initMs: tInit - tBeforeInit,
    sessionMs: tSession - tStart,
    firstRunMs: tFirst - tRun,
    memory: [init, created, ran],
  };
}

async function nodeCold(fixture: ZooFixture, model: string): Promise<NodeCold> {
  const t0 = performance.now();
  const ort = await import("onnxruntime-node");
  const tImport = performance.now();
  const bytes = new Uint8Array(await readFile(model));
  const feeds = toOrtFeeds(ort as unknown as Parameters<typeof toOrtFeeds>[0], sampleInputs(fixture));
  const tStart = performance.now();
  const session = await ort.InferenceSession.create(bytes, { intraOpNumThreads: 1, interOpNumThreads: 1 });
  const tSession = performance.now();
  await session.run(feeds as unknown as Parameters<typeof session.run>[0]);
  const tFirst = performance.now();
  return { importMs: tImport - t0, sessionMs: tSession - tStart, firstRunMs: tFirst - tSession };
}

const [runtime, fixture, model] = process.argv.slice(2);
if (!(ZOO_FIXTURES as readonly string[]).includes(fixture)) throw new Error(`no zoo fixture ${fixture}`);
const result =
  runtime === "web"
    ? await webCold(fixture as ZooFixture, model)
    : await nodeCold(fixture as ZooFixture, model);
process.stdout.write(`${JSON.stringify(result)}\n`);
