/**
 * The promotion decision, as a pure function of the registry state, the numbers measured for it and
 * the policy. One decision per call; the scheduled run applies it, then asks again on the new state
 * (so one run can, say, end a probation and then alert).
 *
 * In order:
 *  1. The active version fails to load: `active_unavailable`, once per version (serving already falls
 *     back); it loads again: `active_recovered`.
 *  2. A version on probation whose live accuracy is below the accuracy of the version it replaced (on
 *     the predictions before the promotion) by more than `rollbackAccuracyDrop`: `rollback`. A
 *     version on probation whose error rate since the promotion is above `maxErrorRate`: `rollback`.
 *     A probation past `probationHours`: `probation_passed`.
 *  3. A candidate that fails to load (missing, checksum, runtime): `reject`, never promoted.
 *  4. While pinned or on probation, nothing is promoted or rejected on its numbers: `wait`.
 *  5. A candidate whose error rate over the period is above `maxErrorRate`: `reject` (it may have
 *     no labels at all: its failures leave none). Candidate vs active, once each has `minFeedback`
 *     labels over the same period: candidate less
 *     accurate by more than `rollbackAccuracyDrop`: `reject`. With `minSamples` drift samples too:
 *     p50 latency ratio above `maxLatencyRatio`: `reject`; accuracy gain of at least
 *     `minAccuracyGain`: `promote`. Otherwise `wait`.
 *     A candidate with a data-quality failure (a drift feature with no finite value in the period,
 *     or a column's share of missing, out-of-range or unseen values above the reference's by more
 *     than `maxQualityShare`, see quality.ts) is never promoted: `wait` until it clears.
 *  6. No candidate, and the active version drifted (PSI above `driftPsi` on any feature, with
 *     `minSamples` samples) or has a data-quality failure (whatever the samples: one window of
 *     nothing but NaN is already a broken input): `alert`, once; `alert_cleared` when every PSI is
 *     back under half the threshold (hysteresis, so a feature near the threshold does not flap) and
 *     no data-quality failure is left.
 */
import type { Accuracy } from "../drift/feedback.js";
import type { RegistryState } from "../registry/state.js";
import { type ErrorNumbers, errorRateExceeded } from "./error-rate.js";
import type { Policy } from "./policy.js";

export interface LoadCheck {
  ok: boolean;
  /** Why it cannot be loaded (missing, checksum, runtime), null when it loads. */
  reason: string | null;
}

export interface SideNumbers {
  version: number;
  load: LoadCheck;
  /** Drift samples of the side's roles in the period (instances answered). */
  samples: number;
  /** Sampled instances of the side's roles in the period that it failed to answer. */
  errors: number;
  latencyP50: number | null;
  feedback: Accuracy;
  /** Highest PSI over the drift features, null without data. */
  maxPsi: number | null;
  /** Features whose PSI is above the policy threshold. */
  drifted: Array<{ feature: string; psi: number }>;
  /** Features with values in the period but none finite (DataQualityFailure), or whose quality shares rose (quality.ts). */
  dataQuality: DataQualityIssue[];
}

export interface DataQualityIssue {
  feature: string;
  reason: string;
}

export interface ProbationNumbers {
  version: number;
  replaced: number | null;
  /** The promoted version's accuracy on predictions since its promotion. */
  live: Accuracy;
  /** The replaced version's accuracy on predictions in the lookback before the promotion. */
  baseline: Accuracy | null;
  /** The promoted version's sampled instances as active since its promotion: answered and failed. */
  served: ErrorNumbers;
  replacedLoad: LoadCheck | null;
}

/**
 * Candidate and active accuracy over the same period. A shadow candidate is compared on exactly the
 * requests it shadowed (`paired`: the same labelled instances, scored by both); a canary answers other
 * requests than the active version, so it is compared with the active version's labelled answers
 * since the candidate was registered (`unpaired`, from the exact registration time).
 */
export interface Comparison {
  basis: "paired" | "unpaired";
  candidate: { labels: number; accuracy: number | null; meanConfidence: number | null };
  active: { labels: number; accuracy: number | null };
}

export interface Evaluation {
  /** Epoch ms of the run. */
  now: number;
  /** Start of the comparison period, epoch ms. */
  since: number;
  active: SideNumbers | null;
  candidate: SideNumbers | null;
  comparison: Comparison | null;
  probation: ProbationNumbers | null;
}

