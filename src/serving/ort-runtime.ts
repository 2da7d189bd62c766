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
import { WEB_SESSION_OPTIONS } from "../core/session-options.js";
import { warmFeeds, warmModelBytes } from "./warm-model.js";

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
    // Synchronously: what remains of the set-up is then promise continuations only, which run to the
    // end within the module's evaluation (an asynchronous instantiation would wait for a request).
    const instance = new WebAssembly.Instance(ortWasm, imports);
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

/** A session on `bytes` with the Worker's session options (the caller releases it). */
export function openSession(bytes: Uint8Array): Promise<ort.InferenceSession> {
  return onnxRuntime().InferenceSession.create(bytes, {
    ...WEB_SESSION_OPTIONS,
    executionProviders: [...WEB_SESSION_OPTIONS.executionProviders],
  });
}

/**
 * Opens a session on the warm-up model (./warm-model.ts), answers its feeds once and releases it: the
 * runtime's one-time set-up, and the kernels an int8 classifier's first session needs.
 */
export async function runWarmModel(): Promise<Record<string, ort.Tensor>> {
  const runtime = onnxRuntime();
  const session = await openSession(warmModelBytes());
  try {
    const feeds: Record<string, ort.Tensor> = {};
    for (const [name, tensor] of Object.entries(warmFeeds())) {
      feeds[name] = new runtime.Tensor(tensor.dtype, tensor.data, tensor.dims);
    }
    return await session.run(feeds);
  } finally {
    await session.release();
  }
}

let warming: Promise<void> | null = null;

/**
 * Sets the runtime up once per isolate, ahead of the first predict that needs it. Never rejects: a
 * runtime that cannot start fails that predict instead, with the error its own session creation raises.
 */
export function warmRuntime(): Promise<void> {
  warming ??= runWarmModel().then(
    () => undefined,
    () => undefined,
  );
  return warming;
}

export type OrtNamespace = typeof ort;
export type InferenceSession = ort.InferenceSession;
export type OrtTensor = ort.Tensor;
