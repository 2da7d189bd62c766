/** /v1/admin/models/{name}/pin and /unpin: taking the active version out of the scheduler's hands. */
import { z } from "@hono/zod-openapi";
import { pin, unpin } from "../../registry/transitions.js";
import { resourceApp } from "../context.js";
import { act, actionRoute, Reason, ReasonBody, VersionNumber, verifyLoads } from "./action.js";

const PinBody = z
  .object({ version: VersionNumber, reason: Reason })
  .strict()
  .openapi("Pin", { example: { version: 1 } });

const pinRoute = actionRoute({
  method: "post",
  path: "/models/{name}/pin",
  operationId: "pin",
  summary: "Make a version active without probation and keep the scheduler from changing it",
  body: PinBody,
  bodyRequired: true,
});

const unpinRoute = actionRoute({
  method: "post",
  path: "/models/{name}/unpin",
  operationId: "unpin",
  summary: "Hand the model back to the scheduler",
  body: ReasonBody,
  bodyRequired: false,
});

export const pinning = resourceApp()
  .openapi(pinRoute, async (c) => {
    const { name } = c.req.valid("param");
    const body = c.req.valid("json");
    return act(c, name, "pin", body.reason, async ({ state }) => {
      await verifyLoads(c.env, name, body.version);
      return { version: body.version, next: pin(state, body.version) };
    });
  })
  .openapi(unpinRoute, async (c) => {
    const { name } = c.req.valid("param");
    const body = c.req.valid("json");
    return act(c, name, "unpin", body.reason, ({ state }) => ({ version: state.active, next: unpin(state) }));
  });
