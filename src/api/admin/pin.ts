/** /v1/admin/models/{name}/pin and /unpin: taking the active version out of the scheduler's hands. */
import { z } from "@hono/zod-openapi";
import { pin, unpin } from "../../registry/transitions.js";
import { resourceApp } from "../context.js";
import { adminAction, Reason, ReasonBody, VersionNumber, verifyLoads } from "./action.js";

const PinBody = z
  .object({ version: VersionNumber, reason: Reason })
  .strict()
  .openapi("Pin", { example: { version: 1 } });

export const pinning = resourceApp()
  .route(
    "/",
    adminAction({
      method: "post",
      path: "/models/{name}/pin",
      operationId: "pin",
      summary: "Make a version active without probation and keep the scheduler from changing it",
      body: PinBody,
      bodyRequired: true,
      action: "pin",
      change: async ({ env, name, body, current: { state } }) => {
        await verifyLoads(env, name, body.version);
        return { version: body.version, next: pin(state, body.version) };
      },
    }),
  )
  .route(
    "/",
    adminAction({
      method: "post",
      path: "/models/{name}/unpin",
      operationId: "unpin",
      summary: "Hand the model back to the scheduler",
      body: ReasonBody,
      bodyRequired: false,
      action: "unpin",
      change: ({ current: { state } }) => ({ version: state.active, next: unpin(state) }),
    }),
  );
