/**
 * The hashed-text kind's contracts: the manifest spec of its preprocessing, the request instance it
 * takes, and the drift features it measures.
 */
import { z } from "zod";

export const HashedTextSpec = z.object({
  kind: z.literal("hashed-text"),
  /** Name of the model input that receives the [batch, buckets] float32 matrix. */
  input: z.string().min(1),
  /** Width of the hashed feature vector. */
  buckets: z
    .number()
    .int()
    .min(8)
    .max(1 << 20),
  /** Only this many leading characters are tokenized (long mail bodies add little but cost CPU). */
  maxChars: z.number().int().positive(),
  /** Term weighting before normalisation: log(1 + count) damps repeated tokens. */
  weighting: z.enum(["log1p", "count", "binary"]),
  /** Sign each bucket contribution by a second hash bit, so collisions cancel instead of pile up. */
  signed: z.boolean(),
  normalize: z.enum(["l2", "none"]),
});
export type HashedTextSpec = z.infer<typeof HashedTextSpec>;

export const TextInstance = z.object({ text: z.string() }).strict();
export type TextInstance = z.infer<typeof TextInstance>;

export const HashedTextDriftFeatures = [
  /** Number of tokens in the text. */
  z.object({ kind: z.literal("token-count"), name: z.string() }),
  /** Share of the tokens not in the training vocabulary (needs the drift spec's `vocabulary`). */
  z.object({ kind: z.literal("unseen-token-share"), name: z.string() }),
  /** The value of one hashed feature, chosen for being informative in training. */
  z.object({ kind: z.literal("feature-value"), name: z.string(), index: z.number().int().nonnegative() }),
] as const;
export type HashedTextDriftFeature = z.infer<(typeof HashedTextDriftFeatures)[number]>;
