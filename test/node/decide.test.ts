/** The promotion decision on plain inputs: every rule, each at its boundary. */
import { describe, expect, it } from "vitest";
import { DEFAULT_POLICY, type Policy } from "../../src/core/policy.js";
import type { Accuracy } from "../../src/drift/feedback.js";
import {
  type Comparison,
  decide,
  type Evaluation,
  type LoadCheck,
  latencyRatio,
  type ProbationNumbers,
  type SideNumbers,
} from "../../src/promotion/decide.js";
import { RegistryState, type RegistryStateInput } from "../../src/registry/state.js";

const NOW = Date.parse("2026-03-02T12:00:00.000Z");
const HOUR = 3_600_000;
const iso = (epochMs: number) => new Date(epochMs).toISOString();

/** The policy the tests reason with: small, round thresholds. */
const policy: Policy = {
  ...DEFAULT_POLICY,
  minSamples: 200,
  minFeedback: 100,
  minAccuracyGain: 0.01,
  maxLatencyRatio: 1.5,
  latencyFloorMs: 10,
  driftPsi: 0.2,
  probationHours: 24,
  rollbackAccuracyDrop: 0.02,
  maxErrorRate: 0.01,
};

const loads: LoadCheck = { ok: true, reason: null };
const fails = (reason: string): LoadCheck => ({ ok: false, reason });

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

function side(version: number, numbers: Partial<SideNumbers> = {}): SideNumbers {
  return {
    version,
    load: loads,
    samples: 500,
    errors: 0,
    latencyP50: 20,
    feedback: accuracy(0, 0),
    maxPsi: 0.05,
    drifted: [],
    dataQuality: [],
    ...numbers,
  };
}

function state(fields: Partial<RegistryStateInput> = {}): RegistryState {
  return RegistryState.parse({ name: "spam", active: 1, updatedAt: iso(NOW - HOUR), ...fields });
}

function evaluation(fields: Partial<Evaluation> = {}): Evaluation {
  return {
    now: NOW,
    since: NOW - 24 * HOUR,
    active: side(1),
    candidate: null,
    comparison: null,
    probation: null,
    ...fields,
  };
}

const candidateState = { version: 2, mode: "shadow" as const, share: 1, since: iso(NOW - 10 * HOUR) };

function paired(candidateCorrect: number, activeCorrect: number, labels = 1000): Comparison {
  return {
    basis: "paired",
    candidate: { labels, accuracy: candidateCorrect / labels, meanConfidence: 0.9 },
    active: { labels, accuracy: activeCorrect / labels },
  };
}

describe("the active version's availability", () => {
  it("reports an active version that cannot be loaded", () => {
    const decision = decide(
      state(),
      evaluation({ active: side(1, { load: fails("checksum mismatch") }) }),
      policy,
    );
    expect(decision).toEqual({
      action: "active_unavailable",
      version: 1,
      reason: "active version 1 cannot be loaded (checksum mismatch); serving falls back",
    });
  });

  it("reports it only once: an unavailability already recorded is not reported again", () => {
    const recorded = state({
      activeUnavailable: { version: 1, since: iso(NOW - HOUR), reason: "checksum mismatch" },
    });
    const decision = decide(
      recorded,
      evaluation({ active: side(1, { load: fails("checksum mismatch") }) }),
      policy,
    );
    expect(decision.action).toBe("wait");
  });

  it("reports the active version recovered when it loads again", () => {
    const recorded = state({
      activeUnavailable: { version: 1, since: iso(NOW - HOUR), reason: "checksum mismatch" },
    });
    expect(decide(recorded, evaluation(), policy)).toEqual({
      action: "active_recovered",
      version: 1,
      reason: "active version 1 loads again",
    });
  });
});

