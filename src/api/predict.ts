/**
 * POST /v1/models/{name}/predict (the serving version answers) and
 * POST /v1/models/{name}/versions/{version}/predict (a pinned version answers).
 * A batch arrives either as tensors (JSON arrays or base64 bytes) for any model, or as instances of
 * the model's input kind (texts, ...), which the kind's shared feature code turns into exactly the
 * trained features; the model's task shapes the answer.
 *
 * A model's candidate takes part as its registry state says: in `canary` mode it answers a sticky
 * share of requests itself (role "candidate"); in `shadow` mode it scores a share of requests after
 * the response, in waitUntil, and only its drift samples and prediction record show it (role
 * "shadow"). A candidate that cannot be loaded never breaks a request.
 */
import { createRoute, z } from "@hono/zod-openapi";
import type { Context } from "hono";
import { type Limits, limits } from "../config.js";
import type { FeatureBatch } from "../core/kinds/kind.js";
import { BODY_MEDIA_TYPES } from "../core/kinds/registry.js";
import { TensorInput } from "../core/kinds/tensors/schema.js";
import { answer, requireFiniteOutputs } from "../core/tasks/answer.js";
import type { ClassPrediction, Prediction } from "../core/tasks/schema.js";
import type { HostTensor } from "../core/tensor.js";
import { recordFailure } from "../drift/error-samples.js";
import { keptInstances } from "../drift/feedback-data.js";
import { logPrediction, type PredictionEntry } from "../drift/predictions.js";
import { recordSamples } from "../drift/recorder.js";
import type { ServingRole } from "../drift/sample.js";
import { isLogged, isSampled } from "../drift/sampling.js";
import { readState } from "../registry/state.js";
import { type PredictBody, prepareBatch } from "../serving/featurizers.js";
import { tensorOutputs } from "../serving/outputs.js";
import {
  candidateRoute,
  loadCandidate,
  resolveActive,
  resolvePinned,
  runModel,
  type ServingVersion,
} from "../serving/predictor.js";
import { type AppEnv, resourceApp } from "./context.js";
import { FEEDBACK_TOKEN_HEADER } from "./feedback-auth.js";
import { mediaType, predictBody } from "./middleware.js";
import { ApiError } from "./problem.js";
import { ModelParams, problemResponse, VersionParams } from "./schemas.js";

const PredictRequest = z
  .object({
    instances: z
      .array(z.record(z.string(), z.unknown()))
      .optional()
      .openapi({
        description: "Instances in the form the model's input kind takes (see the model's `input`)",
        example: [{ text: "Subject: cheap meds, act now!!!" }],
      }),
    inputs: z.record(z.string(), TensorInput).optional(),
  })
  .strict()
  .refine((body) => (body.instances === undefined) !== (body.inputs === undefined), {
    message: 'send exactly one of "instances" (raw text) or "inputs" (tensors)',
  })
  // The refinement, in the document's terms.
  .openapi("PredictRequest", { oneOf: [{ required: ["instances"] }, { required: ["inputs"] }] });

const PredictionSchema = z.union([
  z.object({ label: z.string(), probabilities: z.record(z.string(), z.number()) }),
  z.object({ value: z.number() }),
  z.object({ values: z.array(z.number()) }),
  z.object({ embedding: z.array(z.number()) }),
]);

const PredictResponse = z
  .object({
    model: z.string(),
    version: z.number().int(),
    role: z.enum(["active", "fallback", "pinned", "candidate"]),
    requestId: z.string(),
    predictions: z.array(PredictionSchema).optional(),
    outputs: z
      .record(z.string(), z.object({ dims: z.array(z.number()), data: z.array(z.number()) }))
      .optional(),
  })
  .openapi("PredictResponse");

const errorResponses = {
  400: problemResponse("The body is malformed or does not fit the model"),
  404: problemResponse("No such model or version"),
  413: problemResponse("The body is over the size limit"),
  409: problemResponse("The x-request-id already names a prediction of this model: send a new one"),
  415: problemResponse("The body is neither JSON nor a file type the model takes"),
  422: problemResponse("The model's outputs for this input are not finite numbers"),
  503: problemResponse("The version cannot be loaded (missing, corrupt or broken)"),
};

/** A plain OpenAPI schema, not zod: the validator reads JSON bodies only. */
const imageFile = {
  schema: z
    .string()
    .openapi({ format: "binary", description: "One image, for models whose input kind is image" }),
};
/**
 * Marked optional only so the JSON validator stands aside for file bodies: the body guard requires
 * one of these types, and the handler reads a file body itself.
 */
