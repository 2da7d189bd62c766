/**
 * Population Stability Index over matching bins: Σ (aᵢ - eᵢ)·ln(aᵢ/eᵢ) on bin proportions.
 * Rule of thumb: < 0.1 stable, 0.1-0.25 moderate shift, > 0.25 major shift.
 */
import { proportions } from "./proportions.js";

/** Default floor for bin proportions; see `psi`. */
export const PSI_EPSILON = 1e-4;

/**
 * An empty bin on one side only would make its term infinite, so an empty bin's proportion is taken
 * as `epsilon` (Evidently's 0.0001, see docs/drift.md). Bins empty on both sides then contribute
 * exactly 0, and every other bin is untouched, so hand-computed values hold. Pass 0 to disable.
 */
export function psi(
  expectedCounts: readonly number[],
  actualCounts: readonly number[],
  epsilon: number = PSI_EPSILON,
): number {
  if (expectedCounts.length !== actualCounts.length) {
    throw new RangeError(`PSI needs matching bins, got ${expectedCounts.length} and ${actualCounts.length}`);
  }
  if (!(epsilon >= 0 && epsilon < 1)) throw new RangeError(`PSI epsilon must be in [0, 1), got ${epsilon}`);
  const expected = proportions(expectedCounts);
  const actual = proportions(actualCounts);
  let index = 0;
  for (let i = 0; i < expected.length; i++) {
    const e = expected[i] === 0 ? epsilon : expected[i];
    const a = actual[i] === 0 ? epsilon : actual[i];
    if (a !== e) index += (a - e) * Math.log(a / e);
  }
  return index;
}
