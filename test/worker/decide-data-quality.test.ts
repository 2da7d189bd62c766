// decide() on data-quality failures: a drift feature with values in the period but none finite.
// Plain inputs; it lives with the Worker tests because src/promotion is typed against the Worker.
import { describe, expect, it } from "vitest";
import { DEFAULT_POLICY } from "../../src/core/policy.js";
import type { Accuracy } from "../../src/drift/feedback.js";
import {
  type DataQualityIssue,
  decide,
  type Evaluation,
  type SideNumbers,
} from "../../src/promotion/decide.js";
import { RegistryState } from "../../src/registry/state.js";

const NOW = Date.parse("2026-12-01T12:00:00Z");
const BROKEN: DataQualityIssue = {
  feature: "p_spam",
  reason: "all 240 values are NaN or infinite (240 NaN, 0 infinite)",
};

function accuracy(labels: number, correct: number): Accuracy {
  return {
    labels,
    correct,
    accuracy: labels === 0 ? null : correct / labels,
    meanConfidence: labels === 0 ? null : 0.9,
    pairedCorrect: 0,
    pairedAccuracy: null,
  };
}

function side(version: number, overrides: Partial<SideNumbers> = {}): SideNumbers {
  return {
    version,
    load: { ok: true, reason: null },
    samples: 240,
    errors: 0,
    latencyP50: 5,
    feedback: accuracy(0, 0),
    maxPsi: 0.01,
    drifted: [],
    dataQuality: [],
    ...overrides,
  };
}

function evaluation(active: SideNumbers, candidate: SideNumbers | null = null): Evaluation {
  return {
    now: NOW,
    since: NOW - 3_600_000,
    active,
    candidate,
    comparison: candidate
      ? {
          basis: "unpaired",
          candidate: { labels: 150, accuracy: 0.98, meanConfidence: 0.9 },
          active: { labels: 150, accuracy: 0.9 },
        }
      : null,
    probation: null,
  };
}

const activeOnly = RegistryState.parse({ name: "spam", active: 1, updatedAt: "2026-12-01T11:00:00Z" });
const withCanary = RegistryState.parse({
  name: "spam",
  active: 1,
  candidate: { version: 2, mode: "canary", share: 0.1, since: "2026-12-01T10:00:00Z" },
  updatedAt: "2026-12-01T11:00:00Z",
});

describe("decide on data-quality failures", () => {
  it("alerts when the active version has a feature with no finite value, and no candidate", () => {
    const decision = decide(activeOnly, evaluation(side(1, { dataQuality: [BROKEN] })), DEFAULT_POLICY);
    expect(decision).toEqual({
      action: "alert",
      version: 1,
      features: ["p_spam"],
      reason: `active version 1 has a data-quality failure on p_spam (${BROKEN.reason}); no candidate is registered`,
    });
  });

  it("alerts on a data-quality failure even below minSamples: a window of nothing but NaN is already broken", () => {
    const active = side(1, { samples: 3, dataQuality: [BROKEN] });
    expect(decide(activeOnly, evaluation(active), DEFAULT_POLICY).action).toBe("alert");
  });

  it("keeps the alert open while the failure lasts, however low the PSI", () => {
    const open = RegistryState.parse({
      ...activeOnly,
      alert: { version: 1, since: "2026-12-01T11:30:00Z", features: ["p_spam"] },
    });
    const decision = decide(open, evaluation(side(1, { maxPsi: 0, dataQuality: [BROKEN] })), DEFAULT_POLICY);
    expect(decision.action).toBe("wait");
    expect(decide(open, evaluation(side(1, { maxPsi: 0 })), DEFAULT_POLICY).action).toBe("alert_cleared");
  });

  it("holds a candidate with a data-quality failure that would otherwise be promoted", () => {
    const candidate = side(2, { dataQuality: [BROKEN] });
    const decision = decide(withCanary, evaluation(side(1), candidate), DEFAULT_POLICY);
    expect(decision).toEqual({
      action: "wait",
      version: 2,
      reason: `held: data-quality failure on p_spam (${BROKEN.reason})`,
    });
    expect(decide(withCanary, evaluation(side(1), side(2)), DEFAULT_POLICY).action).toBe("promote");
  });
});
