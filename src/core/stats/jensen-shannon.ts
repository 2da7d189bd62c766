/**
 * Jensen-Shannon distance: the square root of the JS divergence, a true metric. In base 2 it lies in
 * [0, 1] (1 for disjoint supports), which makes a stable, threshold-friendly drift score.
 */
import { proportions } from "./proportions.js";

/** Inputs are counts or weights over matching bins; each side is normalised to sum to 1 first. */
export function jensenShannonDistance(p: readonly number[], q: readonly number[], base = 2): number {
  if (p.length !== q.length)
    throw new RangeError(`JS distance needs matching bins, got ${p.length} and ${q.length}`);
  if (!(base > 0 && base !== 1))
    throw new RangeError(`logarithm base must be positive and not 1, got ${base}`);
  const pp = proportions(p);
  const qq = proportions(q);
  let divergence = 0;
  for (let i = 0; i < pp.length; i++) {
    const m = (pp[i] + qq[i]) / 2;
    // 0·log(0/m) = 0 by continuity; m > 0 whenever either term is non-zero.
    if (pp[i] > 0) divergence += pp[i] * Math.log(pp[i] / m);
    if (qq[i] > 0) divergence += qq[i] * Math.log(qq[i] / m);
  }
  divergence /= 2 * Math.log(base);
  // Rounding can leave a tiny negative value for identical inputs.
  return Math.sqrt(Math.max(0, divergence));
}
