/** /v1/admin/models/{name}/candidate: register, re-route and withdraw the version under evaluation. */
import { z } from "@hono/zod-openapi";
import { CandidateState } from "../../registry/state.js";
import { dropCandidate, registerCandidate, setCandidateTraffic } from "../../registry/transitions.js";
import { resourceApp } from "../context.js";
import { act, actionRoute, Reason, ReasonBody, VersionNumber, verifyLoads } from "./action.js";

const Share = z.number().min(0).max(1);

const RegisterBody = z
  .object({
    version: VersionNumber,
    mode: CandidateState.shape.mode.default("shadow"),
    share: Share.default(0.1),
    reason: Reason,
  })
  .strict()
  .openapi("RegisterCandidate", { example: { version: 2, mode: "shadow", share: 1 } });

const TrafficBody = z
  .object({ mode: CandidateState.shape.mode.optional(), share: Share.optional(), reason: Reason })
  .strict()
  .refine((body) => body.mode !== undefined || body.share !== undefined, {
    message: 'send "mode", "share" or both',
  })
  // The refinement, in the document's terms.
  .openapi("CandidateTraffic", {
    anyOf: [{ required: ["mode"] }, { required: ["share"] }],
    example: { mode: "canary", share: 0.05 },
  });

const register = actionRoute({
  method: "post",
  path: "/models/{name}/candidate",
  operationId: "registerCandidate",
  summary: "Register a candidate version (verified: it must exist and load)",
  body: RegisterBody,
  bodyRequired: true,
});

const traffic = actionRoute({
  method: "put",
  path: "/models/{name}/candidate",
  operationId: "setCandidateTraffic",
  summary: "Change the candidate's mode (shadow or canary) and traffic share",
  body: TrafficBody,
  bodyRequired: true,
});

const withdraw = actionRoute({
  method: "delete",
  path: "/models/{name}/candidate",
  operationId: "withdrawCandidate",
  summary: "Withdraw the candidate",
  body: ReasonBody,
  bodyRequired: false,
});

export const candidate = resourceApp()
  .openapi(register, async (c) => {
    const { name } = c.req.valid("param");
    const body = c.req.valid("json");
    return act(c, name, "register_candidate", body.reason, async ({ state }) => {
      await verifyLoads(c.env, name, body.version);
      return {
        version: body.version,
        numbers: { mode: body.mode, share: body.share },
        next: registerCandidate(
          state,
          { version: body.version, mode: body.mode, share: body.share },
          new Date().toISOString(),
        ),
      };
    });
  })
  .openapi(traffic, async (c) => {
    const { name } = c.req.valid("param");
    const body = c.req.valid("json");
    return act(c, name, "set_candidate_traffic", body.reason, ({ state }) => ({
      version: state.candidate?.version ?? null,
      numbers: { mode: body.mode ?? state.candidate?.mode, share: body.share ?? state.candidate?.share },
      next: setCandidateTraffic(state, body),
    }));
  })
  .openapi(withdraw, async (c) => {
    const { name } = c.req.valid("param");
    const body = c.req.valid("json");
    return act(c, name, "withdraw_candidate", body.reason, ({ state }) => ({
      version: state.candidate?.version ?? null,
      next: dropCandidate(state),
    }));
  });
