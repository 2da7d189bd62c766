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
      const all = new Float32Array(parts.reduce((n, p) => n + p.length, 0));
      let offset = 0;
      for (const part of parts) {
        all.set(part, offset);
        offset += part.length;
      }
      return all;
    },
    release: () => session.release(),
  };
}
