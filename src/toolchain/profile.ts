/**
 * The drift baseline of a trained model: which drift features the edge samples (token count, share of
 * tokens unseen in training, the most class-separating hashed features, the spam probability, the
 * label), and their distribution over the model's training split as mergeable sketches.
 */
import { BloomFilter } from "../core/bloom.js";
import { type DriftFeature, type DriftSpec, driftValues } from "../core/drift-features.js";
import { textDrift } from "../core/kinds/hashed-text/drift.js";
import { textFeatures } from "../core/kinds/hashed-text/features.js";
import type { FeatureBatch } from "../core/kinds/kind.js";
import { buildProfile, type Profile } from "../core/profile.js";
import type { TaskSpec } from "../core/tasks/schema.js";
import { nodeClassifier } from "./onnx-runner.js";
import { loadRecordSplits } from "./train/pipeline.js";
import type { TrainingRecord } from "./train/record.js";

/** Tokens seen at least this often in training count as known; rarer ones are mostly noise. */
const MIN_TOKEN_COUNT = 2;
const VOCABULARY_FALSE_POSITIVES = 0.01;
const INFORMATIVE_FEATURES = 3;
const UNSEEN_SHARE = "unseen_token_share";

export interface DriftArtifacts {
  drift: DriftSpec;
  profile: Profile;
}

/** Hashed features whose mean differs most between the classes of the training split. */
function informativeBuckets(
  vectors: readonly Float32Array[],
  labels: readonly number[],
  count: number,
): number[] {
  const width = vectors[0]?.length ?? 0;
  const sums = [new Float64Array(width), new Float64Array(width)];
  const sizes = [0, 0];
  vectors.forEach((vector, i) => {
    sizes[labels[i]]++;
    const sum = sums[labels[i]];
    for (let j = 0; j < width; j++) sum[j] += vector[j];
  });
  const gap = Array.from({ length: width }, (_, j) => ({
    j,
    gap: Math.abs(sums[1][j] / Math.max(1, sizes[1]) - sums[0][j] / Math.max(1, sizes[0])),
  }));
  return gap
    .sort((a, b) => b.gap - a.gap || a.j - b.j)
    .slice(0, count)
    .map(({ j }) => j);
}

/**
 * The unseen-token share a training email would have had if the vocabulary had been built without it.
 * Measured naively, every training email's own rare tokens are "known", so the reference would sit far
 * below what any new mail shows and the feature would always look drifted. A token is known when the
 * other emails hold it often enough, or when the Bloom filter answers a false positive for it, exactly
 * as the edge would see it.
 */
function leaveOneOutUnseenShare(
  tokens: ArrayLike<number>,
  counts: ReadonlyMap<number, number>,
  vocabulary: BloomFilter,
): number {
  if (tokens.length === 0) return 0;
  const own = new Map<number, number>();
  for (const token of Array.from(tokens)) own.set(token, (own.get(token) ?? 0) + 1);
  let unseen = 0;
  for (const token of Array.from(tokens)) {
    const total = counts.get(token) ?? 0;
    const elsewhere = total - (own.get(token) ?? 0);
    const known = elsewhere >= MIN_TOKEN_COUNT || (total < MIN_TOKEN_COUNT && vocabulary.has(token));
    if (!known) unseen++;
  }
  return unseen / tokens.length;
}

/** The labelled texts a profile describes, and where they came from (kept in the profile). */
export interface ReferenceData {
  texts: string[];
  /** Label index per text. */
  labels: number[];
  source: Record<string, unknown>;
}

/** The record's training split: what a freshly trained model has seen. */
async function trainingReference(record: TrainingRecord): Promise<ReferenceData> {
  const { train } = await loadRecordSplits(record);
  return {
    texts: train.map((email) => email.text),
    labels: train.map((email) => email.label),
    source: {
      corpus: record.data.corpus,
      collection: record.data.collection,
      split: "train",
      seed: record.data.seed,
    },
  };
}

/** Drift spec and reference profile, by default over the record's training split. */
export async function buildDriftArtifacts(
  onnx: Uint8Array,
  record: TrainingRecord,
  meta: { name: string; version: number; examples?: DriftSpec["examples"] },
  reference?: ReferenceData,
): Promise<DriftArtifacts> {
  const { texts, labels: referenceLabels, source } = reference ?? (await trainingReference(record));
  const featurized = texts.map((text) => textFeatures(record.spec, text));

  const tokenCounts = new Map<number, number>();
  for (const { tokenHashes } of featurized)
    for (const t of tokenHashes) tokenCounts.set(t, (tokenCounts.get(t) ?? 0) + 1);
  const known = [...tokenCounts].filter(([, n]) => n >= MIN_TOKEN_COUNT).map(([token]) => token);
  const vocabulary = BloomFilter.forCapacity(known.length, VOCABULARY_FALSE_POSITIVES);
  for (const token of known) vocabulary.add(token);

  const labels = record.model.labels;
  const buckets = informativeBuckets(
    featurized.map((f) => f.vector),
    referenceLabels,
    INFORMATIVE_FEATURES,
  );
  const features: DriftFeature[] = [
    { kind: "token-count", name: "token_count" },
    { kind: "unseen-token-share", name: UNSEEN_SHARE },
    ...buckets.map((index) => ({ kind: "feature-value" as const, name: `feature_${index}`, index })),
    { kind: "probability", name: `p_${labels[1]}`, label: labels[1] },
    { kind: "predicted-label", name: "predicted_label" },
  ];
  const drift: DriftSpec = {
    features,
    vocabulary: vocabulary.serialize(),
    ...(meta.examples ? { examples: meta.examples } : {}),
  };

  const classifier = await nodeClassifier(onnx, record.spec, record.model.output);
  const probabilities = await classifier.predict(texts);
  await classifier.release();
  const task: TaskSpec = { kind: "classification", output: record.model.output, labels, softmax: false };
  const rows = featurized.map(({ tokenHashes, vector }, i) => {
    const p = Object.fromEntries(labels.map((label, c) => [label, probabilities[i * labels.length + c]]));
    const label = labels.reduce((best, l) => (p[l] > p[best] ? l : best), labels[0]);
    // The Worker's drift function on the Worker's features, one instance at a time.
    const batch: FeatureBatch = {
      feeds: {},
      size: 1,
      drift: (_, wanted, bloom) => textDrift(wanted, tokenHashes, vector, bloom),
    };
    return {
      ...driftValues(
        drift,
        { index: 0, size: 1, batch, outputs: {}, prediction: { label, probabilities: p } },
        task,
      ),
      [UNSEEN_SHARE]: leaveOneOutUnseenShare(tokenHashes, tokenCounts, vocabulary),
    };
  });
  const profile = buildProfile(drift, rows, { name: meta.name, version: meta.version, source });
  return { drift, profile };
}
