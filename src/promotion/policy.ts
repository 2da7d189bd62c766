/**
 * The promotion policy as the scheduled run and the admin API read it: the knobs' schema (core/policy.ts)
 * with the defaults the vars declare (config.ts, parsed once per env) and a model's overrides on top.
 */
import { config } from "../config.js";
import type { Policy } from "../core/policy.js";

export { effectivePolicy, type Policy, PolicyFields, PolicyOverrides } from "../core/policy.js";

/** The policy the POLICY_* vars declare, each knob at its default when its var is absent or refused. */
export function policyFromEnv(env: Env): Policy {
  return config(env).policy;
}

/** The webhook the decisions go to, or null when WEBHOOK_URL is empty or refused. */
export function webhookUrl(env: Env): string | null {
  return config(env).webhookUrl;
}
