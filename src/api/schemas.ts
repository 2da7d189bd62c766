/** Request and response schemas shared by several resources, registered as OpenAPI components. */
import { z } from "@hono/zod-openapi";
import { MODEL_NAME } from "../core/manifest.js";
import { TensorDType } from "../core/tensor.js";

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
