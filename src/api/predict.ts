/**
 * POST /v1/models/{name}/predict (the serving version answers) and
 * POST /v1/models/{name}/versions/{version}/predict (a pinned version answers).
 * A batch arrives either as raw tensors for any model, or as raw text for models whose manifest
 * declares preprocessing; the shared feature code turns text into exactly the trained features.
 */
import { createRoute, z } from "@hono/zod-openapi";
import type { Context } from "hono";
import { limits } from "../config.js";
import { TensorDType } from "../core/manifest.js";
import { recordSamples } from "../drift/recorder.js";
import { prepareTensors, prepareTexts } from "../serving/inputs.js";
import { classify, tensorOutputs } from "../serving/outputs.js";
import { resolveActive, resolvePinned, runModel, type ServingVersion } from "../serving/predictor.js";
import { type AppEnv, resourceApp } from "./context.js";
import { jsonBody } from "./middleware.js";
import { ModelParams, problemResponse, VersionParams } from "./schemas.js";

const TensorInput = z.object({
  dims: z.array(z.number().int().nonnegative()).max(8),
  data: z.array(z.union([z.number(), z.boolean()])),
  dtype: TensorDType.optional(),
});

const PredictRequest = z
  .object({
    instances: z
      .array(z.object({ text: z.string() }).strict())
      .optional()
      .openapi({ example: [{ text: "Subject: cheap meds, act now!!!" }] }),
    inputs: z.record(z.string(), TensorInput).optional(),
  })
  .strict()
  .refine((body) => (body.instances === undefined) !== (body.inputs === undefined), {
    message: 'send exactly one of "instances" (raw text) or "inputs" (tensors)',
  })
  .openapi("PredictRequest");

const PredictResponse = z
  .object({
    model: z.string(),
    version: z.number().int(),
    role: z.enum(["active", "fallback", "pinned"]),
    requestId: z.string(),
    predictions: z
      .array(z.object({ label: z.string(), probabilities: z.record(z.string(), z.number()) }))
      .optional(),
    outputs: z
      .record(z.string(), z.object({ dims: z.array(z.number()), data: z.array(z.number()) }))
      .optional(),
  })
  .openapi("PredictResponse");

const errorResponses = {
  400: problemResponse("The body is malformed or does not fit the model"),
  404: problemResponse("No such model or version"),
  413: problemResponse("The body is over the size limit"),
  415: problemResponse("The body is not JSON"),
  503: problemResponse("The version cannot be loaded (missing, corrupt or broken)"),
};

const body = { content: { "application/json": { schema: PredictRequest } }, required: true };
const ok = { description: "Predictions", content: { "application/json": { schema: PredictResponse } } };

const predictRoute = createRoute({
  method: "post",
  path: "/{name}/predict",
  tags: ["predict"],
  summary: "Predict with the model's serving version",
  middleware: [jsonBody] as const,
  request: { params: ModelParams, body },
  responses: { 200: ok, ...errorResponses },
});

const pinnedRoute = createRoute({
  method: "post",
  path: "/{name}/versions/{version}/predict",
  tags: ["predict"],
  summary: "Predict with one pinned version",
  middleware: [jsonBody] as const,
  request: { params: VersionParams, body },
  responses: { 200: ok, ...errorResponses },
});

async function answer(
  c: Context<AppEnv>,
  started: number,
  serving: ServingVersion,
  request: z.infer<typeof PredictRequest>,
) {
  const { manifest } = serving;
  const config = limits(c.env);
  const batch = request.instances
    ? prepareTexts(manifest, request.instances, config)
    : prepareTensors(manifest, request.inputs ?? {}, config);
  const outputs = await runModel(c.env, manifest, batch.feeds);
  const predictions = classify(manifest, outputs);
  const requestId = c.get("requestId");
  c.executionCtx.waitUntil(
    recordSamples(c.env, {
      manifest,
      role: serving.role,
      requestId,
      time: started,
      latencyMs: Date.now() - started,
      sampleRate: serving.sampleRate ?? config.driftSampleRate,
      tokens: batch.tokens,
      rows: batch.rows,
      predictions,
    }),
  );
  return c.json(
    {
      model: manifest.name,
      version: manifest.version,
      role: serving.role,
      requestId,
      predictions,
      ...(request.inputs || !manifest.classifier ? { outputs: tensorOutputs(outputs) } : {}),
    },
    200,
  );
}

export const predict = resourceApp()
  .openapi(predictRoute, async (c) => {
    const started = Date.now();
    const { name } = c.req.valid("param");
    const request = c.req.valid("json");
    return answer(c, started, await resolveActive(c.env, name), request);
  })
  .openapi(pinnedRoute, async (c) => {
    const started = Date.now();
    const { name, version } = c.req.valid("param");
    const request = c.req.valid("json");
    return answer(c, started, await resolvePinned(c.env, name, version), request);
  });
