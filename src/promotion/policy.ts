/**
 * The promotion policy: a few declared thresholds, defaulted from wrangler.toml [vars] and overridable
 * per model in its registry state. One zod schema says what each knob is and what values it accepts;
 * a var that does not parse falls back to the built-in default (with a warning), so a typo in the
 * configuration can never stop the scheduled run.
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
  /** How long a promoted version stays on probation (no longer than feedback is read back). */
  probationHours: z
    .number()
    .nonnegative()
    .max(24 * 30),
  /** Accuracy drop that rolls back a promotion on probation and rejects a clearly worse candidate. */
  rollbackAccuracyDrop: share,
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
  probationHours: 24,
  rollbackAccuracyDrop: 0.02,
};

/** The var that sets each knob. */
export const POLICY_VARS: Record<keyof Policy, string> = {
  lookbackHours: "POLICY_LOOKBACK_HOURS",
  minSamples: "POLICY_MIN_SAMPLES",
  minFeedback: "POLICY_MIN_FEEDBACK",
  minAccuracyGain: "POLICY_MIN_ACCURACY_GAIN",
  maxLatencyRatio: "POLICY_MAX_LATENCY_RATIO",
  latencyFloorMs: "POLICY_LATENCY_FLOOR_MS",
  driftPsi: "POLICY_DRIFT_PSI",
  probationHours: "POLICY_PROBATION_HOURS",
  rollbackAccuracyDrop: "POLICY_ROLLBACK_ACCURACY_DROP",
};

/** The policy the vars declare, each knob falling back to its default when absent or invalid. */
export function policyFromEnv(env: Env): Policy {
  const vars = env as unknown as Record<string, unknown>;
  const policy = { ...DEFAULT_POLICY };
  for (const field of Object.keys(POLICY_VARS) as Array<keyof Policy>) {
    const raw = vars[POLICY_VARS[field]];
    if (raw === undefined || raw === "") continue;
    const parsed = PolicyFields.shape[field].safeParse(Number(raw));
    if (parsed.success) policy[field] = parsed.data;
    else {
      console.warn(JSON.stringify({ event: "policy_var_invalid", var: POLICY_VARS[field], value: raw }));
    }
  }
  return policy;
}

/** The vars' policy with one model's overrides on top. */
export function effectivePolicy(base: Policy, overrides: PolicyOverrides | undefined): Policy {
  return { ...base, ...(overrides ?? {}) };
}

/** The webhook the decisions go to, or null when WEBHOOK_URL is empty or not an http(s) URL. */
export function webhookUrl(env: Env): string | null {
  const raw = String((env as unknown as Record<string, unknown>).WEBHOOK_URL ?? "").trim();
  if (raw === "") return null;
  try {
    const url = new URL(raw);
    return url.protocol === "https:" || url.protocol === "http:" ? url.toString() : null;
  } catch {
    console.warn(JSON.stringify({ event: "webhook_url_invalid" }));
    return null;
  }
}
