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
  /** Values in the window that are NaN or infinite; KS and Wasserstein see only the finite ones. */
  nonFinite: number;
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

/**
 * A numeric feature with values in the window but not one finite: there is nothing to compare, and
 * saying "no drift" would hide a broken input or pipeline. The policy alerts on it and holds a
 * candidate that shows it (src/promotion/decide.ts).
 */
export interface DataQualityFailure {
  kind: "data-quality";
  count: number;
  referenceCount: number;
  /** No finite value, no PSI. */
  psi: null;
  nan: number;
  infinite: number;
  reason: string;
}

/**
 * A data-quality feature (a column's value missing, outside the training range, an unseen category):
 * the share of the window's values in each problem state beside the reference's. Judged by the
 * policy's share threshold (src/promotion/quality.ts), not by PSI: a share that creeps from 0% to 3%
 * is a broken feed long before a distribution test would call it drift.
 */
export interface DataQualityShares {
  kind: "data-quality-shares";
  count: number;
  referenceCount: number;
  psi: null;
  /** Per problem state (every state but the first, the good one). */
  shares: Record<string, number>;
  referenceShares: Record<string, number>;
}

export type FeatureDrift = NumericDrift | CategoricalDrift | DataQualityFailure | DataQualityShares;

/** Shares of each problem state of a data-quality feature; `states[0]` is the good one. Null without data. */
export function compareQuality(
  reference: FeatureSketch,
  live: FeatureSketch,
  states: readonly string[],
): DataQualityShares | null {
  if (reference.kind !== "categorical" || live.kind !== "categorical") {
    throw new Error(
      `a data-quality feature has categorical sketches, not ${reference.kind} and ${live.kind}`,
    );
  }
  const count = live.categories.total;
  const referenceCount = reference.categories.total;
  if (count === 0 || referenceCount === 0) return null;
  const sharesOf = (sketch: typeof live, total: number) =>
    Object.fromEntries(states.slice(1).map((state) => [state, sketch.categories.get(state) / total]));
  return {
    kind: "data-quality-shares",
    count,
    referenceCount,
    psi: null,
    shares: sharesOf(live, count),
    referenceShares: sharesOf(reference, referenceCount),
  };
}

/** Statistics of `live` against `reference`; null when either side has no data yet. */
export function compareFeature(reference: FeatureSketch, live: FeatureSketch): FeatureDrift | null {
  if (reference.kind === "numeric" && live.kind === "numeric") {
    const count = live.histogram.total;
    const referenceCount = reference.histogram.total;
    if (count === 0 || referenceCount === 0 || reference.quantiles.count === 0) return null;
    const nonFinite = count - live.quantiles.count;
    if (live.quantiles.count === 0) {
      const nan = live.histogram.nan;
      return {
        kind: "data-quality",
        count,
        referenceCount,
        psi: null,
        nan,
        infinite: count - nan,
        reason: `all ${count} values are NaN or infinite (${nan} NaN, ${count - nan} infinite)`,
      };
    }
    return {
      kind: "numeric",
      count,
      referenceCount,
      nonFinite,
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
