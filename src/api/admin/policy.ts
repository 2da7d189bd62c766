/** /v1/admin/models/{name}/policy: the model's overrides of the promotion policy vars. */
import { z } from "@hono/zod-openapi";
import { effectivePolicy, PolicyOverrides, policyFromEnv } from "../../promotion/policy.js";
import { setPolicy } from "../../registry/transitions.js";
import { resourceApp } from "../context.js";
import { act, actionRoute, Reason } from "./action.js";

const PolicyBody = z
  .object({ policy: PolicyOverrides, reason: Reason })
  .strict()
  .openapi("PolicyOverrides", { example: { policy: { minFeedback: 50, minAccuracyGain: 0.02 } } });

const route = actionRoute({
  method: "put",
  path: "/models/{name}/policy",
  operationId: "setPolicy",
  summary: "Replace the model's policy overrides (an empty object restores the defaults)",
  body: PolicyBody,
  bodyRequired: true,
});

export const policy = resourceApp().openapi(route, async (c) => {
  const { name } = c.req.valid("param");
  const body = c.req.valid("json");
  return act(c, name, "set_policy", body.reason, ({ state }) => ({
    version: null,
    numbers: { overrides: body.policy, effective: effectivePolicy(policyFromEnv(c.env), body.policy) },
    next: setPolicy(state, body.policy),
  }));
});
