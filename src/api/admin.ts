/**
 * /v1/admin: the operator's hand on the registry. Every route sits behind one bearer-token middleware
 * (the ADMIN_TOKEN secret, compared in constant time), so nothing answers without the token, not even
 * a 404. Every action goes through the same conditional state writer and transitions as the scheduled
 * run, and leaves an audit record with actor "admin".
 */
import { createRoute, z } from "@hono/zod-openapi";
import type { Context, MiddlewareHandler } from "hono";
import { checkVersion } from "../promotion/evaluate.js";
import {
  effectivePolicy,
  PolicyFields,
  PolicyOverrides,
  policyFromEnv,
  webhookUrl,
} from "../promotion/policy.js";
import { evaluationKey } from "../promotion/scheduler.js";
import { flushDeliveries } from "../promotion/webhook.js";
import { AUDIT_ID, type Change, commit, listAudit } from "../registry/audit.js";
import { keys } from "../registry/keys.js";
import {
  AuditRecord,
  CandidateState,
  RegistryState,
  readStateFromR2,
  type VersionedState,
} from "../registry/state.js";
import {
  dropCandidate,
  pin,
  promote,
  registerCandidate,
  rollback,
  setCandidateTraffic,
  setPolicy,
  unpin,
} from "../registry/transitions.js";
import { type AppEnv, resourceApp } from "./context.js";
import { jsonBody } from "./middleware.js";
import { ApiError, problem } from "./problem.js";
import { ModelParams, problemResponse } from "./schemas.js";

async function sha256(text: string): Promise<Uint8Array> {
  return new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text)));
}

/**
 * Compares the SHA-256 digests of both tokens, so neither the length nor the content of the secret
 * shows in the timing: workerd's timingSafeEqual when present, else an XOR over all 32 bytes.
 */
export async function tokensMatch(given: string, expected: string): Promise<boolean> {
  const [a, b] = await Promise.all([sha256(given), sha256(expected)]);
  const subtle = crypto.subtle as SubtleCrypto & {
    timingSafeEqual?: (x: Uint8Array, y: Uint8Array) => boolean;
  };
  if (typeof subtle.timingSafeEqual === "function") return subtle.timingSafeEqual(a, b);
  let difference = 0;
  for (let i = 0; i < a.length; i++) difference |= a[i] ^ b[i];
  return difference === 0;
}

const BEARER = /^Bearer[ \t]+([^\s]+)[ \t]*$/i;

/** 401 (with `www-authenticate: Bearer`) unless the request carries the admin token. */
export const requireAdmin: MiddlewareHandler<AppEnv> = async (c, next) => {
  const expected = c.env.ADMIN_TOKEN;
  const match = BEARER.exec(c.req.header("authorization") ?? "");
  // Always hash and compare (against a dummy when unset), so an unset token is not faster to find.
  const ok = match !== null && (await tokensMatch(match[1], expected ?? "")) && Boolean(expected);
  if (!ok) {
    const response = problem(
      c,
      new ApiError(
        401,
        "Unauthorized",
        "the admin API needs a valid bearer token (Authorization: Bearer <token>)",
      ),
    );
    response.headers.set("www-authenticate", 'Bearer realm="vane-admin"');
    return response;
  }
  await next();
};

export const security = [{ adminToken: [] }];
export const unauthorized = problemResponse("Missing or wrong bearer token");
const tags = ["admin"];
const Reason = z.string().min(1).max(500).optional().openapi({ description: "Why, for the audit log" });
const VersionNumber = z.number().int().positive();

const ActionResponse = z
  .object({ model: z.string(), state: RegistryState, audit: AuditRecord })
  .openapi("AdminActionResult");

const actionResponses = {
  200: {
    description: "Done: the new state and its audit record",
    content: { "application/json": { schema: ActionResponse } },
  },
  400: problemResponse("The body is malformed"),
  401: unauthorized,
  404: problemResponse("No such model"),
  409: problemResponse("The action does not apply to the model's current state"),
  422: problemResponse("The version does not exist or cannot be loaded"),
};

const jsonContent = <T extends z.ZodType>(schema: T, required: boolean) => ({
  content: { "application/json": { schema } },
  required,
});

const ModelDetail = z
  .object({
    model: z.string(),
    state: RegistryState,
    policy: PolicyFields,
    evaluation: z.record(z.string(), z.unknown()).nullable(),
  })
  .openapi("AdminModel");

const getModelRoute = createRoute({
  method: "get",
  path: "/models/{name}",
  tags,
  security,
  summary: "A model's registry state, effective policy and last scheduled evaluation",
  request: { params: ModelParams },
  responses: {
    200: { description: "The model", content: { "application/json": { schema: ModelDetail } } },
    401: unauthorized,
    404: problemResponse("No such model"),
  },
});

const RegisterBody = z
  .object({
    version: VersionNumber,
    mode: CandidateState.shape.mode.default("shadow"),
    share: z.number().min(0).max(1).default(0.1),
    reason: Reason,
  })
  .strict()
  .openapi("RegisterCandidate", { example: { version: 2, mode: "shadow", share: 1 } });

