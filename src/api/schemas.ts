/** Request and response schemas shared by several resources, registered as OpenAPI components. */
import { z } from "@hono/zod-openapi";
import type { Limits } from "../config.js";
import { MODEL_NAME } from "../core/manifest.js";
import { TensorDType } from "../core/tensor.js";
import { ApiError } from "./problem.js";

export const Problem = z
  .object({
    type: z.string(),
    title: z.string(),
    status: z.number().int(),
    detail: z.string(),
    errors: z.array(z.object({ field: z.string(), message: z.string() })).optional(),
    requestId: z.string().optional(),
  })
  .openapi("Problem");

export const problemResponse = (description: string) => ({
  description,
  content: { "application/problem+json": { schema: Problem } },
});

export const ModelParams = z.object({
  name: z
    .string()
    .regex(MODEL_NAME)
    .openapi({ param: { name: "name", in: "path" }, example: "spam" }),
});

/**
 * A whole number in a path or query: decimal digits only (no sign, space, exponent or fraction, which
 * `Number()` would let through), within [min, max] and never past 2^53 - 1.
 */
export function wholeNumber({ min, max = Number.MAX_SAFE_INTEGER }: { min: number; max?: number }) {
  return z
    .string()
    .regex(/^\d{1,16}$/, "a whole number in decimal digits")
    .transform(Number)
    .pipe(z.number().int().min(min).max(max))
    .openapi({ type: "integer", minimum: min, maximum: max });
}

export const VersionParams = ModelParams.extend({
  version: wholeNumber({ min: 1 }).openapi({ param: { name: "version", in: "path" }, example: 1 }),
});

export const TensorSpecSchema = z.object({
  name: z.string(),
  dtype: TensorDType,
  shape: z.array(z.union([z.number(), z.string()])),
});

const UNIT_MS = { m: 60_000, h: 3_600_000, d: 86_400_000 } as const;

/** How far back a drift read looks: `30m`, `24h`, `7d`. */
export const Lookback = z
  .string()
  .regex(/^\d{1,4}[mhd]$/, "a span such as 30m, 24h or 7d")
  .default("24h")
  .openapi({ description: "How far back to look", example: "24h" });

/** `600` seconds as `10m`, `90` as `90s`. */
const formatSeconds = (seconds: number) => (seconds % 60 === 0 ? `${seconds / 60}m` : `${seconds}s`);

/**
 * The span in milliseconds; 400 naming `window` past the retention of drift windows, or shorter than
 * one drift window (it could only be answered with a longer one).
 */
export function lookbackMs(
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
