/**
 * The error-rate rule: a version that fails to answer more than `maxErrorRate` of the sampled
 * instances it is sent (outputs NaN or infinite, runs that fail) is not fit to serve, whatever its
 * accuracy on the rest. decide() rejects such a candidate and rolls back such a version on probation.
 */
import type { Policy } from "../core/policy.js";

/** Sampled instances of one version in one role over the judged period. */
export interface ErrorNumbers {
  answered: number;
  errors: number;
}

/** Rounding allowance, as decide's: a rate equal to the threshold sits on it. */
const ROUNDING = 1e-9;

/**
 * Why the version's error rate is over the policy's, or null when it is not (or not measured yet:
 * under `minSamples` instances sent, and at least one).
 */
export function errorRateExceeded(numbers: ErrorNumbers, policy: Policy): string | null {
  const sent = numbers.answered + numbers.errors;
  if (sent === 0 || sent < policy.minSamples) return null;
  const rate = numbers.errors / sent;
  if (rate <= policy.maxErrorRate + ROUNDING) return null;
  const pct = (x: number) => `${(x * 100).toFixed(1)}%`;
  return `failed to answer ${numbers.errors} of ${sent} sampled instances (${pct(rate)}, above the ${pct(policy.maxErrorRate)} allowed)`;
}
