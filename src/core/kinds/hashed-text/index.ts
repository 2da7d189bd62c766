/** The hashed-text kind: raw texts in, hashed term vectors to the model (vane's own text models). */
import { InvalidInputError } from "../../errors.js";
import type { TensorSpec } from "../../tensor.js";
import { type Assets, checkBatch, type InputKind } from "../kind.js";
import { textDrift } from "./drift.js";
import { textFeatures } from "./features.js";
import { HashedTextDriftFeatures, HashedTextSpec, TextInstance } from "./schema.js";

export const hashedText = {
  kind: "hashed-text",
  spec: HashedTextSpec,
  driftFeatures: HashedTextDriftFeatures,
  feeds: (spec) => [spec.input],
  instances: {
    schema: TextInstance,
    assets: () => [],
    compile: (spec: HashedTextSpec, _assets: Assets, _inputs: readonly TensorSpec[]) => ({
      features(instances, limits) {
        checkBatch("instances", instances.length, limits);
        instances.forEach((instance, i) => {
          if (instance.text.length > limits.maxTextChars) {
            throw InvalidInputError.field(
              `instances[${i}].text`,
              `text has ${instance.text.length} characters, the limit is ${limits.maxTextChars}`,
            );
          }
        });
        const matrix = new Float32Array(instances.length * spec.buckets);
        const featurized = instances.map((instance, row) => {
          const features = textFeatures(spec, instance.text);
          matrix.set(features.vector, row * spec.buckets);
          return features;
        });
        return {
          feeds: { [spec.input]: { dtype: "float32", dims: [instances.length, spec.buckets], data: matrix } },
          size: instances.length,
          drift: (index, features, vocabulary) =>
            textDrift(features, featurized[index].tokenHashes, featurized[index].vector, vocabulary),
          example: (index) => instances[index]?.text,
        };
      },
    }),
  },
  defaultDrift: () => [{ kind: "token-count", name: "token_count" }],
} satisfies InputKind<HashedTextSpec, TextInstance>;
