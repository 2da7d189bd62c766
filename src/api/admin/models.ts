/**
 * /v1/admin/models: registering a model's first version (what `vane publish --remote` of a new model
 * calls), and one model's registry state with its effective policy and last scheduled evaluation.
 */

import { createRoute, z } from "@hono/zod-openapi";
import { MODEL_NAME } from "../../core/manifest.js";
import { effectivePolicy, PolicyFields, policyFromEnv } from "../../promotion/policy.js";
import { commitFirst } from "../../registry/audit.js";
import { keys } from "../../registry/keys.js";
import { emptyState, RegistryState, readStateFromR2 } from "../../registry/state.js";
import { registerFirst } from "../../registry/transitions.js";
import { resourceApp } from "../context.js";
import { jsonBody } from "../middleware.js";
import { ApiError } from "../problem.js";
import { ModelParams, problemResponse } from "../schemas.js";
import { ActionResult, actionErrors, committed, Reason, tags, VersionNumber, verifyLoads } from "./action.js";
import { security, unauthorized } from "./guard.js";

const RegisterModelBody = z
  .object({
    name: z.string().regex(MODEL_NAME).openapi({ example: "spam" }),
    version: VersionNumber,
    reason: Reason,
  })
  .strict()
  .openapi("RegisterModel", { example: { name: "spam", version: 1 } });

const registerModelRoute = createRoute({
  method: "post",
  path: "/models",
  operationId: "registerModel",
  tags,
  security,
  summary: "Register a new model with its first version, active at once (verified: it must exist and load)",
  middleware: [jsonBody] as const,
  request: {
    body: { content: { "application/json": { schema: RegisterModelBody } }, required: true },
  },
  responses: {
    201: {
      description: "Registered: the model's first state and its audit record",
      content: { "application/json": { schema: ActionResult } },
    },
    400: actionErrors[400],
    401: unauthorized,
    409: problemResponse("The model is registered already: publish a candidate instead"),
    413: actionErrors[413],
    415: actionErrors[415],
    422: actionErrors[422],
    503: actionErrors[503],
  },
});

const AdminModel = z
  .object({
    model: z.string(),
    state: RegistryState,
    policy: PolicyFields,
    /** What the last scheduled run decided and why; null before the first run. */
    evaluation: z.record(z.string(), z.unknown()).nullable(),
  })
  .openapi("AdminModel");

const getModelRoute = createRoute({
  method: "get",
  path: "/models/{name}",
  operationId: "getAdminModel",
  tags,
  security,
  summary: "A model's registry state, effective policy and last scheduled evaluation",
  request: { params: ModelParams },
  responses: {
    200: { description: "The model", content: { "application/json": { schema: AdminModel } } },
    400: problemResponse("The name is not a model name"),
    401: unauthorized,
    404: problemResponse("No such model"),
  },
});

const alreadyRegistered = (name: string) =>
  new ApiError(409, "Conflict", `model ${name} is registered already: publish a candidate instead`);

export const models = resourceApp()
  .openapi(registerModelRoute, async (c) => {
    const body = c.req.valid("json");
    if (await readStateFromR2(c.env.MODELS, body.name)) throw alreadyRegistered(body.name);
    await verifyLoads(c.env, body.name, body.version);
    const next = registerFirst(emptyState(body.name, new Date().toISOString()), body.version);
    const result = await committed(c, body.name, async (url) => {
      const written = await commitFirst(
        c.env,
        body.name,
        {
          action: "register_model",
          reason: body.reason ?? "requested by an admin",
          version: body.version,
          next,
        },
        { actor: "admin", webhookUrl: url },
      );
      // Another registration got there between the check and the write.
      if (!written) throw alreadyRegistered(body.name);
      return written;
    });
    return c.json(result, 201);
  })
  .openapi(getModelRoute, async (c) => {
    const { name } = c.req.valid("param");
    const current = await readStateFromR2(c.env.MODELS, name);
    if (!current) throw ApiError.notFound(`no model named ${name}`);
    const stored = await c.env.MODELS.get(keys.evaluation(name));
    const evaluation = stored ? await stored.json<Record<string, unknown>>().catch(() => null) : null;
    return c.json(
      {
        model: name,
        state: current.state,
        policy: effectivePolicy(policyFromEnv(c.env), current.state.policy),
        evaluation,
      },
      200,
    );
  });
