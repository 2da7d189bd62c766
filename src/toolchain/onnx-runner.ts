/** Batched classifier inference with onnxruntime-node, for profiling and evaluation. */
import * as ort from "onnxruntime-node";
import { textFeatureMatrix } from "../core/kinds/hashed-text/features.js";
import type { HashedTextSpec } from "../core/kinds/hashed-text/schema.js";

const BATCH = 256;

export interface Classifier {
  /** Probabilities, row-major [texts, classes]. */
  predict(texts: readonly string[]): Promise<Float32Array>;
  release(): Promise<void>;
}

export async function nodeClassifier(
  onnx: Uint8Array,
  spec: HashedTextSpec,
  output = "probabilities",
): Promise<Classifier> {
  const session = await ort.InferenceSession.create(onnx);
  return {
    async predict(texts) {
      const parts: Float32Array[] = [];
      for (let start = 0; start < texts.length; start += BATCH) {
        const chunk = texts.slice(start, start + BATCH);
        const features = new ort.Tensor("float32", textFeatureMatrix(spec, chunk), [
          chunk.length,
          spec.buckets,
        ]);
        const result = await session.run({ [spec.input]: features });
        parts.push(result[output].data as Float32Array);
      }
      return concatenate(parts);
    },
    release: () => session.release(),
  };
}

/**
 * One output of a float32 [rows, cols] input, in batches: a model's scores on stored features. "basic"
 * optimizations dequantize weight-only int8 weights and multiply in fp32, as the Worker's runtime does
 * (higher levels fuse them into an int8 kernel over quantized activations, about 5e-4 off).
 */
export async function nodeMatrixScores(
  onnx: Uint8Array,
  input: string,
  output: string,
  matrix: Float32Array,
  rows: number,
  cols: number,
): Promise<Float32Array> {
  const session = await ort.InferenceSession.create(onnx, { graphOptimizationLevel: "basic" });
  try {
    const parts: Float32Array[] = [];
    for (let start = 0; start < rows; start += BATCH) {
      const count = Math.min(BATCH, rows - start);
      const batch = new ort.Tensor("float32", matrix.subarray(start * cols, (start + count) * cols), [
        count,
        cols,
      ]);
      parts.push((await session.run({ [input]: batch }))[output].data as Float32Array);
    }
    return concatenate(parts);
  } finally {
    await session.release();
  }
}

/** The parts end to end (batched outputs back into one array). */
export function concatenate(parts: readonly Float32Array[]): Float32Array {
  const all = new Float32Array(parts.reduce((n, p) => n + p.length, 0));
  let offset = 0;
  for (const part of parts) {
    all.set(part, offset);
    offset += part.length;
  }
  return all;
}