describe("probation", () => {
  const promotedAt = NOW - 2 * HOUR;
  const onProbation = state({
    active: 2,
    previous: [1],
    probation: { version: 2, promotedAt: iso(promotedAt), replaced: 1, by: "admin" },
  });
  const numbers = (live: Accuracy, baseline: Accuracy | null): ProbationNumbers => ({
    version: 2,
    replaced: 1,
    live,
    baseline,
    replacedLoad: loads,
    served: { answered: 500, errors: 0 },
  });
  const during = (probation: ProbationNumbers, now = NOW) => evaluation({ now, active: side(2), probation });

  it("rolls back a version whose live accuracy dropped by more than rollbackAccuracyDrop", () => {
    // 0.870 live against 0.900 before: a drop of 3 points, over the 2 allowed.
    const decision = decide(onProbation, during(numbers(accuracy(1000, 870), accuracy(1000, 900))), policy);
    expect(decision).toEqual({
      action: "rollback",
      version: 2,
      restore: 1,
      reason:
        "live accuracy of version 2 is 87.0% on 1000 labels, 3.0% below version 1's 90.0% on 1000 (more than the 2.0% allowed)",
    });
  });

  it("keeps a version whose drop is exactly rollbackAccuracyDrop", () => {
    const decision = decide(onProbation, during(numbers(accuracy(1000, 880), accuracy(1000, 900))), policy);
    expect(decision.action).toBe("wait");
  });

  it("does not roll back on fewer than minFeedback live labels", () => {
    const decision = decide(onProbation, during(numbers(accuracy(99, 50), accuracy(1000, 900))), policy);
    expect(decision.action).toBe("wait");
  });

  it("does not roll back to a replaced version that cannot be loaded", () => {
    const probation = {
      ...numbers(accuracy(1000, 500), accuracy(1000, 900)),
      replacedLoad: fails("missing"),
    };
    expect(decide(onProbation, during(probation), policy).action).toBe("wait");
  });

  it("rolls back a version that failed more than maxErrorRate of its sampled instances since the promotion", () => {
    const probation = {
      ...numbers(accuracy(0, 0), accuracy(1000, 900)),
      served: { answered: 490, errors: 10 },
    };
    expect(decide(onProbation, during(probation), policy)).toEqual({
      action: "rollback",
      version: 2,
      restore: 1,
      reason:
        "version 2 failed to answer 10 of 500 sampled instances (2.0%, above the 1.0% allowed) since its promotion",
    });
  });

  it("keeps a version whose error rate is exactly maxErrorRate", () => {
    const probation = {
      ...numbers(accuracy(0, 0), accuracy(1000, 900)),
      served: { answered: 495, errors: 5 },
    };
    expect(decide(onProbation, during(probation), policy).action).toBe("wait");
  });

  it("does not roll back for errors to a replaced version that cannot be loaded", () => {
    const probation = {
      ...numbers(accuracy(0, 0), null),
      served: { answered: 0, errors: 500 },
      replacedLoad: fails("missing"),
    };
    expect(decide(onProbation, during(probation), policy).action).toBe("wait");
  });

  it("passes the probation once probationHours have gone by", () => {
    const end = promotedAt + 24 * HOUR;
    const decision = decide(
      onProbation,
      during(numbers(accuracy(1000, 900), accuracy(1000, 900)), end),
      policy,
    );
    expect(decision).toEqual({
      action: "probation_passed",
      version: 2,
      reason: "version 2 kept its accuracy for 24 h of probation",
    });
  });

  it("does not pass the probation a millisecond before its end", () => {
    const justBefore = promotedAt + 24 * HOUR - 1;
    const decision = decide(
      onProbation,
      during(numbers(accuracy(1000, 900), accuracy(1000, 900)), justBefore),
      policy,
    );
    expect(decision.action).toBe("wait");
  });

  it("leaves a pinned model's probation alone", () => {
    const pinned = state({ ...onProbation, pinned: true });
    const decision = decide(pinned, during(numbers(accuracy(1000, 500), accuracy(1000, 900))), policy);
    expect(decision.action).toBe("wait");
  });

  it("holds a candidate back while a version is on probation", () => {
    const withCandidate = state({ ...onProbation, candidate: candidateState });
    const decision = decide(
      withCandidate,
      evaluation({ active: side(2), candidate: side(3), probation: numbers(accuracy(0, 0), null) }),
      policy,
    );
    expect(decision).toEqual({ action: "wait", version: 2, reason: "version 2 is on probation" });
  });
});

