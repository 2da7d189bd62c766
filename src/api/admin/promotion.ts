/** /v1/admin/models/{name}/promote and /rollback: changing the active version, under probation. */
import { z } from "@hono/zod-openapi";
import { promote, rollback } from "../../registry/transitions.js";
import { resourceApp } from "../context.js";
import { ApiError } from "../problem.js";
import { adminAction, Reason, ReasonBody, VersionNumber, verifyLoads } from "./action.js";

const PromoteBody = z
  .object({
    version: VersionNumber.optional().openapi({ description: "Default: the candidate" }),
    reason: Reason,
  })
  .strict()
  .openapi("Promote");

export const promotion = resourceApp()
  .route(
    "/",
    adminAction({
      method: "post",
      path: "/models/{name}/promote",
      operationId: "promote",
      summary: "Promote the candidate (or a given version) to active, on probation",
      body: PromoteBody,
      bodyRequired: false,
      action: "promote",
      change: async ({ env, name, body, current: { state } }) => {
        const target = body.version ?? state.candidate?.version;
        if (target === undefined)
          throw new ApiError(409, "Conflict", `model ${name} has no candidate: name a version`);
        await verifyLoads(env, name, target);
        return { version: target, next: promote(state, target, new Date().toISOString(), "admin") };
      },
    }),
  )
  .route(
    "/",
    adminAction({
      method: "post",
      path: "/models/{name}/rollback",
      operationId: "rollback",
      summary: "Restore the version the last promotion replaced (or the most recent previous one)",
      body: ReasonBody,
      bodyRequired: false,
      action: "rollback",
      change: async ({ env, name, current: { state } }) => {
        const next = rollback(state);
        if (next.active !== null) await verifyLoads(env, name, next.active);
        return { version: next.active, numbers: { rolledBack: state.active }, next };
      },
    }),
  );
