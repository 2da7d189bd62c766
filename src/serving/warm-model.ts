/**
 * The model the runtime is warmed with (./ort-runtime.ts): x [batch, 4] -> DequantizeLinear of int8
 * weights -> Gemm -> Softmax, the shape of the shipped int8 classifiers in miniature, so building and
 * running it does the runtime's one-time set-up (wasm instantiation, ORT's environment, the kernels a
 * real model's first session needs). 301 bytes, as src/toolchain/onnx/model.ts encodes it:
 * test/node/warm-model.test.ts builds it again and holds the two equal.
 */
export const WARM_MODEL_BASE64 =
  "CAgSBHZhbmU6nAIKTAoLd19xdWFudGl6ZWQKB3dfc2NhbGUSAXcaEkRlcXVhbnRpemVMaW5lYXJfdyIQRGVxdWFudGl6ZUxpbmVhcioLCgRheGlzGAGgAQIKJAoBeAoBdwoBYhIGbG9naXRzGgtHZW1tX2xvZ2l0cyIER2VtbQofCgZsb2dpdHMSAXkaCVNvZnRtYXhfeSIHU29mdG1heBIEd2FybSodCgIEAhADQgt3X3F1YW50aXplZEoIAf8C/gP9BPwqGAoBAhABQgd3X3NjYWxlSggAAAA/AACAPioSCgECEAFCAWJKCM3MzD3NzMy9WhgKAXgSEwoRCAESDQoHEgViYXRjaAoCCARiGAoBeRITChEIARINCgcSBWJhdGNoCgIIAkIECgAQEQ==";

export const WARM_INPUT = { name: "x", width: 4 } as const;

export function warmModelBytes(): Uint8Array {
  return Uint8Array.from(atob(WARM_MODEL_BASE64), (char) => char.charCodeAt(0));
}
