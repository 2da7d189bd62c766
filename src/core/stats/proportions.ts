/** Counts (or unnormalised weights) to proportions summing to 1, rejecting what cannot be one. */
export function proportions(counts: readonly number[]): number[] {
  let total = 0;
  for (const c of counts) {
    if (!(Number.isFinite(c) && c >= 0))
      throw new RangeError(`count ${c} is not a finite non-negative number`);
    total += c;
  }
  if (total === 0) throw new RangeError("cannot normalise counts that sum to 0");
  return counts.map((c) => c / total);
}
