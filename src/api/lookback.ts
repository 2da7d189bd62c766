/**
 * The span a drift read covers. Drift is kept in windows of DRIFT_WINDOW_SECONDS that are read whole,
 * so a read of the last `window` covers the windows starting within it: from the first window start
 * at or after `now - window`, until now. Both routes that read windows answer with that span.
 */
import { z } from "@hono/zod-openapi";
import { type Limits, limits } from "../config.js";
import { firstWindowFrom } from "../drift/window-format.js";
import { type RegistryState, readState } from "../registry/state.js";
import { ApiError } from "./problem.js";

const UNIT_MS = { m: 60_000, h: 3_600_000, d: 86_400_000 } as const;

/** Spans from 1m to 30 days (the default DRIFT_RETENTION_DAYS): 43200m, 720h, 30d at most. */
const LOOKBACK_PATTERN =
  "^(?:(?:[1-9]\\d{0,3}|[1-3]\\d{4}|4[0-2]\\d{3}|43[01]\\d{2}|43200)m|(?:[1-9]\\d?|[1-6]\\d{2}|7[01]\\d|720)h|(?:[1-9]|[12]\\d|30)d)$";

/**
 * How far back a drift read looks: `30m`, `24h`, `7d`. The server takes any span up to the retention
 * (checked in `lookbackMs`); the document states the span the default retention keeps.
 */
export const Lookback = z
  .string()
  .regex(/^\d{1,5}[mhd]$/, "a span such as 30m, 24h or 7d")
  .default("24h")
  .openapi({
    description:
      "How far back to look, at most the DRIFT_RETENTION_DAYS windows are kept (30 days by default)",
    pattern: LOOKBACK_PATTERN,
    example: "24h",
  });

/** `600` seconds as `10m`, `90` as `90s`. */
const formatSeconds = (seconds: number) => (seconds % 60 === 0 ? `${seconds / 60}m` : `${seconds}s`);

/**
 * The span in milliseconds; 400 naming `window` past the retention of drift windows, or shorter than
 * one drift window (it could only be answered with a longer one).
 */
function lookbackMs(
  window: string,
  limits: Pick<Limits, "driftRetentionDays" | "driftWindowSeconds">,
): number {
  const span = Number(window.slice(0, -1)) * UNIT_MS[window.at(-1) as keyof typeof UNIT_MS];
  if (span > limits.driftRetentionDays * UNIT_MS.d) {
    throw ApiError.badRequest("window", `windows are kept for ${limits.driftRetentionDays} days`);
  }
  if (span < limits.driftWindowSeconds * 1000) {
    const size = formatSeconds(limits.driftWindowSeconds);
    throw ApiError.badRequest("window", `drift is kept in windows of ${size}: ask for ${size} or more`);
  }
  return span;
}

export interface LookbackRead {
  state: RegistryState;
  /** Start of the first window read, epoch ms. */
  from: number;
  until: number;
  windowSeconds: number;
}

/** The model's state and the span of whole windows a read of `window` covers; 404 without the model. */
export async function lookbackRead(env: Env, name: string, window: string): Promise<LookbackRead> {
  const windowSeconds = limits(env).driftWindowSeconds;
  const spanMs = lookbackMs(window, limits(env));
  const state = await readState(env, name);
  if (!state) throw ApiError.notFound(`no model named ${name}`);
  const until = Date.now();
  return { state, from: firstWindowFrom(until - spanMs, windowSeconds), until, windowSeconds };
}
