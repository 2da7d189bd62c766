/**
 * How vane builds onnxruntime-web sessions, in the Worker and wherever the toolchain measures what
 * the Worker will do. Weight-only int8 models (DequantizeLinear on constant weights) are folded back
 * to fp32 once, at load: the model stays a quarter of the size in R2 and runs at fp32 speed, instead
 * of dequantizing on every call, which costs 2-20x in onnxruntime-web's wasm kernels.
 */
export const WEB_SESSION_OPTIONS = {
  executionProviders: ["wasm"],
  graphOptimizationLevel: "all",
  extra: { session: { disable_quant_qdq: "1" } },
} as const;
