/**
 * The drift reference of any model directory: its requests from a reference file (or a tabular
 * model's CSV dataset, each row an instance) run under
 * onnxruntime-node, and the drift values of each instance computed by the Worker's own function
 * (driftValues) over the Worker's own feeds and answers. Which features: the input kind's defaults,
 * the task's (class probabilities for a few classes, confidence, predicted label; values; embedding
 * norm and distance to the reference centroid) and data quality (non-finite outputs, float inputs
 * outside the reference's range).
 */
import { basename } from "node:path";
import { type DriftFeature, DriftSpec, type DriftValues, driftValues } from "../core/drift-features.js";
import { compareFeature, compareQuality, type FeatureDrift } from "../core/drift-report.js";
import { UnprocessableError } from "../core/errors.js";
import { kindOf } from "../core/kinds/registry.js";
import type { Manifest } from "../core/manifest.js";
import {
  buildProfile,
  emptySketches,
  type Profile,
  qualityStates,
  referenceSketches,
} from "../core/profile.js";
import { updateSketch } from "../core/sketch/feature-sketch.js";
import { instanceSlice } from "../core/tensor.js";
import { buildLines, readAssets, type ScoredLine, scoreLines } from "./model-run.js";
import { batchBuilder, type RequestLine, readReferenceLines } from "./requests.js";

/** Per-class probabilities are drift features up to this many classes; beyond, confidence says it. */
const MAX_CLASS_FEATURES = 4;
const MAX_VALUE_FEATURES = 4;
const MAX_FEATURES = 32;

export interface ReferenceProfile {
  drift: DriftSpec;
  profile: Profile;
  instances: number;
}

function centroidOf(scored: readonly ScoredLine[], output: string): number[] | undefined {
  let sum: Float64Array | undefined;
  let count = 0;
  for (const { batch, outputs } of scored) {
    const tensor = outputs[output];
    if (!tensor) continue;
    for (let i = 0; i < batch.size; i++) {
      const vector = instanceSlice(tensor, i, batch.size);
      sum ??= new Float64Array(vector.length);
      if (vector.length !== sum.length) return undefined;
      for (let j = 0; j < vector.length; j++) sum[j] += Number(vector[j]);
      count++;
    }
  }
  return sum && count > 0 ? Array.from(sum, (v) => v / count) : undefined;
}

/** [min, max] of each float32 feed over the reference (finite values only). */
function feedRanges(scored: readonly ScoredLine[]): Map<string, [number, number]> {
  const ranges = new Map<string, [number, number]>();
  for (const { batch } of scored) {
    for (const [name, tensor] of Object.entries(batch.feeds)) {
      if (tensor.dtype !== "float32") continue;
      const range = ranges.get(name) ?? [Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY];
      for (const v of tensor.data as Float32Array) {
        if (!Number.isFinite(v)) continue;
        if (v < range[0]) range[0] = v;
        if (v > range[1]) range[1] = v;
      }
      ranges.set(name, range);
    }
  }
  return ranges;
}

function taskFeatures(manifest: Manifest, scored: readonly ScoredLine[]): DriftFeature[] {
  const task = manifest.task;
  switch (task.kind) {
    case "classification":
      return [
        ...(task.labels.length <= MAX_CLASS_FEATURES
          ? task.labels.map((label) => ({ kind: "probability" as const, name: `p_${label}`, label }))
          : []),
        { kind: "confidence", name: "confidence" },
        { kind: "predicted-label", name: "predicted_label" },
      ];
    case "regression": {
      const first = scored[0]?.predictions?.[0];
      const width = first && "values" in first ? first.values.length : 1;
      if (width === 1) return [{ kind: "value", name: "value", index: 0 }];
      return Array.from({ length: Math.min(width, MAX_VALUE_FEATURES) }, (_, index) => ({
        kind: "value" as const,
        name: `value_${index}`,
        index,
      }));
    }
    case "embedding": {
      const centroid = centroidOf(scored, task.output);
      return [
        { kind: "embedding-norm", name: "embedding_norm" },
        ...(centroid ? [{ kind: "centroid-distance" as const, name: "centroid_distance", centroid }] : []),
      ];
    }
    case "raw":
      return manifest.outputs
        .filter((output) => output.dtype === "float32")
        .slice(0, MAX_VALUE_FEATURES)
        .map((output) => ({
          kind: "tensor-mean" as const,
          name: `${output.name}.mean`,
          tensor: output.name,
        }));
  }
}