describe("a candidate", () => {
  const withCandidate = state({ candidate: candidateState });
  const against = (candidate: SideNumbers, comparison: Comparison | null) =>
    evaluation({ candidate: side(2, candidate), comparison });

  it("is rejected when it cannot be loaded", () => {
    const decision = decide(
      withCandidate,
      against(side(2, { load: fails("sha256 mismatch") }), null),
      policy,
    );
    expect(decision).toEqual({
      action: "reject",
      version: 2,
      reason: "candidate version 2 cannot be loaded: sha256 mismatch",
    });
  });

  it("waits while the model is pinned", () => {
    const pinned = state({ candidate: candidateState, pinned: true });
    expect(decide(pinned, against(side(2), paired(950, 900)), policy)).toEqual({
      action: "wait",
      version: 2,
      reason: "pinned to version 1",
    });
  });

  it("waits for minFeedback labels on each side", () => {
    const decision = decide(withCandidate, against(side(2), paired(95, 90, 99)), policy);
    expect(decision).toEqual({
      action: "wait",
      version: 2,
      reason: "needs 100 labels on each side: candidate has 99, active has 99",
    });
  });

  it("is promoted with a gain of at least minAccuracyGain", () => {
    const decision = decide(withCandidate, against(side(2), paired(910, 900)), policy);
    expect(decision).toEqual({
      action: "promote",
      version: 2,
      reason:
        "candidate 91.0% vs active 90.0% on the same 1000 labelled requests: gain of 1.0% meets the 1.0% required, over 500 samples",
    });
  });

  it("waits with a gain just below minAccuracyGain", () => {
    const decision = decide(withCandidate, against(side(2), paired(909, 900)), policy);
    expect(decision.action).toBe("wait");
    expect(decision.reason).toBe(
      "candidate 90.9% vs active 90.0% on the same 1000 labelled requests: gain of 0.9% is below the 1.0% required",
    );
  });

  it("is not rejected when less accurate by exactly rollbackAccuracyDrop", () => {
    // 0.88 against 0.90: a drop of 2 points, which floating point makes 0.0200000000000000018.
    const decision = decide(withCandidate, against(side(2), paired(880, 900)), policy);
    expect(decision.action).toBe("wait");
  });

  it("is rejected when less accurate by more than rollbackAccuracyDrop", () => {
    const decision = decide(withCandidate, against(side(2), paired(870, 900)), policy);
    expect(decision).toMatchObject({ action: "reject", version: 2 });
    expect(decision.reason).toContain("candidate is less accurate");
  });

  it("waits for minSamples drift samples before promoting", () => {
    const decision = decide(withCandidate, against(side(2, { samples: 199 }), paired(950, 900)), policy);
    expect(decision).toEqual({
      action: "wait",
      version: 2,
      reason: "needs 200 candidate drift samples, has 199",
    });
  });

  it("is rejected when its p50 latency is more than maxLatencyRatio times the active one", () => {
    const decision = decide(withCandidate, against(side(2, { latencyP50: 31 }), paired(950, 900)), policy);
    expect(decision).toEqual({
      action: "reject",
      version: 2,
      reason: "candidate is slower: p50 31.0 ms vs 20.0 ms (ratio 1.55 above 1.5)",
    });
  });

  it("is promoted at exactly maxLatencyRatio", () => {
    const decision = decide(withCandidate, against(side(2, { latencyP50: 30 }), paired(950, 900)), policy);
    expect(decision.action).toBe("promote");
  });

  it("is rejected when it failed more than maxErrorRate of its sampled instances, labels or not", () => {
    // A canary whose every answer fails leaves no prediction records, so no labels ever come.
    const decision = decide(withCandidate, against(side(2, { samples: 150, errors: 150 }), null), policy);
    expect(decision).toEqual({
      action: "reject",
      version: 2,
      reason: "candidate failed to answer 150 of 300 sampled instances (50.0%, above the 1.0% allowed)",
    });
  });

  it("is promoted with an error rate of exactly maxErrorRate", () => {
    const decision = decide(
      withCandidate,
      against(side(2, { samples: 495, errors: 5 }), paired(950, 900)),
      policy,
    );
    expect(decision.action).toBe("promote");
  });

  it("waits without an active version to compare with", () => {
    const decision = decide(withCandidate, evaluation({ active: null, candidate: side(2) }), policy);
    expect(decision).toEqual({ action: "wait", version: 2, reason: "no active version to compare with" });
  });
});

describe("the latency ratio", () => {
  it("counts latencies below latencyFloorMs as the floor", () => {
    expect(latencyRatio(side(2, { latencyP50: 4 }), side(1, { latencyP50: 2 }), policy)).toBe(1);
  });

  it("is null while either side has no latency", () => {
    expect(latencyRatio(side(2, { latencyP50: null }), side(1), policy)).toBeNull();
  });
});

describe("drift of the active version with no candidate", () => {
  const drifted = side(1, { maxPsi: 0.35, drifted: [{ feature: "token_count", psi: 0.35 }] });

  it("raises an alert naming the drifted features", () => {
    expect(decide(state(), evaluation({ active: drifted }), policy)).toEqual({
      action: "alert",
      version: 1,
      features: ["token_count"],
      reason:
        "active version 1 drifted on token_count (PSI 0.350) over 500 samples, above 0.2; no candidate is registered",
    });
  });

  it("raises no alert on fewer than minSamples samples", () => {
    expect(decide(state(), evaluation({ active: { ...drifted, samples: 199 } }), policy).action).toBe("wait");
  });

  it("raises an open alert only once", () => {
    const open = state({ alert: { version: 1, since: iso(NOW - HOUR), features: ["token_count"] } });
    expect(decide(open, evaluation({ active: drifted }), policy).action).toBe("wait");
  });

  it("clears the alert once every PSI is under half the threshold", () => {
    const open = state({ alert: { version: 1, since: iso(NOW - HOUR), features: ["token_count"] } });
    expect(decide(open, evaluation({ active: side(1, { maxPsi: 0.099 }) }), policy)).toEqual({
      action: "alert_cleared",
      version: 1,
      reason: "every drift feature of version 1 is back under PSI 0.1",
    });
  });

  it("keeps the alert open at exactly half the threshold (hysteresis)", () => {
    const open = state({ alert: { version: 1, since: iso(NOW - HOUR), features: ["token_count"] } });
    expect(decide(open, evaluation({ active: side(1, { maxPsi: 0.1 }) }), policy).action).toBe("wait");
  });

  it("raises no alert while a candidate is registered", () => {
    const withCandidate = state({ candidate: candidateState });
    const decision = decide(withCandidate, evaluation({ active: drifted, candidate: side(2) }), policy);
    expect(decision.action).not.toBe("alert");
  });
});
