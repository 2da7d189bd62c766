/**
 * One cold start of onnxruntime-web, measured in a fresh process (bench/run.ts spawns this several
 * times and takes medians). It loads ORT the way the Worker does (src/serving/ort-runtime.ts): the
 * wasm is compiled up front (wrangler does that at deploy time in Workers) and handed to ORT through
 * a marker buffer and a wrapped WebAssembly.instantiate, so "init" below is instantiate + ORT's own
 * runtime set-up, not compilation. Prints one JSON line of milliseconds.
 * Run: npx tsx bench/cold-start.ts path/to/model.onnx [features]
 */
import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";

const t0 = performance.now();
const modelPath = process.argv[2] ?? "models/spam/1/model.onnx";
const features = Number(process.argv[3] ?? 4096);

const ort = await import("onnxruntime-web/wasm");
const tImport = performance.now();

const require = createRequire(import.meta.url);
const wasmPath = require.resolve("onnxruntime-web/ort-wasm-simd-threaded.wasm");
const wasmBytes = await readFile(wasmPath);
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
  const isMarker =
    source === MARKER || (ArrayBuffer.isView(source) && (source as ArrayBufferView).buffer === MARKER);
  if (!isMarker) return instantiate(source, imports);
  const instance = await WebAssembly.instantiate(compiled, imports);
  return { instance, module: compiled };
};
ort.env.wasm.numThreads = 1;
ort.env.wasm.proxy = false;
ort.env.wasm.wasmBinary = MARKER;
ort.env.logLevel = "error";

// ORT initialises its wasm runtime on the first session create; a 1-node model isolates that cost.
const { encodeModel, makeModel, makeNode, valueInfo, DataType } = await import(
  "../src/toolchain/onnx/model.js"
);
const tiny = encodeModel(
  makeModel({
    name: "tiny",
    node: [makeNode("Identity", ["x"], ["y"])],
    input: [valueInfo("x", DataType.FLOAT, [1])],
    output: [valueInfo("y", DataType.FLOAT, [1])],
  }),
);
const modelBytes = new Uint8Array(await readFile(modelPath));
const tBeforeInit = performance.now();
const tinySession = await ort.InferenceSession.create(tiny);
const tInit = performance.now();
const session = await ort.InferenceSession.create(modelBytes);
const tSession = performance.now();
const input = new ort.Tensor("float32", new Float32Array(features).fill(0.01), [1, features]);
const feeds = { [session.inputNames[0]]: input };
await session.run(feeds);
const tFirst = performance.now();
await session.run(feeds);
const tSecond = performance.now();
await tinySession.release();
await session.release();

console.log(
  JSON.stringify({
    importMs: tImport - t0,
    readWasmMs: tRead - tImport,
    compileMs: tCompile - tRead,
    initMs: tInit - tBeforeInit,
    sessionMs: tSession - tInit,
    firstRunMs: tFirst - tSession,
    secondRunMs: tSecond - tFirst,
  }),
);
