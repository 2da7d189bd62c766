/** The error-rate rule on plain counts: when a version's failures to answer are too many. */
import { describe, expect, it } from "vitest";
import { DEFAULT_POLICY, type Policy } from "../../src/core/policy.js";
import { errorRateExceeded } from "../../src/promotion/error-rate.js";

const policy: Policy = { ...DEFAULT_POLICY, minSamples: 200, maxErrorRate: 0.01 };

describe("errorRateExceeded", () => {
  it("names the failures of a version above maxErrorRate", () => {
    expect(errorRateExceeded({ answered: 296, errors: 4 }, policy)).toBe(
      "failed to answer 4 of 300 sampled instances (1.3%, above the 1.0% allowed)",
    );
  });

  it("holds a rate of exactly maxErrorRate within it", () => {
    expect(errorRateExceeded({ answered: 297, errors: 3 }, policy)).toBeNull();
  });

  it("does not judge a version sent fewer than minSamples instances", () => {
    expect(errorRateExceeded({ answered: 0, errors: 199 }, policy)).toBeNull();
  });

  it("judges from the first failure when minSamples is 0, but not a version sent nothing", () => {
    const eager = { ...policy, minSamples: 0 };
    expect(errorRateExceeded({ answered: 0, errors: 1 }, eager)).toBe(
      "failed to answer 1 of 1 sampled instances (100.0%, above the 1.0% allowed)",
    );
    expect(errorRateExceeded({ answered: 0, errors: 0 }, eager)).toBeNull();
  });

  it("accepts a version without failures at a maxErrorRate of 0", () => {
    expect(errorRateExceeded({ answered: 500, errors: 0 }, { ...policy, maxErrorRate: 0 })).toBeNull();
  });
});
