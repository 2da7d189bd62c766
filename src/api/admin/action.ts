/**
 * What every admin action shares: its route shape (bearer security, a JSON body behind the body
 * guards, the same answers), the check that a version exists and loads, and the commit through the
 * registry's one audited state writer, exactly as the scheduled run changes state. An action is
 * declared once with adminAction: its route and the change it makes, nothing else.
 */
import { createRoute, z } from "@hono/zod-openapi";
import type { Context } from "hono";
import { checkVersion } from "../../promotion/evaluate.js";
import { webhookUrl } from "../../promotion/policy.js";
import { flushDeliveries } from "../../promotion/webhook.js";
import { type Change, type CommitResult, commit } from "../../registry/audit.js";
import { AuditRecord, RegistryState, type VersionedState } from "../../registry/state.js";
import { type AppEnv, resourceApp } from "../context.js";
import { jsonBody, optionalJsonBody } from "../middleware.js";
import { ApiError } from "../problem.js";
import { ModelParams, problemResponse } from "../schemas.js";
import { security, unauthorized } from "./guard.js";

export const tags = ["admin"];
export const Reason = z
  .string()
  .min(1)
  .max(500)
  .optional()
  .openapi({ description: "Why, for the audit log" });
export const VersionNumber = z.number().int().positive();
/** The body of actions that take nothing but an optional reason. */
export const ReasonBody = z.object({ reason: Reason }).strict().openapi("Reason");

export const ActionResult = z
  .object({ model: z.string(), state: RegistryState, audit: AuditRecord })
  .openapi("AdminActionResult");

/** The answers every action can give besides its success. */
export const actionErrors = {
  400: problemResponse("The body is malformed"),
  401: unauthorized,
  404: problemResponse("No such model"),
  409: problemResponse("The action does not apply to the model's current state"),
  413: problemResponse("The body is over the size limit"),
  415: problemResponse("The body is not JSON"),
  422: problemResponse("The version does not exist or cannot be loaded"),
  503: problemResponse("The state stayed contended or storage failed: nothing changed, send it again"),
};

interface ActionRouteSpec<Body extends z.ZodType> {
  method: "post" | "put" | "delete";
  path: string;
  operationId: string;
  summary: string;
  body: Body;
  /** Actions whose body may be left out take `{}` when it is. */
  bodyRequired: boolean;
}

/** An admin action on one model: `{name}` in the path, a JSON body, the new state and its record back. */
function actionRoute<Body extends z.ZodType>(spec: ActionRouteSpec<Body>) {
  return createRoute({
    method: spec.method,
    path: spec.path,
    operationId: spec.operationId,
    summary: spec.summary,
    tags,
    security,
    middleware: [spec.bodyRequired ? jsonBody : optionalJsonBody] as const,
    request: {
      params: ModelParams,
      body: { content: { "application/json": { schema: spec.body } }, required: spec.bodyRequired },
    },
    responses: {
      200: {
        description: "Done: the new state and its audit record",
        content: { "application/json": { schema: ActionResult } },
      },
      ...actionErrors,
    },
  });
}

interface ReadRouteSpec<Query extends z.ZodObject, Result extends z.ZodType> {
  path: string;
  operationId: string;
  summary: string;
  query: Query;
  /** What the 200 answer holds, and its schema. */
  description: string;
  result: Result;
  notFound: string;
}

/** An admin read of one model: `{name}` in the path, a query, the result or 400, 401, 404. */
export function readRoute<Query extends z.ZodObject, Result extends z.ZodType>(
  spec: ReadRouteSpec<Query, Result>,
) {
  return createRoute({
    method: "get",
    path: spec.path,
    operationId: spec.operationId,
    tags,
    security,
    summary: spec.summary,
    request: { params: ModelParams, query: spec.query },
    responses: {
      200: { description: spec.description, content: { "application/json": { schema: spec.result } } },
      400: problemResponse("Bad name or query"),
      401: unauthorized,
      404: problemResponse(spec.notFound),
    },
  });
}

/**
 * Proves `name@version` exists, loads as serving would load it, and that its stored bytes match its
 * manifest right now; or refuses with 422.
 */
export async function verifyLoads(env: Env, name: string, version: number): Promise<void> {
  const check = await checkVersion(env, name, version, true);
  if (check.ok) return;
  const missing = check.reason === `model ${name} has no version ${version}`;
  throw new ApiError(422, missing ? "No such version" : "Version cannot be loaded", check.reason ?? "");
}

export type Decide = (
  current: VersionedState,
) => Promise<Omit<Change, "action" | "reason">> | Omit<Change, "action" | "reason">;

/** Runs a registry write: 404 without a state, 409 for a change that changes nothing. */
export async function committed(
  c: Context<AppEnv>,
  name: string,
  write: (url: string | null) => Promise<CommitResult | null>,
): Promise<{ model: string; state: RegistryState; audit: AuditRecord }> {
  const url = webhookUrl(c.env);
  // A transition that does not apply throws a ConflictError: onError answers it with 409.
  const result = await write(url);
  if (!result) throw ApiError.notFound(`no model named ${name}`);
  if (!result.committed) throw new ApiError(409, "Conflict", "nothing to change");
  if (url) c.executionCtx.waitUntil(flushDeliveries(c.env, name, url).catch(() => undefined));
  return { model: name, state: result.state, audit: result.record };
}

/** Commits an admin change to an existing model: 404 without a state, 409 when it does not apply. */
async function act(
  c: Context<AppEnv>,
  name: string,
  action: string,
  reason: string | undefined,
  change: Decide,
) {
  const result = await committed(c, name, (url) =>
    commit(
      c.env,
      name,
      async (current) => ({ ...(await change(current)), action, reason: reason ?? "requested by an admin" }),
      { actor: "admin", webhookUrl: url },
    ),
  );
  return c.json(result, 200);
}

interface ActionSpec<Body extends z.ZodType<{ reason?: string }>> extends ActionRouteSpec<Body> {
  /** The audit log's name for the action. */
  action: string;
  /** The change to the model's current state (throw a domain error or ApiError to refuse). */
  change: (request: {
    env: Env;
    name: string;
    body: z.output<Body>;
    current: VersionedState;
  }) => ReturnType<Decide>;
}

/** One admin action as a small app: its route, and the handler that commits its change audited. */
export function adminAction<Body extends z.ZodType<{ reason?: string }>>(spec: ActionSpec<Body>) {
  return resourceApp().openapi(actionRoute(spec), async (c) => {
    // Validated by the route (ModelParams, the body schema): a generic route hides their types.
    const { name } = (c.req.valid as (target: "param") => { name: string })("param");
    const body = (c.req.valid as (target: "json") => z.output<Body>)("json");
    return act(c, name, spec.action, body.reason, (current) =>
      spec.change({ env: c.env, name, body, current }),
    );
  });
}
