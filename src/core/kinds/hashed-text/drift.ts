/** The hashed-text kind's drift measures: token count, share of unseen tokens, chosen feature values. */
import { BloomFilter, type SerializedBloom } from "../../bloom.js";
import type { DriftFeatureRef, DriftValues } from "../kind.js";
import type { HashedTextDriftFeature } from "./schema.js";

const vocabularies = new WeakMap<SerializedBloom, BloomFilter>();

function vocabularyOf(serialized: SerializedBloom): BloomFilter {
  let filter = vocabularies.get(serialized);
  if (!filter) {
    filter = BloomFilter.deserialize(serialized);
    vocabularies.set(serialized, filter);
  }
  return filter;
}

export function unseenShare(tokenHashes: ArrayLike<number>, vocabulary: BloomFilter): number {
  if (tokenHashes.length === 0) return 0;
  let unseen = 0;
  for (let t = 0; t < tokenHashes.length; t++) if (!vocabulary.has(tokenHashes[t])) unseen++;
  return unseen / tokenHashes.length;
}

export function textDrift(
  features: readonly DriftFeatureRef[],
  tokenHashes: ArrayLike<number>,
  vector: ArrayLike<number>,
  vocabulary: SerializedBloom | undefined,
): DriftValues {
  const values: DriftValues = {};
  for (const ref of features) {
    const feature = ref as HashedTextDriftFeature;
    switch (feature.kind) {
      case "token-count":
        values[feature.name] = tokenHashes.length;
        break;
      case "unseen-token-share":
        if (vocabulary) values[feature.name] = unseenShare(tokenHashes, vocabularyOf(vocabulary));
        break;
      case "feature-value":
        if (feature.index < vector.length) values[feature.name] = vector[feature.index];
        break;
    }
  }
  return values;
}
