/** Tunables from wrangler.toml [vars], parsed once per request into numbers with safe fallbacks. */
export interface Limits {
  maxBodyBytes: number;
  maxBatch: number;
  maxTextChars: number;
  sessionCacheBytes: number;
  driftSampleRate: number;
  driftWindowSeconds: number;
  driftRetentionDays: number;
  modelLoadTimeoutMs: number;
}

function positive(value: string | undefined, fallback: number): number {
  const parsed = Number(value);
  return Number.isFinite(parsed) && parsed > 0 ? parsed : fallback;
}

function share(value: string | undefined, fallback: number): number {
  const parsed = Number(value);
  return Number.isFinite(parsed) && parsed >= 0 && parsed <= 1 ? parsed : fallback;
}

export function limits(env: Env): Limits {
  return {
    maxBodyBytes: positive(env.MAX_BODY_BYTES, 1_048_576),
    maxBatch: positive(env.MAX_BATCH, 64),
    maxTextChars: positive(env.MAX_TEXT_CHARS, 100_000),
    sessionCacheBytes: positive(env.SESSION_CACHE_BYTES, 64 * 1024 * 1024),
    driftSampleRate: share(env.DRIFT_SAMPLE_RATE, 1),
    driftWindowSeconds: positive(env.DRIFT_WINDOW_SECONDS, 600),
    driftRetentionDays: positive(env.DRIFT_RETENTION_DAYS, 30),
    modelLoadTimeoutMs: positive(env.MODEL_LOAD_TIMEOUT_MS, 10_000),
  };
}
