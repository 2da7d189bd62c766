/**
 * First Wasserstein (earth mover's) distance between two 1-D distributions: ∫ |F1(x) - F2(x)| dx,
 * exact for step CDFs by summing over the intervals between the union of support points.
 */
import { type CdfSource, toWeightedPoints, type WeightedPoints, walkCdfs } from "./weighted.js";

export function wasserstein1Points(a: WeightedPoints, b: WeightedPoints): number {
  let distance = 0;
  walkCdfs(a, b, (x, fa, fb, next) => {
    if (next !== Number.POSITIVE_INFINITY) distance += Math.abs(fa - fb) * (next - x);
  });
  return distance;
}

/** Same arguments as scipy.stats.wasserstein_distance(u, v, u_weights, v_weights). */
export function wasserstein1(
  u: readonly number[],
  v: readonly number[],
  uWeights?: readonly number[],
  vWeights?: readonly number[],
): number {
  return wasserstein1Points(toWeightedPoints(u, uWeights), toWeightedPoints(v, vWeights));
}

/** W1 between two sketched distributions, from their retained items and weights. */
export function wasserstein1Sketch(a: CdfSource, b: CdfSource): number {
  return wasserstein1Points(a.cdfPoints(), b.cdfPoints());
}