export type Decision =
  | { action: "active_unavailable"; version: number; reason: string }
  | { action: "active_recovered"; version: number; reason: string }
  | { action: "rollback"; version: number; restore: number; reason: string }
  | { action: "probation_passed"; version: number; reason: string }
  | { action: "reject"; version: number; reason: string }
  | { action: "promote"; version: number; reason: string }
  | { action: "alert"; version: number; features: string[]; reason: string }
  | { action: "alert_cleared"; version: number; reason: string }
  | { action: "wait"; version: number | null; reason: string };

const pct = (x: number | null) => (x === null ? "n/a" : `${(x * 100).toFixed(1)}%`);

/**
 * Accuracies are ratios of counts: 0.90 - 0.88 is 0.0200000000000000018 in floating point. A margin
 * equal to its threshold must sit on the threshold, so comparisons allow this much rounding.
 */
const ROUNDING = 1e-9;
const above = (x: number, threshold: number) => x > threshold + ROUNDING;
const atLeast = (x: number, threshold: number) => x >= threshold - ROUNDING;

export function decide(state: RegistryState, evaluation: Evaluation, policy: Policy): Decision {
  const { active, candidate, probation } = evaluation;

  // 1. The active version's availability.
  if (active && state.active === active.version) {
    if (!active.load.ok && state.activeUnavailable?.version !== active.version) {
      return {
        action: "active_unavailable",
        version: active.version,
        reason: `active version ${active.version} cannot be loaded (${active.load.reason}); serving falls back`,
      };
    }
    if (active.load.ok && state.activeUnavailable) {
      return {
        action: "active_recovered",
        version: active.version,
        reason: `active version ${active.version} loads again`,
      };
    }
  }

  // 2. Probation.
  if (!state.pinned && state.probation && probation && probation.version === state.active) {
    const { live, baseline } = probation;
    const measured =
      live.accuracy !== null &&
      baseline?.accuracy != null &&
      live.labels >= policy.minFeedback &&
      baseline.labels >= policy.minFeedback;
    if (measured && probation.replaced !== null && probation.replacedLoad?.ok) {
      const drop = (baseline.accuracy as number) - (live.accuracy as number);
      if (above(drop, policy.rollbackAccuracyDrop)) {
        return {
          action: "rollback",
          version: probation.version,
          restore: probation.replaced,
          reason:
            `live accuracy of version ${probation.version} is ${pct(live.accuracy)} on ${live.labels} labels, ` +
            `${pct(drop)} below version ${probation.replaced}'s ${pct(baseline.accuracy)} on ${baseline.labels} ` +
            `(more than the ${pct(policy.rollbackAccuracyDrop)} allowed)`,
        };
      }
    }
    const failing = errorRateExceeded(probation.served, policy);
    if (failing && probation.replaced !== null && probation.replacedLoad?.ok) {
      return {
        action: "rollback",
        version: probation.version,
        restore: probation.replaced,
        reason: `version ${probation.version} ${failing} since its promotion`,
      };
    }
    const endsAt = Date.parse(state.probation.promotedAt) + policy.probationHours * 3_600_000;
    if (evaluation.now >= endsAt) {
      return {
        action: "probation_passed",
        version: probation.version,
        reason: `version ${probation.version} kept its accuracy for ${policy.probationHours} h of probation`,
      };
    }
  }

  // 3. A candidate that cannot load is never promoted.
  if (state.candidate && candidate && candidate.version === state.candidate.version && !candidate.load.ok) {
    return {
      action: "reject",
      version: candidate.version,
      reason: `candidate version ${candidate.version} cannot be loaded: ${candidate.load.reason}`,
    };
  }

  // 4. Hands off.
  if (state.candidate && state.pinned) {
    return { action: "wait", version: state.candidate.version, reason: `pinned to version ${state.active}` };
  }
  if (state.candidate && state.probation) {
    return {
      action: "wait",
      version: state.candidate.version,
      reason: `version ${state.probation.version} is on probation`,
    };
  }

  // 5. Candidate against active.
  if (state.candidate && candidate) {
    return compare(candidate, active, evaluation.comparison, policy);
  }

  // 6. Drift or broken data of the active version with no candidate to replace it.
  if (!state.candidate && active && state.active === active.version) {
    const open = state.alert?.version === active.version;
    const measured = active.samples >= policy.minSamples;
    const drifted = measured ? active.drifted : [];
    if (!open && (drifted.length > 0 || active.dataQuality.length > 0)) {
      const reasons = [
        ...(drifted.length > 0
          ? [
              `drifted on ${drifted
                .map((d) => `${d.feature} (PSI ${d.psi.toFixed(3)})`)
                .join(", ")} over ${active.samples} samples, above ${policy.driftPsi}`,
            ]
          : []),
        ...active.dataQuality.map((d) => `has a data-quality failure on ${d.feature} (${d.reason})`),
      ];
      return {
        action: "alert",
        version: active.version,
        features: [...drifted.map((d) => d.feature), ...active.dataQuality.map((d) => d.feature)],
        reason: `active version ${active.version} ${reasons.join(" and ")}; no candidate is registered`,
      };
    }
    if (
      open &&
      measured &&
      active.dataQuality.length === 0 &&
      active.maxPsi !== null &&
      active.maxPsi < policy.driftPsi / 2
    ) {
      return {
        action: "alert_cleared",
        version: active.version,
        reason: `every drift feature of version ${active.version} is back under PSI ${policy.driftPsi / 2}`,
      };
    }
  }
  return { action: "wait", version: state.candidate?.version ?? null, reason: "nothing to decide" };
}