const body = {
  content: {
    "application/json": { schema: PredictRequest },
    "image/png": imageFile,
    "image/jpeg": imageFile,
  },
  required: false,
};
const ok = {
  description: "Predictions",
  headers: z.object({
    [FEEDBACK_TOKEN_HEADER]: z.string().optional().openapi({
      description: "The token feedback on this prediction must bring (sent when FEEDBACK_SECRET is set)",
    }),
  }),
  content: { "application/json": { schema: PredictResponse } },
};

const predictRoute = createRoute({
  method: "post",
  path: "/{name}/predict",
  operationId: "predict",
  tags: ["predict"],
  summary: "Predict with the model's serving version",
  middleware: [predictBody] as const,
  request: { params: ModelParams, body },
  responses: { 200: ok, ...errorResponses },
});

const pinnedRoute = createRoute({
  method: "post",
  path: "/{name}/versions/{version}/predict",
  operationId: "predictWithVersion",
  tags: ["predict"],
  summary: "Predict with one pinned version",
  middleware: [predictBody] as const,
  request: { params: VersionParams, body },
  responses: { 200: ok, ...errorResponses },
});

/** One version's answer to the request. */
interface Scored {
  serving: ServingVersion;
  batch: FeatureBatch;
  outputs: Record<string, HostTensor>;
  predictions?: Prediction[];
  latencyMs: number;
}

/** Counts a version's failure to answer a request toward its error rate (after the response). */
type CountFailure = (serving: ServingVersion, size: number, error: unknown) => void;

async function score(
  env: Env,
  serving: ServingVersion,
  request: PredictBody,
  config: Limits,
  countFailure: CountFailure,
): Promise<Scored> {
  const started = Date.now();
  const { manifest } = serving;
  const batch = await prepareBatch(env.MODELS, manifest, request, config);
  const field = request.inputs ? "inputs" : request.file ? "body" : "instances";
  try {
    const outputs = await runModel(env, manifest, batch.feeds, field);
    requireFiniteOutputs(outputs, batch.size, `${manifest.name}@${manifest.version}`);
    return {
      serving,
      batch,
      outputs,
      predictions: answer(manifest.task, outputs, batch.size),
      latencyMs: Date.now() - started,
    };
  } catch (error) {
    countFailure(serving, batch.size, error);
    throw error;
  }
}

/** The request's failure counter; a shadow candidate's failures count under role "shadow". */
function failureCounter(c: Context<AppEnv>, started: number, role?: ServingRole): CountFailure {
  return (serving, size, error) =>
    c.executionCtx.waitUntil(
      recordFailure(c.env, {
        manifest: serving.manifest,
        role: role ?? serving.role,
        requestId: c.get("requestId"),
        time: started,
        sampleRate: serving.sampleRate ?? limits(c.env).driftSampleRate,
        size,
        error,
      }),
    );
}

/** What the work after the response needs to know of the request. */
interface Deferred {
  requestId: string;
  started: number;
  latencyMs: number;
  sampleRate: number;
  /** Whether the prediction log keeps this request's answer (decided once, in respond). */
  logged: boolean;
  shadow: (() => Promise<Scored | null>) | null;
  /** The request's instances as sent, for models that keep them as training data. */
  instances: readonly unknown[] | undefined;
}

function samplesFor(scored: Scored, context: Deferred, latencyMs: number) {
  return {
    manifest: scored.serving.manifest,
    role: scored.serving.role,
    requestId: context.requestId,
    time: context.started,
    latencyMs,
    sampleRate: context.sampleRate,
    batch: scored.batch,
    outputs: scored.outputs,
    predictions: scored.predictions,
  };
}

/** The record feedback joins on: what a classifier answered (other tasks take no labels yet). */
function predictionEntry(scored: Scored, role: ServingRole): PredictionEntry | null {
  const classes = scored.predictions?.filter((p): p is ClassPrediction => "label" in p);
  if (!classes || classes.length === 0) return null;
  return {
    version: scored.serving.manifest.version,
    role,
    labels: classes.map((p) => p.label),
    confidence: classes.map((p) => p.probabilities[p.label] ?? 0),
  };
}

/**
 * Everything after the response, in waitUntil: the answer's drift samples, the shadow candidate's
 * scoring and samples, then (for logged requests) the prediction record feedback joins on. Each part
 * swallows its own failures: none of it may fail or slow the prediction.
 */
