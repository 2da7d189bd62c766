/**
 * A discrete distribution as sorted distinct values with positive weights. Raw samples (weight 1
 * each) and quantile sketches (weight 2^level per retained item) both reduce to it, so every
 * CDF-based statistic has one implementation that serves both.
 */

export interface WeightedPoints {
  /** Strictly increasing and finite. */
  readonly values: readonly number[];
  /** Positive and finite, one per value. */
  readonly weights: readonly number[];
}

/** Anything that can describe its distribution as weighted points (a KLL sketch can). */
export interface CdfSource {
  /** Number of observations summarised: the sample size that p-values use. */
  readonly count: number;
  cdfPoints(): WeightedPoints;
}

/** Sorts a sample and folds duplicate values together; weights default to 1 each. */
export function toWeightedPoints(values: readonly number[], weights?: readonly number[]): WeightedPoints {
  if (weights !== undefined && weights.length !== values.length) {
    throw new RangeError(`got ${values.length} values but ${weights.length} weights`);
  }
  const order = values.map((_, i) => i);
  for (const i of order) {
    if (!Number.isFinite(values[i])) throw new RangeError(`sample value ${values[i]} is not finite`);
    const w = weights?.[i] ?? 1;
    if (!(Number.isFinite(w) && w >= 0))
      throw new RangeError(`weight ${w} is not a finite non-negative number`);
  }
  order.sort((a, b) => values[a] - values[b]);
  const outValues: number[] = [];
  const outWeights: number[] = [];
  for (const i of order) {
    const w = weights?.[i] ?? 1;
    if (w === 0) continue;
    const last = outValues.length - 1;
    if (last >= 0 && outValues[last] === values[i]) outWeights[last] += w;
    else {
      outValues.push(values[i]);
      outWeights.push(w);
    }
  }
  return { values: outValues, weights: outWeights };
}

export function totalWeight(points: WeightedPoints): number {
  let total = 0;
  for (const w of points.weights) total += w;
  return total;
}

/**
 * Walks two distributions over the union of their values, calling `visit(x, Fa(x), Fb(x), next)`
 * at every point where either CDF steps; `next` is the following union point (Infinity at the end).
 * The CDFs are right-continuous step functions, so these are the only points that matter.
 */
export function walkCdfs(
  a: WeightedPoints,
  b: WeightedPoints,
  visit: (x: number, fa: number, fb: number, next: number) => void,
): void {
  const ta = totalWeight(a);
  const tb = totalWeight(b);
  if (ta === 0 || tb === 0) throw new RangeError("cannot compare an empty distribution");
  let i = 0;
  let j = 0;
  let ca = 0;
  let cb = 0;
  while (i < a.values.length || j < b.values.length) {
    const x = Math.min(a.values[i] ?? Number.POSITIVE_INFINITY, b.values[j] ?? Number.POSITIVE_INFINITY);
    if (a.values[i] === x) ca += a.weights[i++];
    if (b.values[j] === x) cb += b.weights[j++];
    const next = Math.min(a.values[i] ?? Number.POSITIVE_INFINITY, b.values[j] ?? Number.POSITIVE_INFINITY);
    visit(x, ca / ta, cb / tb, next);
  }
}
