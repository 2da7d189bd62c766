/** Request and response schemas shared by several resources, registered as OpenAPI components. */
import { z } from "@hono/zod-openapi";
import { MODEL_NAME, TensorDType } from "../core/manifest.js";

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

export const VersionParams = ModelParams.extend({
  version: z.coerce
    .number()
    .int()
    .positive()
    .openapi({ param: { name: "version", in: "path" }, example: 1 }),
});

export const TensorSpecSchema = z.object({
  name: z.string(),
  dtype: TensorDType,
  shape: z.array(z.union([z.number(), z.string()])),
});
