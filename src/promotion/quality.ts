/**
 * The data-quality share rule: a column whose values are missing, outside the training range or
 * unseen categories in a larger share of the period than in the reference, by more than
 * `maxQualityShare`, is a data-quality issue, which alerts on the active version and holds a
 * candidate (decide.ts). Judged once the feature has `minSamples` values, so a handful of requests
 * cannot raise it.
 */
import type { DataQualityShares } from "../core/drift-report.js";
import type { DataQualityIssue } from "./decide.js";
import type { Policy } from "./policy.js";

const pct = (x: number) => `${(x * 100).toFixed(1)}%`;
/** Shares are ratios of counts: a rise equal to the threshold sits on it (see decide.ts). */
const ROUNDING = 1e-9;

export function qualityShareIssue(
  feature: string,
  drift: DataQualityShares,
  policy: Pick<Policy, "maxQualityShare" | "minSamples">,
): DataQualityIssue | null {
  if (drift.count < policy.minSamples) return null;
  const risen = Object.entries(drift.shares).filter(
    ([state, share]) => share - (drift.referenceShares[state] ?? 0) > policy.maxQualityShare + ROUNDING,
  );
  if (risen.length === 0) return null;
  const detail = risen
    .map(([state, share]) => `${pct(share)} ${state} (reference ${pct(drift.referenceShares[state] ?? 0)})`)
    .join(", ");
  return {
    feature,
    reason: `${detail} over ${drift.count} values, more than ${pct(policy.maxQualityShare)} above the reference`,
  };
}
