/**
 * The promotion policy's knobs: what each means and which values it accepts. The vars give their
 * defaults (config.ts), a model's registry state may override any of them, and promotion applies
 * them; all three read this one schema.
 */
import { z } from "zod";

const share = z.number().min(0).max(1);

/** Every knob, without defaults: the shape of a per-model override. */
export const PolicyFields = z.object({
  /** How far back the run reads drift windows and feedback. */
  lookbackHours: z
    .number()
    .positive()
    .max(24 * 30),
  /** Fewest drift samples a version needs before its drift or latency counts. */
  minSamples: z.number().int().nonnegative(),
  /** Fewest labelled predictions each side needs before accuracies are compared (none compares nothing). */
  minFeedback: z.number().int().positive(),
  /** Accuracy gain (candidate minus active) a promotion needs: a negative one would promote a worse model. */
  minAccuracyGain: share,
  /** Largest candidate/active p50 latency ratio a promotion accepts. */
  maxLatencyRatio: z.number().positive(),
  /** Latencies below this count as this much in the ratio. */
  latencyFloorMs: z.number().nonnegative(),
  /** PSI above which a drift feature counts as drifted. */
  driftPsi: z.number().positive(),
  /**
   * Largest rise of a column's share of missing, out-of-range or unseen values over the reference's
   * share before it is a data-quality issue (alerts on the active version, holds a candidate).
   */
  maxQualityShare: share,
  /** How long a promoted version stays on probation (no longer than feedback is read back). */
  probationHours: z
    .number()
    .nonnegative()
    .max(24 * 30),
  /** Accuracy drop that rolls back a promotion on probation and rejects a clearly worse candidate. */
  rollbackAccuracyDrop: share,
  /**
   * Largest share of its sampled instances a version may fail to answer (non-finite outputs, failed
   * runs): a candidate above it is rejected, a version on probation above it rolled back.
   */
  maxErrorRate: share,
});

export const PolicyOverrides = PolicyFields.partial().strict();
export type PolicyOverrides = z.infer<typeof PolicyOverrides>;
export type Policy = z.infer<typeof PolicyFields>;

/** Built-in defaults, the same values wrangler.toml ships with. */
export const DEFAULT_POLICY: Policy = {
  lookbackHours: 24,
  minSamples: 200,
  minFeedback: 100,
  minAccuracyGain: 0.01,
  maxLatencyRatio: 1.5,
  latencyFloorMs: 10,
  driftPsi: 0.2,
  maxQualityShare: 0.05,
  probationHours: 24,
  rollbackAccuracyDrop: 0.02,
  maxErrorRate: 0.01,
};

/** The vars' policy with one model's overrides on top. */
export function effectivePolicy(base: Policy, overrides: PolicyOverrides | undefined): Policy {
  return { ...base, ...(overrides ?? {}) };
}
