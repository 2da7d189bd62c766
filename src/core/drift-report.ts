/**
 * Drift of one feature: live sketches against the reference profile's, with every statistic the
 * sketches support. Shared by the drift endpoint, the scheduled promotion run and the CLI.
 */
import { alignCategoricalCounts } from "./sketch/categorical.js";
import type { FeatureSketch } from "./sketch/feature-sketch.js";
import { type ChiSquareResult, chiSquare } from "./stats/chi-square.js";
import { jensenShannonDistance } from "./stats/jensen-shannon.js";
import { ksTwoSampleSketch, type SketchKsResult } from "./stats/ks.js";
import { psi } from "./stats/psi.js";
import { wasserstein1Sketch } from "./stats/wasserstein.js";

export interface NumericDrift {
  kind: "numeric";
  count: number;
  referenceCount: number;
  psi: number;
  jensenShannon: number;
  /** From the sketches, with their rank-error bound taken off D before the p-value. */
  ks: SketchKsResult;
  wasserstein: number;
}

export interface CategoricalDrift {
  kind: "categorical";
  count: number;
  referenceCount: number;
  psi: number;
  jensenShannon: number;
  chiSquare: ChiSquareResult;
}

export type FeatureDrift = NumericDrift | CategoricalDrift;

/** Statistics of `live` against `reference`; null when either side has no data yet. */
export function compareFeature(reference: FeatureSketch, live: FeatureSketch): FeatureDrift | null {
  if (reference.kind === "numeric" && live.kind === "numeric") {
    const count = live.histogram.total;
    const referenceCount = reference.histogram.total;
    if (count === 0 || referenceCount === 0 || live.quantiles.count === 0) return null;
    return {
      kind: "numeric",
      count,
      referenceCount,
      psi: psi(reference.histogram.comparedCounts, live.histogram.comparedCounts),
      jensenShannon: jensenShannonDistance(reference.histogram.comparedCounts, live.histogram.comparedCounts),
      ks: ksTwoSampleSketch(reference.quantiles, live.quantiles),
      wasserstein: wasserstein1Sketch(reference.quantiles, live.quantiles),
    };
  }
  if (reference.kind === "categorical" && live.kind === "categorical") {
    const count = live.categories.total;
    const referenceCount = reference.categories.total;
    if (count === 0 || referenceCount === 0) return null;
    const aligned = alignCategoricalCounts(reference.categories, live.categories);
    return {
      kind: "categorical",
      count,
      referenceCount,
      psi: psi(aligned.expected, aligned.observed),
      jensenShannon: jensenShannonDistance(aligned.expected, aligned.observed),
      chiSquare: chiSquare(aligned.expected, aligned.observed),
    };
  }
  throw new Error(`cannot compare a ${reference.kind} reference with a ${live.kind} window`);
}
