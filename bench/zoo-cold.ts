/**
 * One cold start of a zoo fixture in a fresh process (bench/zoo.ts spawns this and takes medians):
 * import the runtime, create the session, answer the sample once; for onnxruntime-web also the wasm
 * runtime's one-time init apart, and the session's memory. onnxruntime-web is loaded as
 * src/serving/ort-runtime.ts loads it in the Worker: the module is compiled up front (wrangler does
 * that at deploy time) and handed to ORT through a marker buffer and a wrapped instantiate.
 * Imports nothing heavy before its clocks start. Prints one JSON line.
 * Run: node --expose-gc --import tsx bench/zoo-cold.ts <web|node> <fixture> <model.onnx>
 */
import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { WEB_SESSION_OPTIONS } from "../src/core/session-options.js";
import { heapTop, trackWasmMemories } from "../src/toolchain/wasm-heap.js";
import { sampleInputs, toOrtFeeds, ZOO_FIXTURES, type ZooFixture } from "../test/node/zoo-fixtures.js";

export interface WebCold {
  importMs: number;
  compileMs: number;
  initMs: number;
  sessionMs: number;
  firstRunMs: number;
  /** wasm heap bytes (byteLength) after the runtime's init, after session creation, after the first run. */
  wasm: [number, number, number];
  /** Offset past the highest non-zero byte of the wasm heap at the same three points (see heapTop). */
  top: [number, number, number];
  /** V8 heapUsed + external less ArrayBuffers, after gc(): after the init and after the first run. */
  js: [number, number];
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
  const { DataType, encodeModel, makeModel, makeNode, valueInfo } = await import(
    "../src/toolchain/onnx/model.js"
  );
  // ORT initialises its wasm runtime on the first session create; a one-node model isolates that.
  const tiny = encodeModel(
    makeModel({
      name: "tiny",
      node: [makeNode("Identity", ["x"], ["y"])],
      input: [valueInfo("x", DataType.FLOAT, [1])],
      output: [valueInfo("y", DataType.FLOAT, [1])],
    }),
  );
  const tBeforeInit = performance.now();
  await ort.InferenceSession.create(tiny);
  const tInit = performance.now();

  const wasm = () => memories.reduce((sum, memory) => sum + memory.buffer.byteLength, 0);
  const top = () => memories.reduce((sum, memory) => sum + heapTop(memory), 0);
  const gc = (globalThis as { gc?: () => void }).gc;
  // ArrayBuffers hold the model bytes the caller drops (and, in some builds, the wasm heap itself).
  const js = () => {
    gc?.();
    const usage = process.memoryUsage();
    return usage.heapUsed + usage.external - usage.arrayBuffers;
  };
  const bytes = new Uint8Array(await readFile(model));
  const feeds = toOrtFeeds(ort, sampleInputs(fixture));
  const options = { ...WEB_SESSION_OPTIONS, executionProviders: [...WEB_SESSION_OPTIONS.executionProviders] };
  const wasmInit = wasm();
  const topInit = top();
  const jsInit = js();
  const tStart = performance.now();
  const session = await ort.InferenceSession.create(bytes, options);
  const tSession = performance.now();
  const wasmSession = wasm();
  const topSession = top();
  await session.run(feeds);
  const tFirst = performance.now();
  const wasmRun = wasm();
  const topRun = top();
  const jsRun = js();
  return {
    importMs: tImport - t0,
    compileMs: tCompile - tRead,
    initMs: tInit - tBeforeInit,
    sessionMs: tSession - tStart,
    firstRunMs: tFirst - tSession,
    wasm: [wasmInit, wasmSession, wasmRun],
    top: [topInit, topSession, topRun],
    js: [jsInit, jsRun],
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
