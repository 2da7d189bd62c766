/**
 * A drift sample: what the edge records about one scored instance. Compact and bounded (no raw text
 * unless the model's drift spec asks for examples), validated on the way into the consumer so a
 * malformed message is counted, not folded.
 */
import { z } from "zod";
import { MAX_EXAMPLE_CHARS } from "../core/drift-features.js";
import { MODEL_NAME } from "../core/manifest.js";

export const SERVING_ROLES = ["active", "fallback", "pinned", "candidate", "shadow"] as const;
export const ServingRole = z.enum(SERVING_ROLES);
export type ServingRole = z.infer<typeof ServingRole>;

/**
 * Why a version could not answer an input that passed the request checks: its outputs were NaN or
 * infinite, or the run itself failed (onnxruntime refused the feeds, outputs of the wrong shape).
 * Counted per version and role, as the error rate the policy reads.
 */
export const ERROR_KINDS = ["non-finite-output", "run-failed"] as const;
export const ErrorKind = z.enum(ERROR_KINDS);
export type ErrorKind = z.infer<typeof ErrorKind>;

/** JSON has no NaN or ±Infinity: a non-finite drift value travels as this marker (see toWire). */
const NON_FINITE = {
  NaN: Number.NaN,
  Infinity: Number.POSITIVE_INFINITY,
  "-Infinity": Number.NEGATIVE_INFINITY,
};
const NonFiniteValue = z
  .object({ nonFinite: z.enum(["NaN", "Infinity", "-Infinity"]) })
  .transform(({ nonFinite }) => NON_FINITE[nonFinite]);

export const DriftSample = z.object({
  model: z.string().regex(MODEL_NAME),
  version: z.number().int().positive(),
  role: ServingRole,
  /** Epoch milliseconds when the prediction was made. */
  time: z.number().int().nonnegative(),
  /** `<request id>#<instance index>`: unique per scored instance, the unit of idempotency. */
  id: z.string().min(1).max(160),
  features: z
    .record(z.string().max(64), z.union([z.number(), z.string().max(64), NonFiniteValue]))
    .refine((features) => Object.keys(features).length <= 32, "at most 32 drift features"),
  label: z.string().max(64).optional(),
  latencyMs: z.number().nonnegative().optional(),
  /** The input text, only for a model whose drift spec asks for examples (cut to its maxChars). */
  text: z.string().max(MAX_EXAMPLE_CHARS).optional(),
  /** Set on an instance the version failed to answer (its features are then empty). */
  error: ErrorKind.optional(),
});
export type DriftSample = z.infer<typeof DriftSample>;
/** A sample as it travels (Queue messages and KV are JSON): what DriftSample parses. */
export type WireSample = z.input<typeof DriftSample>;

/** The sample with its non-finite feature values as markers, so they survive JSON as themselves. */
export function toWire(sample: DriftSample): WireSample {
  const features: WireSample["features"] = {};
  for (const [name, value] of Object.entries(sample.features)) {
    features[name] =
      typeof value === "number" && !Number.isFinite(value)
        ? { nonFinite: Number.isNaN(value) ? "NaN" : value > 0 ? "Infinity" : "-Infinity" }
        : value;
  }
  return { ...sample, features };
}

/** One queue message carries the samples of one predict call (a batch of instances). */
export const SampleMessage = z.object({
  samples: z.array(z.unknown()).min(1).max(256),
});
export type SampleMessage = { samples: WireSample[] };
