/** GET /v1/models and GET /v1/models/{name}: what is deployed, and which version serves. */
import { createRoute, z } from "@hono/zod-openapi";
import type { Manifest } from "../core/manifest.js";
import { FeedbackDataSpec, Lineage, UpdateSpec } from "../core/update-spec.js";
import { listVersions, readManifest } from "../registry/manifests.js";
import { listModelNames, readState } from "../registry/state.js";
import { resourceApp } from "./context.js";
import { ApiError } from "./problem.js";
import { ModelParams, problemResponse, TensorSpecSchema } from "./schemas.js";

const VersionSummary = z
  .object({
    version: z.number().int(),
    createdAt: z.string().optional(),
    bytes: z.number().int().optional(),
    sha256: z.string().optional(),
    inputs: z.array(TensorSpecSchema).optional(),
    outputs: z.array(TensorSpecSchema).optional(),
    labels: z.array(z.string()).optional(),
    /** The input kind (how instances are sent) and the task (the shape of the answer). */
    input: z.string().optional(),
    task: z.string().optional(),
    metrics: z.record(z.string(), z.number()).optional(),
    /** Which version it was made from, how, and on what data. */
    lineage: Lineage.optional(),
    /** What of its predictions' feedback it keeps as training data, and whether it updates online. */
    feedbackData: FeedbackDataSpec.optional(),
    update: UpdateSpec.optional(),
    /** Set when the manifest cannot be read. */
    error: z.string().optional(),
  })
  .openapi("VersionSummary");

const Candidate = z.object({
  version: z.number().int(),
  mode: z.enum(["shadow", "canary"]),
  share: z.number(),
});

const ModelSummary = z
  .object({
    name: z.string(),
    active: z.number().int().nullable(),
    previous: z.array(z.number().int()),
    candidate: Candidate.nullable(),
  })
  .openapi("ModelSummary");

const ModelDetail = ModelSummary.extend({ versions: z.array(VersionSummary) }).openapi("ModelDetail");

const listRoute = createRoute({
  method: "get",
  path: "/",
  operationId: "listModels",
  tags: ["models"],
  summary: "List deployed models",
  responses: {
    200: {
      description: "Models with their active and candidate versions",
      content: {
        "application/json": { schema: z.object({ models: z.array(ModelSummary) }).openapi("ModelList") },
      },
    },
  },
});

const getRoute = createRoute({
  method: "get",
  path: "/{name}",
  operationId: "getModel",
  tags: ["models"],
  summary: "One model: its versions, the active one, and each manifest's summary",
  request: { params: ModelParams },
  responses: {
    200: { description: "The model", content: { "application/json": { schema: ModelDetail } } },
    400: problemResponse("The name is not a model name"),
    404: problemResponse("No such model"),
  },
});

function summarize(manifest: Manifest): z.infer<typeof VersionSummary> {
  return {
    version: manifest.version,
    createdAt: manifest.createdAt,
    bytes: manifest.model.bytes,
    sha256: manifest.model.sha256,
    inputs: manifest.inputs,
    outputs: manifest.outputs,
    labels: manifest.task.kind === "classification" ? manifest.task.labels : undefined,
    input: manifest.input.kind,
    task: manifest.task.kind,
    metrics: manifest.metrics,
    lineage: manifest.lineage,
    feedbackData: manifest.feedbackData,
    update: manifest.update,
  };
}

export const models = resourceApp()
  .openapi(listRoute, async (c) => {
    const names = await listModelNames(c.env.MODELS);
    const states = await Promise.all(names.map((name) => readState(c.env, name)));
    const summaries = states.flatMap((state) =>
      state
        ? [{ name: state.name, active: state.active, previous: state.previous, candidate: state.candidate }]
        : [],
    );
    return c.json({ models: summaries }, 200);
  })
  .openapi(getRoute, async (c) => {
    const { name } = c.req.valid("param");
    const state = await readState(c.env, name);
    if (!state) throw ApiError.notFound(`no model named ${name}`);
    const versions = await listVersions(c.env.MODELS, name);
    const summaries = await Promise.all(
      versions.map(async (version) => {
        try {
          const manifest = await readManifest(c.env.MODELS, name, version);
          return manifest ? summarize(manifest) : { version, error: "manifest is missing" };
        } catch (error) {
          return { version, error: (error as Error).message };
        }
      }),
    );
    return c.json(
      {
        name,
        active: state.active,
        previous: state.previous,
        candidate: state.candidate,
        versions: summaries,
      },
      200,
    );
  });