const registerRoute = createRoute({
  method: "post",
  path: "/models/{name}/candidate",
  tags,
  security,
  summary: "Register a candidate version (verified: it must exist and load)",
  middleware: [jsonBody] as const,
  request: { params: ModelParams, body: jsonContent(RegisterBody, true) },
  responses: actionResponses,
});

const TrafficBody = z
  .object({
    mode: CandidateState.shape.mode.optional(),
    share: z.number().min(0).max(1).optional(),
    reason: Reason,
  })
  .strict()
  .refine((body) => body.mode !== undefined || body.share !== undefined, {
    message: 'send "mode", "share" or both',
  })
  .openapi("CandidateTraffic", { example: { mode: "canary", share: 0.05 } });

const trafficRoute = createRoute({
  method: "put",
  path: "/models/{name}/candidate",
  tags,
  security,
  summary: "Change the candidate's mode (shadow or canary) and traffic share",
  middleware: [jsonBody] as const,
  request: { params: ModelParams, body: jsonContent(TrafficBody, true) },
  responses: actionResponses,
});

const ReasonBody = z.object({ reason: Reason }).strict();

const withdrawRoute = createRoute({
  method: "delete",
  path: "/models/{name}/candidate",
  tags,
  security,
  summary: "Withdraw the candidate",
  request: { params: ModelParams, body: jsonContent(ReasonBody, false) },
  responses: actionResponses,
});

const PromoteBody = z
  .object({
    version: VersionNumber.optional().openapi({ description: "Default: the candidate" }),
    reason: Reason,
  })
  .strict()
  .openapi("Promote");

const promoteRoute = createRoute({
  method: "post",
  path: "/models/{name}/promote",
  tags,
  security,
  summary: "Promote the candidate (or a given version) to active, on probation",
  request: { params: ModelParams, body: jsonContent(PromoteBody, false) },
  responses: actionResponses,
});

const rollbackRoute = createRoute({
  method: "post",
  path: "/models/{name}/rollback",
  tags,
  security,
  summary: "Restore the version the last promotion replaced (or the most recent previous one)",
  request: { params: ModelParams, body: jsonContent(ReasonBody, false) },
  responses: actionResponses,
});

const PinBody = z
  .object({ version: VersionNumber, reason: Reason })
  .strict()
  .openapi("Pin", { example: { version: 1 } });

const pinRoute = createRoute({
  method: "post",
  path: "/models/{name}/pin",
  tags,
  security,
  summary: "Make a version active without probation and keep the scheduler from changing it",
  middleware: [jsonBody] as const,
  request: { params: ModelParams, body: jsonContent(PinBody, true) },
  responses: actionResponses,
});

const unpinRoute = createRoute({
  method: "post",
  path: "/models/{name}/unpin",
  tags,
  security,
  summary: "Hand the model back to the scheduler",
  request: { params: ModelParams, body: jsonContent(ReasonBody, false) },
  responses: actionResponses,
});

const PolicyBody = z
  .object({ policy: PolicyOverrides, reason: Reason })
  .strict()
  .openapi("PolicyOverrides", { example: { policy: { minFeedback: 50, minAccuracyGain: 0.02 } } });

const policyRoute = createRoute({
  method: "put",
  path: "/models/{name}/policy",
  tags,
  security,
  summary: "Replace the model's policy overrides (an empty object restores the defaults)",
  middleware: [jsonBody] as const,
  request: { params: ModelParams, body: jsonContent(PolicyBody, true) },
  responses: actionResponses,
});

const AuditQuery = z.object({
  limit: z.coerce.number().int().min(1).max(100).default(20),
  cursor: z.string().regex(AUDIT_ID, "a cursor from a previous page").optional(),
});

const auditRoute = createRoute({
  method: "get",
  path: "/models/{name}/audit",
  tags,
  security,
  summary: "The model's audit log, newest first",
  request: { params: ModelParams, query: AuditQuery },
  responses: {
    200: {
      description: "One page of records; pass `cursor` back for older ones",
      content: {
        "application/json": {
          schema: z
            .object({ model: z.string(), records: z.array(AuditRecord), cursor: z.string().nullable() })
            .openapi("AuditPage"),
        },
      },
    },
    400: problemResponse("Bad query"),
    401: unauthorized,
    404: problemResponse("No such model"),
  },
});

/**
 * Proves `name@version` exists, loads as serving would load it, and that its stored bytes match its
 * manifest right now; or refuses with 422.
 */
async function verifyLoads(env: Env, name: string, version: number): Promise<void> {
  const check = await checkVersion(env, name, version, true);
  if (check.ok) return;
  const missing = check.reason === `model ${name} has no version ${version}`;
  throw new ApiError(422, missing ? "No such version" : "Version cannot be loaded", check.reason ?? "");
}

