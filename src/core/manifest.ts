/**
 * The manifest of one model version: what the Worker needs to verify, feed and explain a model, and
 * what the toolchain records when it publishes one. One schema, read by both.
 */
import { z } from "zod";
import { DriftSpec } from "./drift-features.js";
import { HashedTextSpec } from "./text-features.js";

export const MODEL_NAME = /^[a-z0-9][a-z0-9-]{0,62}$/;

export const TensorDType = z.enum(["float32", "int64", "int32", "int8", "uint8", "bool"]);
export type TensorDType = z.infer<typeof TensorDType>;

export const TensorSpec = z.object({
  name: z.string().min(1),
  dtype: TensorDType,
  /** Fixed sizes as numbers, symbolic ones (e.g. the batch) as names. */
  shape: z.array(z.union([z.number().int().nonnegative(), z.string()])),
});
export type TensorSpec = z.infer<typeof TensorSpec>;

export const Manifest = z.object({
  name: z.string().regex(MODEL_NAME),
  version: z.number().int().positive(),
  createdAt: z.iso.datetime(),
  description: z.string().optional(),
  model: z.object({
    file: z.string().min(1),
    sha256: z.string().regex(/^[0-9a-f]{64}$/),
    bytes: z.number().int().positive(),
  }),
  inputs: z.array(TensorSpec).min(1),
  outputs: z.array(TensorSpec).min(1),
  /** For classifiers: the output holding [batch, classes] probabilities, and the class names. */
  classifier: z
    .object({
      probabilities: z.string().min(1),
      labels: z.array(z.string().min(1)).min(2),
    })
    .optional(),
  /** Raw-feature preprocessing; absent for models that take tensors only. */
  preprocessing: HashedTextSpec.optional(),
  /** Held-out metrics from the toolchain (accuracy, f1, auc, ...), with the split they came from. */
  metrics: z.record(z.string(), z.number()).default({}),
  training: z.record(z.string(), z.unknown()).default({}),
  /** Drift reference profile stored beside the model, if one was built. */
  profile: z.string().optional(),
  /** The features sampled at the edge for drift, and the training vocabulary they need. */
  drift: DriftSpec.optional(),
});
export type Manifest = z.infer<typeof Manifest>;
