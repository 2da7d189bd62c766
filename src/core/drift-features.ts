/**
 * The drift features of a model: a few cheap numbers (and the predicted label) per instance that say
 * whether today's traffic looks like the training data. The manifest declares them; the CLI computes
 * them over the training set for the reference profile and the Worker over live requests, with this
 * one function, so both sides measure the same thing.
 */
import { z } from "zod";
import { BloomFilter, SerializedBloom } from "./bloom.js";

export const DriftFeature = z.discriminatedUnion("kind", [
  /** Number of tokens in the text. */
  z.object({ kind: z.literal("token-count"), name: z.string() }),
  /** Share of the tokens not in the training vocabulary (needs `vocabulary`). */
  z.object({ kind: z.literal("unseen-token-share"), name: z.string() }),
  /** The value of one hashed feature, chosen for being informative in training. */
  z.object({ kind: z.literal("feature-value"), name: z.string(), index: z.number().int().nonnegative() }),
  /** The predicted probability of one class. */
  z.object({ kind: z.literal("probability"), name: z.string(), label: z.string() }),
  /** The predicted label, a categorical feature. */
  z.object({ kind: z.literal("predicted-label"), name: z.string() }),
]);
export type DriftFeature = z.infer<typeof DriftFeature>;

/** Most raw input texts a window keeps, and longest kept text, when a manifest asks for examples. */
export const MAX_EXAMPLES_PER_WINDOW = 50;
export const MAX_EXAMPLE_CHARS = 1_000;

export const DriftSpec = z.object({
  features: z.array(DriftFeature).min(1).max(32),
  vocabulary: SerializedBloom.optional(),
  /**
   * Opt-in: samples carry the input text (cut to `maxChars`), and each drift window keeps `keep` of
   * them as examples of what the version saw. Off unless the manifest asks: inputs may be personal.
   */
  examples: z
    .object({
      keep: z.number().int().min(1).max(MAX_EXAMPLES_PER_WINDOW),
      maxChars: z.number().int().min(1).max(MAX_EXAMPLE_CHARS),
    })
    .optional(),
});
export type DriftSpec = z.infer<typeof DriftSpec>;

/** What one scored instance offers the drift features. */
export interface ScoredInstance {
  /** Token hashes, as `textFeatures` returns them. */
  tokenHashes?: ArrayLike<number>;
  features?: ArrayLike<number>;
  probabilities?: Readonly<Record<string, number>>;
  label?: string;
}

export type DriftValues = Record<string, number | string>;

const vocabularies = new WeakMap<SerializedBloom, BloomFilter>();

function vocabulary(spec: DriftSpec): BloomFilter | undefined {
  if (!spec.vocabulary) return undefined;
  let filter = vocabularies.get(spec.vocabulary);
  if (!filter) {
    filter = BloomFilter.deserialize(spec.vocabulary);
    vocabularies.set(spec.vocabulary, filter);
  }
  return filter;
}

/** The declared drift features of one instance; a feature the instance cannot supply is left out. */
export function driftValues(spec: DriftSpec, instance: ScoredInstance): DriftValues {
  const values: DriftValues = {};
  for (const feature of spec.features) {
    switch (feature.kind) {
      case "token-count":
        if (instance.tokenHashes) values[feature.name] = instance.tokenHashes.length;
        break;
      case "unseen-token-share": {
        const known = vocabulary(spec);
        const hashes = instance.tokenHashes;
        if (!hashes || !known) break;
        let unseen = 0;
        for (let t = 0; t < hashes.length; t++) if (!known.has(hashes[t])) unseen++;
        values[feature.name] = hashes.length === 0 ? 0 : unseen / hashes.length;
        break;
      }
      case "feature-value":
        if (instance.features && feature.index < instance.features.length) {
          values[feature.name] = instance.features[feature.index];
        }
        break;
      case "probability": {
        const p = instance.probabilities?.[feature.label];
        if (p !== undefined) values[feature.name] = p;
        break;
      }
      case "predicted-label":
        if (instance.label !== undefined) values[feature.name] = instance.label;
        break;
    }
  }
  return values;
}