/** Commits an admin change: 404 without a state, 409 when the transition does not apply. */
async function act(
  c: Context<AppEnv>,
  name: string,
  action: string,
  reason: string | undefined,
  change: (
    current: VersionedState,
  ) => Promise<Omit<Change, "action" | "reason">> | Omit<Change, "action" | "reason">,
) {
  const url = webhookUrl(c.env);
  // A transition that does not apply throws a ConflictError: onError answers it with 409.
  const result = await commit(
    c.env,
    name,
    async (current) => ({ ...(await change(current)), action, reason: reason ?? "requested by an admin" }),
    { actor: "admin", webhookUrl: url },
  );
  if (!result) throw ApiError.notFound(`no model named ${name}`);
  if (!result.committed) throw new ApiError(409, "Conflict", "nothing to change");
  if (url) c.executionCtx.waitUntil(flushDeliveries(c.env, name, url).catch(() => undefined));
  return c.json({ model: name, state: result.state, audit: result.record }, 200);
}

const admin = resourceApp();
admin.use("*", requireAdmin);
admin.openAPIRegistry.registerComponent("securitySchemes", "adminToken", {
  type: "http",
  scheme: "bearer",
  description: "The ADMIN_TOKEN secret",
});

export const adminApp = admin
  .openapi(getModelRoute, async (c) => {
    const { name } = c.req.valid("param");
    const current = await readStateFromR2(c.env.MODELS, name);
    if (!current) throw ApiError.notFound(`no model named ${name}`);
    const stored = await c.env.MODELS.get(evaluationKey(name));
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
  })
  .openapi(registerRoute, async (c) => {
    const { name } = c.req.valid("param");
    const body = c.req.valid("json");
    await verifyLoads(c.env, name, body.version);
    return act(c, name, "register_candidate", body.reason, ({ state }) => ({
      version: body.version,
      numbers: { mode: body.mode, share: body.share },
      next: registerCandidate(
        state,
        { version: body.version, mode: body.mode, share: body.share },
        new Date().toISOString(),
      ),
    }));
  })
  .openapi(trafficRoute, async (c) => {
    const { name } = c.req.valid("param");
    const body = c.req.valid("json");
    return act(c, name, "set_candidate_traffic", body.reason, ({ state }) => ({
      version: state.candidate?.version ?? null,
      numbers: { mode: body.mode ?? state.candidate?.mode, share: body.share ?? state.candidate?.share },
      next: setCandidateTraffic(state, body),
    }));
  })
  .openapi(withdrawRoute, async (c) => {
    const { name } = c.req.valid("param");
    const body = c.req.valid("json");
    return act(c, name, "withdraw_candidate", body.reason, ({ state }) => ({
      version: state.candidate?.version ?? null,
      next: dropCandidate(state),
    }));
  })
  .openapi(promoteRoute, async (c) => {
    const { name } = c.req.valid("param");
    const body = c.req.valid("json");
    const current = await readStateFromR2(c.env.MODELS, name);
    if (!current) throw ApiError.notFound(`no model named ${name}`);
    const target = body.version ?? current.state.candidate?.version;
    if (target === undefined)
      throw new ApiError(409, "Conflict", `model ${name} has no candidate: name a version`);
    await verifyLoads(c.env, name, target);
    return act(c, name, "promote", body.reason, ({ state }) => ({
      version: target,
      next: promote(state, target, new Date().toISOString(), "admin"),
    }));
  })
  .openapi(rollbackRoute, async (c) => {
    const { name } = c.req.valid("param");
    const body = c.req.valid("json");
    return act(c, name, "rollback", body.reason, async ({ state }) => {
      const next = rollback(state);
      if (next.active !== null) await verifyLoads(c.env, name, next.active);
      return { version: next.active, numbers: { rolledBack: state.active }, next };
    });
  })
  .openapi(pinRoute, async (c) => {
    const { name } = c.req.valid("param");
    const body = c.req.valid("json");
    await verifyLoads(c.env, name, body.version);
    return act(c, name, "pin", body.reason, ({ state }) => ({
      version: body.version,
      next: pin(state, body.version),
    }));
  })
  .openapi(unpinRoute, async (c) => {
    const { name } = c.req.valid("param");
    const body = c.req.valid("json");
    return act(c, name, "unpin", body.reason, ({ state }) => ({ version: state.active, next: unpin(state) }));
  })
  .openapi(policyRoute, async (c) => {
    const { name } = c.req.valid("param");
    const body = c.req.valid("json");
    return act(c, name, "set_policy", body.reason, ({ state }) => ({
      version: null,
      numbers: {
        overrides: body.policy,
        effective: effectivePolicy(policyFromEnv(c.env), body.policy),
      },
      next: setPolicy(state, body.policy),
    }));
  })
  .openapi(auditRoute, async (c) => {
    const { name } = c.req.valid("param");
    const query = c.req.valid("query");
    if (!(await c.env.MODELS.head(keys.state(name)))) throw ApiError.notFound(`no model named ${name}`);
    const page = await listAudit(c.env.MODELS, name, { limit: query.limit, cursor: query.cursor });
    return c.json({ model: name, ...page }, 200);
  });
