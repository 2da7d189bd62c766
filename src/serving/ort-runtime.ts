/**
 * onnxruntime-web inside workerd. Workers may not compile WebAssembly from bytes at run time, and
 * onnxruntime-web has no hook to accept a precompiled module, so this file holds the one shim that
 * bridges them: ORT is handed a marker buffer as its "wasm binary", and `WebAssembly.instantiate`
 * is wrapped so that the call carrying that marker instantiates the module wrangler precompiled.
 * Nothing else in vane touches WebAssembly.
 */

import * as ort from "onnxruntime-web/wasm";
// A relative path: wrangler's module collector resolves .wasm imports by file, not by package exports.
import ortWasm from "../../node_modules/onnxruntime-web/dist/ort-wasm-simd-threaded.wasm";

const MARKER = new ArrayBuffer(8);
let configured = false;

function isMarker(source: unknown): boolean {
  return source === MARKER || (ArrayBuffer.isView(source) && (source as ArrayBufferView).buffer === MARKER);
}

function installShim(): void {
  const instantiate = WebAssembly.instantiate.bind(WebAssembly) as (
    source: BufferSource | WebAssembly.Module,
    imports?: WebAssembly.Imports,
  ) => Promise<unknown>;
  // Emscripten calls instantiate(bytes, imports) and expects { instance, module } back.
  const shimmed = async (source: BufferSource | WebAssembly.Module, imports?: WebAssembly.Imports) => {
    if (!isMarker(source)) return instantiate(source, imports);
    const instance = await WebAssembly.instantiate(ortWasm, imports);
    return { instance, module: ortWasm };
  };
  (WebAssembly as { instantiate: unknown }).instantiate = shimmed;
}

/** The ORT namespace, configured for a single-threaded SIMD build from the precompiled module. */
export function onnxRuntime(): typeof ort {
  if (!configured) {
    installShim();
    ort.env.wasm.numThreads = 1; // workerd has no SharedArrayBuffer workers
    ort.env.wasm.proxy = false;
    ort.env.wasm.wasmBinary = MARKER;
    ort.env.logLevel = "error";
    configured = true;
  }
  return ort;
}

export type OrtNamespace = typeof ort;
export type InferenceSession = ort.InferenceSession;
export type OrtTensor = ort.Tensor;
