/**
 * The Worker's vars (wrangler.toml [vars]), parsed one way: one zod schema per var, once per env
 * object. A var that is absent or empty takes its default; a value the schema refuses takes the
 * default too, with one warning naming the var, so a typo in the configuration never stops serving
 * or the scheduled run, and never goes unnoticed.
 */
import { z } from "zod";
import { DEFAULT_POLICY, type Policy, PolicyFields } from "./core/policy.js";

export interface Limits {
  maxBodyBytes: number;
  maxBatch: number;
  maxTextChars: number;
  maxImagePixels: number;
  sessionCacheBytes: number;
  driftSampleRate: number;
  predictionLogRate: number;
  driftWindowSeconds: number;
  driftRetentionDays: number;
  modelLoadTimeoutMs: number;
}

export interface Config {
  limits: Limits;
  /** The policy's defaults for every model (a model's state may override each knob). */
  policy: Policy;
  /** Where decisions are POSTed; null for none. */
  webhookUrl: string | null;
}

/** The names of the string vars the bindings declare (wrangler types): a typo here does not compile. */
type VarName = { [K in keyof Env]-?: Env[K] extends string | undefined ? K : never }[keyof Env];

/** A var holding a number, checked by `schema`. */
const numberVar = (schema: z.ZodNumber) => z.string().transform(Number).pipe(schema);
const positive = numberVar(z.number().positive());
const positiveInteger = numberVar(z.number().int().positive());
const share = numberVar(z.number().min(0).max(1));

const httpUrl = z
  .string()
  .trim()
  .pipe(z.url({ protocol: /^https?$/, error: "must be an http(s) URL" }))
  .transform((url) => new URL(url).toString());

const LIMIT_VARS = {
  maxBodyBytes: ["MAX_BODY_BYTES", positiveInteger, 1_048_576],
  maxBatch: ["MAX_BATCH", positiveInteger, 64],
  // Preprocessing reads only the first maxChars of a text, so a longer one costs no more: by default a
  // text may be as long as the body limit allows (real mail runs past 200 000 characters).
  maxTextChars: ["MAX_TEXT_CHARS", positiveInteger, 1_048_576],
  maxImagePixels: ["MAX_IMAGE_PIXELS", positiveInteger, 4_194_304],
  sessionCacheBytes: ["SESSION_CACHE_BYTES", positiveInteger, 64 * 1024 * 1024],
  // A tenth: enough samples for the policy at a small cost (the trade-off: docs/drift.md, "Sampling").
  driftSampleRate: ["DRIFT_SAMPLE_RATE", share, 0.1],
  predictionLogRate: ["PREDICTION_LOG_RATE", share, 0.1],
  driftWindowSeconds: ["DRIFT_WINDOW_SECONDS", positiveInteger, 600],
  driftRetentionDays: ["DRIFT_RETENTION_DAYS", positive, 30],
  modelLoadTimeoutMs: ["MODEL_LOAD_TIMEOUT_MS", positive, 10_000],
} as const satisfies Record<keyof Limits, readonly [VarName, z.ZodType<number, string>, number]>;

/** The var that sets each policy knob. */
export const POLICY_VARS = {
  lookbackHours: "POLICY_LOOKBACK_HOURS",
  minSamples: "POLICY_MIN_SAMPLES",
  minFeedback: "POLICY_MIN_FEEDBACK",
  minAccuracyGain: "POLICY_MIN_ACCURACY_GAIN",
  maxLatencyRatio: "POLICY_MAX_LATENCY_RATIO",
  latencyFloorMs: "POLICY_LATENCY_FLOOR_MS",
  driftPsi: "POLICY_DRIFT_PSI",
  maxQualityShare: "POLICY_MAX_QUALITY_SHARE",
  probationHours: "POLICY_PROBATION_HOURS",
  rollbackAccuracyDrop: "POLICY_ROLLBACK_ACCURACY_DROP",
  maxErrorRate: "POLICY_MAX_ERROR_RATE",
} as const satisfies Record<keyof Policy, VarName>;

/** `name`'s value through `schema`, or `fallback` when absent, empty or refused (with a warning). */
function parseVar<T>(env: Env, name: VarName, schema: z.ZodType<T, string>, fallback: T): T {
  const raw = env[name];
  if (raw === undefined || raw.trim() === "") return fallback;
  const parsed = schema.safeParse(raw);
  if (parsed.success) return parsed.data;
  const reason = parsed.error.issues.map((issue) => issue.message).join("; ");
  console.warn(JSON.stringify({ event: "var_refused", var: name, value: raw, reason, using: fallback }));
  return fallback;
}

function parse(env: Env): Config {
  const limits = Object.fromEntries(
    Object.entries(LIMIT_VARS).map(([key, [name, schema, fallback]]) => [
      key,
      parseVar(env, name, schema, fallback),
    ]),
  ) as unknown as Limits;
  const policy = Object.fromEntries(
    (Object.keys(POLICY_VARS) as Array<keyof Policy>).map((key) => [
      key,
      parseVar(env, POLICY_VARS[key], numberVar(PolicyFields.shape[key]), DEFAULT_POLICY[key]),
    ]),
  ) as unknown as Policy;
  const webhookUrl = parseVar<string | null>(env, "WEBHOOK_URL", httpUrl, null);
  return { limits, policy, webhookUrl };
}

/** The env's vars are fixed for its lifetime: each env object is parsed once. */
const parsedByEnv = new WeakMap<Env, Config>();

export function config(env: Env): Config {
  let parsed = parsedByEnv.get(env);
  if (!parsed) {
    parsed = parse(env);
    parsedByEnv.set(env, parsed);
  }
  return parsed;
}

export function limits(env: Env): Limits {
  return config(env).limits;
}