function qualityFeatures(manifest: Manifest, scored: readonly ScoredLine[]): DriftFeature[] {
  const outputs = manifest.outputs
    .filter((output) => output.dtype === "float32")
    .map((output) => ({
      kind: "non-finite-share" as const,
      name: `${output.name}.non_finite_share`,
      tensor: output.name,
    }));
  const inputs = [...feedRanges(scored)]
    .filter(([, [min, max]]) => min <= max)
    .map(([name, [min, max]]) => ({
      kind: "out-of-range-share" as const,
      name: `${name}.out_of_range_share`,
      tensor: name,
      min,
      max,
    }));
  return [...outputs, ...inputs];
}

/** The default drift features of a model, from its task, data quality and input kind, at most 32. */
export function defaultDriftFeatures(manifest: Manifest, scored: readonly ScoredLine[]): DriftFeature[] {
  const kind = kindOf(manifest.input).defaultDrift(manifest.input, manifest.inputs) as DriftFeature[];
  const seen = new Set<string>();
  return [...taskFeatures(manifest, scored), ...qualityFeatures(manifest, scored), ...kind]
    .filter((feature) => !seen.has(feature.name) && seen.add(feature.name))
    .slice(0, MAX_FEATURES);
}

function rowsOf(spec: DriftSpec, manifest: Manifest, scored: readonly ScoredLine[]): DriftValues[] {
  return scored.flatMap(({ batch, outputs, predictions }) =>
    Array.from({ length: batch.size }, (_, index) =>
      driftValues(
        spec,
        { index, size: batch.size, batch, outputs, prediction: predictions?.[index] },
        manifest.task,
      ),
    ),
  );
}

export async function buildReferenceProfile(
  dir: string,
  manifest: Manifest,
  model: Uint8Array,
  referencePath: string,
  examples?: DriftSpec["examples"],
  where?: Readonly<Record<string, string>>,
): Promise<ReferenceProfile> {
  const lines = await readReferenceLines(referencePath, manifest, where);
  return referenceProfileOf(dir, manifest, model, lines, {
    where: referencePath,
    source: { reference: basename(referencePath), lines: lines.length, ...(where ? { where } : {}) },
    examples,
  });
}

/** Scores request lines as the Worker would: its feeds, outputs and predictions. */
async function scoreReference(
  dir: string,
  manifest: Manifest,
  model: Uint8Array,
  lines: readonly RequestLine[],
  where: string,
): Promise<ScoredLine[]> {
  const batches = buildLines(batchBuilder(manifest, await readAssets(dir, manifest)), lines, where);
  return scoreLines(manifest, model, lines, batches);
}

/** The drift reference of request lines given in memory (`where` names them in errors). */
export async function referenceProfileOf(
  dir: string,
  manifest: Manifest,
  model: Uint8Array,
  lines: readonly RequestLine[],
  options: { where: string; source: Record<string, unknown>; examples?: DriftSpec["examples"] },
): Promise<ReferenceProfile> {
  const scored = await scoreReference(dir, manifest, model, lines, options.where);
  const candidates = DriftSpec.parse({
    features: defaultDriftFeatures(manifest, scored),
    examples: options.examples,
  });
  const candidateRows = rowsOf(candidates, manifest, scored);
  // A feature no reference instance supplies (a kind measure the model's inputs lack) has no reference.
  const features = candidates.features.filter((feature) => candidateRows.some((row) => feature.name in row));
  const drift = DriftSpec.parse({ ...candidates, features });
  const rows = rowsOf(drift, manifest, scored);
  const profile = buildProfile(drift, rows, {
    name: manifest.name,
    version: manifest.version,
    source: { ...options.source, instances: rows.length },
  });
  return { drift, profile, instances: rows.length };
}

/**
 * Drift of request lines against a model's reference profile, per drift feature, as the edge
 * would report it for a window holding exactly those instances (its spec, the profile's edges).
 */
export async function driftAgainstProfile(
  dir: string,
  manifest: Manifest,
  model: Uint8Array,
  profile: Profile,
  lines: readonly RequestLine[],
  where: string,
): Promise<Record<string, FeatureDrift | null>> {
  const spec = manifest.drift;
  if (!spec) throw new UnprocessableError(`${manifest.name}@${manifest.version} has no drift spec`);
  const scored = await scoreReference(dir, manifest, model, lines, where);
  const live = emptySketches(spec, profile);
  for (const row of rowsOf(spec, manifest, scored)) {
    for (const [name, value] of Object.entries(row)) updateSketch(live[name], value);
  }
  const reference = referenceSketches(profile);
  return Object.fromEntries(
    spec.features.map((feature) => {
      const states = qualityStates(feature);
      const expected = reference[feature.name];
      const observed = live[feature.name];
      return [
        feature.name,
        states ? compareQuality(expected, observed, states) : compareFeature(expected, observed),
      ];
    }),
  );
}
