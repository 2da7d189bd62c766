/**
 * Pearson's chi-square goodness-of-fit test for categorical features: observed production counts
 * against the reference counts, which are rescaled to the observed total first (the reference
 * window and the production window rarely hold the same number of rows).
 */
import { regularizedGammaQ } from "./gamma.js";

export interface ChiSquareResult {
  statistic: number;
  degreesOfFreedom: number;
  pValue: number;
}

/** Upper tail P(χ²_df > statistic). */
export function chiSquarePValue(statistic: number, degreesOfFreedom: number): number {
  if (!(degreesOfFreedom > 0))
    throw new RangeError(`degrees of freedom must be > 0, got ${degreesOfFreedom}`);
  if (!(statistic >= 0)) throw new RangeError(`chi-square statistic must be >= 0, got ${statistic}`);
  return regularizedGammaQ(degreesOfFreedom / 2, statistic / 2);
}

/**
 * Bins empty on both sides carry no information and do not count towards the degrees of freedom.
 * A category observed but never expected makes the statistic infinite (p = 0): the reference says it
 * cannot happen. With fewer than two informative bins there is nothing to test: statistic 0, df 0, p 1.
 */
export function chiSquare(
  expectedCounts: readonly number[],
  observedCounts: readonly number[],
): ChiSquareResult {
  if (expectedCounts.length !== observedCounts.length) {
    throw new RangeError(
      `chi-square needs matching bins, got ${expectedCounts.length} and ${observedCounts.length}`,
    );
  }
  const expectedTotal = sum(expectedCounts);
  const observedTotal = sum(observedCounts);
  if (expectedTotal === 0 || observedTotal === 0) throw new RangeError("chi-square needs non-empty counts");
  const scale = observedTotal / expectedTotal;
  let statistic = 0;
  let bins = 0;
  for (let i = 0; i < expectedCounts.length; i++) {
    const expected = expectedCounts[i] * scale;
    const observed = observedCounts[i];
    if (expected === 0 && observed === 0) continue;
    bins++;
    statistic += expected === 0 ? Number.POSITIVE_INFINITY : (observed - expected) ** 2 / expected;
  }
  if (bins < 2) return { statistic: 0, degreesOfFreedom: 0, pValue: 1 };
  const degreesOfFreedom = bins - 1;
  return { statistic, degreesOfFreedom, pValue: chiSquarePValue(statistic, degreesOfFreedom) };
}

function sum(counts: readonly number[]): number {
  let total = 0;
  for (const c of counts) {
    if (!(Number.isFinite(c) && c >= 0))
      throw new RangeError(`count ${c} is not a finite non-negative number`);
    total += c;
  }
  return total;
}
