/**
 * The drift features of a model: a few cheap numbers (and the predicted label) per instance that say
 * whether today's traffic looks like the reference data. The manifest declares them; the toolchain
 * computes them over the reference set for the profile and the Worker over live requests, with this
 * one function, so both sides measure the same thing.
 *
 * Features come from three places: the input kind (text length, unseen tokens, image brightness: each
 * kind declares its own), the tensors fed to and produced by the model (per-tensor statistics and
 * data-quality shares, for any model), and the task's answer (class probabilities, predicted label,
 * regression value, embedding norm and distance to the reference centroid).
 */
import { z } from "zod";
import { SerializedBloom } from "./bloom.js";
import type { DriftValues, FeatureBatch } from "./kinds/kind.js";
import { KIND_DRIFT_FEATURES } from "./kinds/registry.js";
import type { Prediction, TaskSpec } from "./tasks/schema.js";
import { type HostTensor, instanceSlice } from "./tensor.js";

const tensorFeature = <K extends string>(kind: K) =>
  z.object({ kind: z.literal(kind), name: z.string(), tensor: z.string().min(1) });

export const DriftFeature = z.discriminatedUnion("kind", [
  /** The predicted probability of one class. */
  z.object({ kind: z.literal("probability"), name: z.string(), label: z.string() }),
  /** The predicted label, a categorical feature. */
  z.object({ kind: z.literal("predicted-label"), name: z.string() }),
  /** The top class's probability. */
  z.object({ kind: z.literal("confidence"), name: z.string() }),
  /** One target of a regression answer. */
  z.object({ kind: z.literal("value"), name: z.string(), index: z.number().int().nonnegative().default(0) }),
  /** Euclidean norm of the embedding (before any normalisation). */
  z.object({ kind: z.literal("embedding-norm"), name: z.string() }),
  /** Cosine distance (1 - cosine similarity) of the embedding to the reference set's mean vector. */
  z.object({
    kind: z.literal("centroid-distance"),
    name: z.string(),
    centroid: z.array(z.number()).min(1).max(4096),
  }),
  /** Mean, standard deviation and share of zeros of an input or output tensor, per instance. */
  tensorFeature("tensor-mean"),
  tensorFeature("tensor-std"),
  tensorFeature("zero-share"),
  /** Data quality: share of an instance's values that are NaN or infinite. */
  tensorFeature("non-finite-share"),
  /** Data quality: share of an instance's values outside the reference range. */
  tensorFeature("out-of-range-share").extend({ min: z.number(), max: z.number() }),
  ...KIND_DRIFT_FEATURES,
]);
export type DriftFeature = z.infer<typeof DriftFeature>;

/**
 * Features that measure the input's health rather than its distribution (shares of broken or
 * out-of-range values, a tabular column's quality state): operators read them apart from drift (the
 * dashboard's data-quality chart).
 */
const DATA_QUALITY_KINDS: ReadonlySet<string> = new Set([
  "non-finite-share",
  "out-of-range-share",
  "column-quality",
]);

export function isDataQualityFeature(feature: Pick<DriftFeature, "kind">): boolean {
  return DATA_QUALITY_KINDS.has(feature.kind);
}

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
  index: number;
  size: number;
  /** The batch as the input kind built it (its feeds and its own drift measures). */
  batch: FeatureBatch;
  outputs: Readonly<Record<string, HostTensor>>;
  prediction?: Prediction;
}

export type { DriftValues };

interface Moments {
  mean: number;
  std: number;
  zeros: number;
  nonFinite: number;
  count: number;
}

function moments(values: ArrayLike<number | bigint>): Moments {
  let sum = 0;
  let squares = 0;
  let zeros = 0;
  let nonFinite = 0;
  let count = 0;
  for (let i = 0; i < values.length; i++) {
    const v = Number(values[i]);
    if (!Number.isFinite(v)) {
      nonFinite++;
      continue;
    }
    if (v === 0) zeros++;
    sum += v;
    squares += v * v;
    count++;
  }
  const mean = count === 0 ? Number.NaN : sum / count;
  const variance = count === 0 ? Number.NaN : Math.max(0, squares / count - mean * mean);
  return { mean, std: Math.sqrt(variance), zeros, nonFinite, count };
}

function share(part: number, whole: number): number {
  return whole === 0 ? 0 : part / whole;
}

function tensorValue(feature: Extract<DriftFeature, { tensor: string }>, data: ArrayLike<number | bigint>) {
  const m = moments(data);
  switch (feature.kind) {
    case "tensor-mean":
      return m.mean;
    case "tensor-std":
      return m.std;
    case "zero-share":
      return share(m.zeros, data.length);
    case "non-finite-share":
      return share(m.nonFinite, data.length);
    case "out-of-range-share": {
      let outside = 0;
      for (let i = 0; i < data.length; i++) {
        const v = Number(data[i]);
        if (Number.isFinite(v) && (v < feature.min || v > feature.max)) outside++;
      }
      return share(outside, data.length);
    }
    default:
      return undefined;
  }
}

function predictionValue(feature: DriftFeature, prediction: Prediction | undefined) {
  if (!prediction) return undefined;
  switch (feature.kind) {
    case "probability":
      return "probabilities" in prediction ? prediction.probabilities[feature.label] : undefined;
    case "predicted-label":
      return "label" in prediction ? prediction.label : undefined;
    case "confidence":
      return "probabilities" in prediction ? prediction.probabilities[prediction.label] : undefined;
    case "value":
      if ("value" in prediction) return feature.index === 0 ? prediction.value : undefined;
      return "values" in prediction ? prediction.values[feature.index] : undefined;
    default:
      return undefined;
  }
}

function embeddingValue(feature: DriftFeature, instance: ScoredInstance, outputName: string | undefined) {
  if (outputName === undefined) return undefined;
  const tensor = instance.outputs[outputName];
  if (!tensor) return undefined;
  const vector = instanceSlice(tensor, instance.index, instance.size);
  let norm = 0;
  for (let i = 0; i < vector.length; i++) norm += Number(vector[i]) ** 2;
  norm = Math.sqrt(norm);
  if (feature.kind === "embedding-norm") return norm;
  if (feature.kind !== "centroid-distance" || feature.centroid.length !== vector.length) return undefined;
  let dot = 0;
  let centroidNorm = 0;
  feature.centroid.forEach((c, i) => {
    dot += c * Number(vector[i]);
    centroidNorm += c * c;
  });
  const denominator = norm * Math.sqrt(centroidNorm);
  return denominator === 0 ? 1 : 1 - dot / denominator;
}

/** The declared drift features of one instance; a feature the instance cannot supply is left out. */
export function driftValues(spec: DriftSpec, instance: ScoredInstance, task: TaskSpec): DriftValues {
  const embeddingOutput = task.kind === "embedding" ? task.output : undefined;
  const values: DriftValues = instance.batch.drift(instance.index, spec.features, spec.vocabulary);
  for (const feature of spec.features) {
    let value: number | string | undefined;
    if ("tensor" in feature) {
      const tensor = instance.batch.feeds[feature.tensor] ?? instance.outputs[feature.tensor];
      if (tensor) value = tensorValue(feature, instanceSlice(tensor, instance.index, instance.size));
    } else if (feature.kind === "embedding-norm" || feature.kind === "centroid-distance") {
      value = embeddingValue(feature, instance, embeddingOutput);
    } else {
      value = predictionValue(feature, instance.prediction);
    }
    // A value that is not a number (an empty tensor's mean) is no reading: data quality says why.
    if (value !== undefined && (typeof value === "string" || Number.isFinite(value)))
      values[feature.name] = value;
  }
  return values;
}
