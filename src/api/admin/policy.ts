/** /v1/admin/models/{name}/policy: the model's overrides of the promotion policy vars. */
import { z } from "@hono/zod-openapi";
import { effectivePolicy, PolicyOverrides, policyFromEnv } from "../../promotion/policy.js";
import { setPolicy } from "../../registry/transitions.js";
import { adminAction, Reason } from "./action.js";

const PolicyBody = z
  .object({ policy: PolicyOverrides, reason: Reason })
  .strict()
  .openapi("PolicyOverrides", { example: { policy: { minFeedback: 50, minAccuracyGain: 0.02 } } });

export const policy = adminAction({
  method: "put",
  path: "/models/{name}/policy",
  operationId: "setPolicy",
  summary: "Replace the model's policy overrides (an empty object restores the defaults)",
  body: PolicyBody,
  bodyRequired: true,
  action: "set_policy",
  change: ({ env, body, current: { state } }) => ({
    version: null,
    numbers: { overrides: body.policy, effective: effectivePolicy(policyFromEnv(env), body.policy) },
    next: setPolicy(state, body.policy),
  }),
});
