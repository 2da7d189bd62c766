/**
 * What a session holds when the manifest carries no measured figure (`vane import` measures one): the
 * file, its weights unfolded to fp32 (int8 weights are dequantized once at load, four times their
 * stored size) with ORT's copies, and its arenas. Measured at up to 8x the file for int8 models
 * (bench/RESULTS.md, "memory"); generous on purpose for fp32: the budget must hold.
 * In core, not in the session cache, so Node code (bench/zoo.ts) can read it without the Worker's wasm.
 */
export function estimateSessionBytes(modelBytes: number): number {
  return modelBytes * 8 + 1024 * 1024;
}
