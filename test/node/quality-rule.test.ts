/**
 * The data-quality share rule: a column's missing, out-of-range or unseen share above the
 * reference's by more than maxQualityShare is an issue, judged once there are minSamples values.
 */
import { describe, expect, it } from "vitest";
import type { DataQualityShares } from "../../src/core/drift-report.js";
import { DEFAULT_POLICY } from "../../src/core/policy.js";
import { qualityShareIssue } from "../../src/promotion/quality.js";

const POLICY = { ...DEFAULT_POLICY, maxQualityShare: 0.05, minSamples: 200 };

function shares(count: number, live: Record<string, number>, reference: Record<string, number> = {}) {
  const zero = { missing: 0, "out-of-range": 0, unseen: 0 };
  return {
    kind: "data-quality-shares",
    count,
    referenceCount: 1000,
    psi: null,
    shares: { ...zero, ...live },
    referenceShares: { ...zero, ...reference },
  } satisfies DataQualityShares;
}

describe("qualityShareIssue", () => {
  it("names the column and each state whose share rose by more than maxQualityShare", () => {
    const issue = qualityShareIssue(
      "temp_max.quality",
      shares(400, { missing: 0.3, "out-of-range": 0.02 }),
      POLICY,
    );
    expect(issue).toEqual({
      feature: "temp_max.quality",
      reason: "30.0% missing (reference 0.0%) over 400 values, more than 5.0% above the reference",
    });
  });

  it("measures the rise from the reference's own share", () => {
    const drift = shares(400, { "out-of-range": 0.08 }, { "out-of-range": 0.04 });
    expect(qualityShareIssue("wind.quality", drift, POLICY)).toBeNull();
  });

  it("lets a rise of exactly maxQualityShare pass", () => {
    expect(
      qualityShareIssue("wind.quality", shares(400, { unseen: 0.07 }, { unseen: 0.02 }), POLICY),
    ).toBeNull();
  });

  it("waits for minSamples values", () => {
    expect(qualityShareIssue("wind.quality", shares(199, { missing: 1 }), POLICY)).toBeNull();
    expect(qualityShareIssue("wind.quality", shares(200, { missing: 1 }), POLICY)?.feature).toBe(
      "wind.quality",
    );
  });

  it("lists every state that rose", () => {
    const issue = qualityShareIssue("location.quality", shares(300, { missing: 0.1, unseen: 0.5 }), POLICY);
    expect(issue?.reason).toBe(
      "10.0% missing (reference 0.0%), 50.0% unseen (reference 0.0%) over 300 values, more than 5.0% above the reference",
    );
  });
});
