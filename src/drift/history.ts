/**
 * Drift over time, for charts: a version's stored windows gathered into buckets of whole windows,
 * each bucket merged and compared with the reference exactly as the drift report compares a whole
 * span, with the feedback windows' label counts per bucket beside it; and the span's merged
 * distributions next to the reference's (what a chart overlays).
 */
import { isDataQualityFeature } from "../core/drift-features.js";
import { compareFeature } from "../core/drift-report.js";
import type { Manifest } from "../core/manifest.js";
import { referenceSketches } from "../core/profile.js";
import { alignCategoricalCounts, OTHER_CATEGORY } from "../core/sketch/categorical.js";
import type { FeatureSketch } from "../core/sketch/feature-sketch.js";
import { readProfile } from "../registry/profiles.js";
import { type FeedbackWindow, readFeedbackWindows } from "./feedback.js";
import type { ServingRole } from "./sample.js";
import { type ErrorTally, errorTally, mergeWindows, type SketchWindow } from "./window-format.js";
import { readWindows } from "./windows.js";

/** One feature in one bucket: its drift from the reference and the mean of its live values. */
export interface FeaturePoint {
  /** Live values in the bucket (NaN and infinite ones included). */
  count: number;
  /** null without a reference, or when no value was finite. */
  psi: number | null;
  /** The KS statistic D of numeric features; null for categorical ones or without a reference. */
  ks: number | null;
  /** Mean of the finite live values (from the quantile sketch); null for categorical features. */
  mean: number | null;
  /** Live count per category of categorical features (the sketch's "__other__" included); else null. */
  categories: Record<string, number> | null;
}

export interface HistoryBucket {
  /** Bucket start, epoch ms. */
  start: number;
  samples: number;
  /** Sampled instances the version failed to answer in the bucket, and their share. */
  errors: ErrorTally;
  latencyMs: { p50: number; p90: number; p99: number } | null;
  /** Labelled predictions made in the bucket, and how many of them were right. */
  labels: number;
  correct: number;
  features: Record<string, FeaturePoint>;
}

/** A feature's live values over the whole span beside the reference's, on the reference's bins. */
export type Distribution =
  | {
      kind: "numeric";
      /** The reference's bin edges; counts are [below the first edge, ...bins, above the last]. */
      edges: number[];
      reference: number[] | null;
      live: number[];
    }
  | { kind: "categorical"; categories: string[]; reference: number[] | null; live: number[] };

export interface RoleHistory {
  samples: number;
  errors: ErrorTally;
  labels: number;
  correct: number;
  buckets: HistoryBucket[];
  distributions: Record<string, Distribution>;
}

export interface HistoryFeature {
  name: string;
  kind: string;
  dataQuality: boolean;
}

export interface VersionHistory {
  version: number;
  features: HistoryFeature[];
  byRole: Partial<Record<ServingRole, RoleHistory>>;
}

export interface HistorySpan {
  /** First bucket start, epoch ms: a window start. */
  from: number;
  bucketSeconds: number;
}

/** Mean of a numeric sketch's finite values, from its weighted quantile points. */
function sketchMean(sketch: FeatureSketch): number | null {
  if (sketch.kind !== "numeric" || sketch.quantiles.count === 0) return null;
  const { values, weights } = sketch.quantiles.cdfPoints();
  let sum = 0;
  let weight = 0;
  for (let i = 0; i < values.length; i++) {
    sum += values[i] * weights[i];
    weight += weights[i];
  }
  return sum / weight;
}

function featureCount(sketch: FeatureSketch): number {
  return sketch.kind === "numeric" ? sketch.histogram.total : sketch.categories.total;
}

function point(reference: FeatureSketch | undefined, live: FeatureSketch): FeaturePoint {
  const drift = reference ? compareFeature(reference, live) : null;
  return {
    count: featureCount(live),
    psi: drift?.psi ?? null,
    ks: drift?.kind === "numeric" ? drift.ks.statistic : null,
    mean: sketchMean(live),
    categories:
      live.kind === "categorical"
        ? Object.fromEntries([...live.categories.entries(), [OTHER_CATEGORY, live.categories.other]])
        : null,
  };
}