async function afterResponse(env: Env, answer: Scored, context: Deferred): Promise<void> {
  const { requestId, started } = context;
  const shadowed = async (): Promise<Scored | null> => {
    if (!context.shadow) return null;
    try {
      const scored = await context.shadow();
      if (scored) {
        await recordSamples(env, {
          ...samplesFor(scored, context, scored.latencyMs),
          role: "shadow",
        });
      }
      return scored;
    } catch (error) {
      console.warn(JSON.stringify({ event: "shadow_failed", requestId, message: String(error) }));
      return null;
    }
  };
  const [, shadow] = await Promise.all([
    recordSamples(env, samplesFor(answer, context, context.latencyMs)),
    shadowed(),
  ]);
  if (!context.logged) return;
  const entries = [predictionEntry(answer, answer.serving.role), shadow && predictionEntry(shadow, "shadow")];
  const kept = entries.filter((entry): entry is PredictionEntry => entry !== null);
  if (kept.length === 0) return;
  try {
    await logPrediction(env, {
      model: answer.serving.manifest.name,
      requestId,
      time: started,
      entries: kept,
      kept: keptInstances(answer.serving.manifest, answer.batch, context.instances, requestId, started),
    });
  } catch (error) {
    console.warn(JSON.stringify({ event: "prediction_record_failed", requestId, message: String(error) }));
  }
}

function respond(
  c: Context<AppEnv>,
  started: number,
  answer: Scored,
  request: PredictBody,
  shadow: (() => Promise<Scored | null>) | null = null,
) {
  const { manifest, role } = answer.serving;
  const requestId = c.get("requestId");
  const sampleRate = answer.serving.sampleRate ?? limits(c.env).driftSampleRate;
  const logged = isLogged(requestId, limits(c.env).predictionLogRate);
  // Only a sampled or logged request leaves a trace after the response (a shadow candidate's
  // scoring included: its samples and record are all it is for); the rest cost no deferred work.
  if (logged || isSampled(requestId, sampleRate)) {
    c.executionCtx.waitUntil(
      afterResponse(c.env, answer, {
        requestId,
        started,
        latencyMs: Date.now() - started,
        sampleRate,
        logged,
        shadow,
        instances: request.instances,
      }),
    );
  }
  return c.json(
    {
      model: manifest.name,
      version: manifest.version,
      role,
      requestId,
      predictions: answer.predictions,
      ...(request.inputs || manifest.task.kind === "raw" ? { outputs: tensorOutputs(answer.outputs) } : {}),
    },
    200,
  );
}

/** The caller's stickiness key for canary traffic: `x-vane-key`, else the request id. */
function trafficKey(c: Context<AppEnv>): string {
  const offered = c.req.header("x-vane-key")?.trim();
  return offered && offered.length <= 256 ? offered : c.get("requestId");
}

/** The JSON body as validated (the file types' string schemas are never validated: no JSON is a file). */
type JsonRequest = z.infer<typeof PredictRequest>;

/** The request: the validated JSON body, or the file a file body (an image) carries. */
async function predictRequest(
  c: Context<AppEnv>,
  json: z.infer<typeof PredictRequest>,
): Promise<PredictBody> {
  const type = mediaType(c.req.header("content-type"));
  // The body guard let through JSON or one of these.
  if (!BODY_MEDIA_TYPES.includes(type)) return json;
  return { file: { mediaType: type, bytes: new Uint8Array(await c.req.arrayBuffer()) } };
}

export const predict = resourceApp()
  .openapi(predictRoute, async (c) => {
    const started = Date.now();
    const { name } = c.req.valid("param");
    const request = await predictRequest(c, c.req.valid("json") as JsonRequest);
    const config = limits(c.env);
    const state = await readState(c.env, name);
    if (!state) throw ApiError.notFound(`no model named ${name}`);
    const route = candidateRoute(state, c.get("requestId"), trafficKey(c));
    const countFailure = failureCounter(c, started);
    let answer: Scored | null = null;
    if (route.canary !== null) {
      // A canary candidate that cannot load or run leaves the request to the active version.
      const candidate = await loadCandidate(c.env, state, route.canary);
      if (candidate) {
        answer = await score(c.env, candidate, request, config, countFailure).catch((error: unknown) => {
          console.warn(
            JSON.stringify({ event: "canary_failed", name, version: route.canary, message: String(error) }),
          );
          return null;
        });
      }
    }
    answer ??= await score(c.env, await resolveActive(c.env, name, state), request, config, countFailure);
    const shadowVersion = route.shadow;
    const shadow =
      shadowVersion === null
        ? null
        : async () => {
            // Timed like the answer: from resolving the version to its outputs.
            const began = Date.now();
            const candidate = await loadCandidate(c.env, state, shadowVersion);
            if (!candidate) return null;
            const scored = await score(
              c.env,
              candidate,
              request,
              config,
              failureCounter(c, started, "shadow"),
            );
            return { ...scored, latencyMs: Date.now() - began };
          };
    return respond(c, started, answer, request, shadow);
  })
  .openapi(pinnedRoute, async (c) => {
    const started = Date.now();
    const { name, version } = c.req.valid("param");
    const request = await predictRequest(c, c.req.valid("json") as JsonRequest);
    const serving = await resolvePinned(c.env, name, version);
    const scored = await score(c.env, serving, request, limits(c.env), failureCounter(c, started));
    return respond(c, started, scored, request);
  });
