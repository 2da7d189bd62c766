/**
 * The model the runtime is warmed with (./ort-runtime.ts): x [batch, 4] -> DequantizeLinear of int8
 * weights -> Gemm -> Softmax, the shape of the shipped int8 classifiers in miniature, so building and
 * running it does the runtime's one-time set-up (wasm instantiation, ORT's environment, the kernels a
 * real model's first session needs). 301 bytes, as src/toolchain/onnx/model.ts encodes it:
 * test/node/warm-model.test.ts builds it again and holds the two equal.
 *
 * Why the classifier alone: warming moves V8's compilation of kernels out of the first request, it
 * does not remove it. A graph that also held a text encoder and a CNN took the 10.5 MB zoo embedding
 * model's first session from 100 to 59 ms (184 wasm functions compiled in it, then 9) and spam's from
 * 18 to 15, but added 60 to 90 ms of CPU to every isolate's start (bench/first-session.ts with
 * --baseline, 2026-12-02): more than it saved, for every model measured.
 */
import type { HostTensor } from "../core/tensor.js";

export const WARM_MODEL_BASE64 =
  "CAgSBHZhbmU6nAIKTAoLd19xdWFudGl6ZWQKB3dfc2NhbGUSAXcaEkRlcXVhbnRpemVMaW5lYXJfdyIQRGVxdWFudGl6ZUxpbmVhcioLCgRheGlzGAGgAQIKJAoBeAoBdwoBYhIGbG9naXRzGgtHZW1tX2xvZ2l0cyIER2VtbQofCgZsb2dpdHMSAXkaCVNvZnRtYXhfeSIHU29mdG1heBIEd2FybSodCgIEAhADQgt3X3F1YW50aXplZEoIAf8C/gP9BPwqGAoBAhABQgd3X3NjYWxlSggAAAA/AACAPioSCgECEAFCAWJKCM3MzD3NzMy9WhgKAXgSEwoRCAESDQoHEgViYXRjaAoCCARiGAoBeRITChEIARINCgcSBWJhdGNoCgIIAkIECgAQEQ==";

export function warmModelBytes(): Uint8Array {
  return Uint8Array.from(atob(WARM_MODEL_BASE64), (char) => char.charCodeAt(0));
}

/** What the warm-up runs the model on: one zero row. */
export function warmFeeds(): Record<string, HostTensor> {
  return { x: { dtype: "float32", dims: [1, 4], data: new Float32Array(4) } };
}