function distribution(reference: FeatureSketch | undefined, live: FeatureSketch): Distribution {
  if (live.kind === "numeric") {
    const expected = reference?.kind === "numeric" ? reference.histogram : null;
    return {
      kind: "numeric",
      edges: [...live.histogram.edges],
      reference: expected ? [...expected.counts] : null,
      live: [...live.histogram.counts],
    };
  }
  if (reference?.kind === "categorical") {
    const aligned = alignCategoricalCounts(reference.categories, live.categories);
    return { kind: "categorical", ...aligned, reference: aligned.expected, live: aligned.observed };
  }
  const entries = live.categories.entries();
  return {
    kind: "categorical",
    categories: entries.map(([category]) => category),
    reference: null,
    live: entries.map(([, count]) => count),
  };
}

function quantiles(latency: FeatureSketch | null): HistoryBucket["latencyMs"] {
  if (latency?.kind !== "numeric" || latency.quantiles.count === 0) return null;
  const q = (p: number) => latency.quantiles.quantile(p);
  return { p50: q(0.5), p90: q(0.9), p99: q(0.99) };
}

function groupBy<T>(items: readonly T[], key: (item: T) => number): Map<number, T[]> {
  const groups = new Map<number, T[]>();
  for (const item of items) {
    const k = key(item);
    const group = groups.get(k);
    if (group) group.push(item);
    else groups.set(k, [item]);
  }
  return groups;
}

function roleHistory(
  windows: readonly SketchWindow[],
  feedback: readonly FeedbackWindow[],
  reference: Record<string, FeatureSketch>,
  bucketOf: (start: number) => number,
): RoleHistory {
  const drift = groupBy(windows, (w) => bucketOf(w.start));
  const labelled = groupBy(feedback, (w) => bucketOf(w.start));
  const starts = [...new Set([...drift.keys(), ...labelled.keys()])].sort((a, b) => a - b);
  const buckets = starts.map((start): HistoryBucket => {
    const merged = mergeWindows(drift.get(start) ?? []);
    const features: Record<string, FeaturePoint> = {};
    for (const [name, live] of Object.entries(merged.features)) features[name] = point(reference[name], live);
    const tally = labelled.get(start) ?? [];
    return {
      start,
      samples: merged.count,
      errors: errorTally(merged.count, merged.errors),
      latencyMs: quantiles(merged.latency),
      labels: tally.reduce((sum, w) => sum + w.count, 0),
      correct: tally.reduce((sum, w) => sum + w.correct, 0),
      features,
    };
  });
  const whole = mergeWindows(windows);
  const distributions: Record<string, Distribution> = {};
  for (const [name, live] of Object.entries(whole.features)) {
    distributions[name] = distribution(reference[name], live);
  }
  return {
    samples: whole.count,
    errors: errorTally(whole.count, whole.errors),
    labels: buckets.reduce((sum, b) => sum + b.labels, 0),
    correct: buckets.reduce((sum, b) => sum + b.correct, 0),
    buckets,
    distributions,
  };
}

/** One version's drift, latency and labels per bucket and serving role, from `span.from` on. */
export async function versionHistory(
  bucket: R2Bucket,
  manifest: Manifest,
  span: HistorySpan,
): Promise<VersionHistory> {
  const [windows, feedback, profile] = await Promise.all([
    readWindows(bucket, manifest.name, manifest.version, span.from),
    readFeedbackWindows(bucket, manifest.name, manifest.version, span.from),
    readProfile(bucket, manifest),
  ]);
  const reference = profile ? referenceSketches(profile) : {};
  const size = span.bucketSeconds * 1000;
  const bucketOf = (start: number) => span.from + Math.floor((start - span.from) / size) * size;
  const byRole: Partial<Record<ServingRole, RoleHistory>> = {};
  const roles = new Set([...windows.map((w) => w.role), ...feedback.map((w) => w.role)]);
  for (const role of roles) {
    byRole[role] = roleHistory(
      windows.filter((w) => w.role === role),
      feedback.filter((w) => w.role === role),
      reference,
      bucketOf,
    );
  }
  return {
    version: manifest.version,
    features: (manifest.drift?.features ?? []).map((feature) => ({
      name: feature.name,
      kind: feature.kind,
      dataQuality: isDataQualityFeature(feature),
    })),
    byRole,
  };
}