function compare(
  candidate: SideNumbers,
  active: SideNumbers | null,
  comparison: Comparison | null,
  policy: Policy,
): Decision {
  const version = candidate.version;
  const wait = (reason: string): Decision => ({ action: "wait", version, reason });
  const failing = errorRateExceeded({ answered: candidate.samples, errors: candidate.errors }, policy);
  if (failing) return { action: "reject", version, reason: `candidate ${failing}` };
  if (!active || !comparison) return wait("no active version to compare with");
  const c = comparison.candidate;
  const a = comparison.active;
  if (
    c.labels < policy.minFeedback ||
    a.labels < policy.minFeedback ||
    c.accuracy === null ||
    a.accuracy === null
  ) {
    return wait(
      `needs ${policy.minFeedback} labels on each side: candidate has ${c.labels}, active has ${a.labels}`,
    );
  }
  const gain = c.accuracy - a.accuracy;
  const accuracies =
    comparison.basis === "paired"
      ? `candidate ${pct(c.accuracy)} vs active ${pct(a.accuracy)} on the same ${c.labels} labelled requests`
      : `candidate ${pct(c.accuracy)} on ${c.labels} labels vs active ${pct(a.accuracy)} on ${a.labels}`;
  if (above(-gain, policy.rollbackAccuracyDrop)) {
    return {
      action: "reject",
      version,
      reason: `candidate is less accurate: ${accuracies} (more than ${pct(policy.rollbackAccuracyDrop)} worse)`,
    };
  }
  if (candidate.samples < policy.minSamples) {
    return wait(`needs ${policy.minSamples} candidate drift samples, has ${candidate.samples}`);
  }
  const ratio = latencyRatio(candidate, active, policy);
  if (ratio !== null && above(ratio, policy.maxLatencyRatio)) {
    return {
      action: "reject",
      version,
      reason:
        `candidate is slower: p50 ${candidate.latencyP50?.toFixed(1)} ms vs ${active.latencyP50?.toFixed(1)} ms ` +
        `(ratio ${ratio.toFixed(2)} above ${policy.maxLatencyRatio})`,
    };
  }
  if (candidate.dataQuality.length > 0) {
    return wait(
      `held: data-quality failure on ${candidate.dataQuality
        .map((d) => `${d.feature} (${d.reason})`)
        .join(", ")}`,
    );
  }
  if (atLeast(gain, policy.minAccuracyGain)) {
    return {
      action: "promote",
      version,
      reason: `${accuracies}: gain of ${pct(gain)} meets the ${pct(policy.minAccuracyGain)} required, over ${candidate.samples} samples`,
    };
  }
  return wait(`${accuracies}: gain of ${pct(gain)} is below the ${pct(policy.minAccuracyGain)} required`);
}

/** Candidate p50 over active p50, each at least the floor; null when either has no latency yet. */
export function latencyRatio(candidate: SideNumbers, active: SideNumbers, policy: Policy): number | null {
  if (candidate.latencyP50 === null || active.latencyP50 === null) return null;
  const floor = Math.max(policy.latencyFloorMs, 1e-9);
  return Math.max(candidate.latencyP50, floor) / Math.max(active.latencyP50, floor);
}
