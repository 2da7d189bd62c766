/** /v1/admin/models/{name}/candidate: register, re-route and withdraw the version under evaluation. */
import { z } from "@hono/zod-openapi";
import { CandidateState } from "../../registry/state.js";
import { dropCandidate, registerCandidate, setCandidateTraffic } from "../../registry/transitions.js";
import { resourceApp } from "../context.js";
import { adminAction, Reason, ReasonBody, VersionNumber, verifyLoads } from "./action.js";

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

export const candidate = resourceApp()
  .route(
    "/",
    adminAction({
      method: "post",
      path: "/models/{name}/candidate",
      operationId: "registerCandidate",
      summary: "Register a candidate version (verified: it must exist and load)",
      body: RegisterBody,
      bodyRequired: true,
      action: "register_candidate",
      change: async ({ env, name, body, current: { state } }) => {
        await verifyLoads(env, name, body.version);
        const registered = { version: body.version, mode: body.mode, share: body.share };
        return {
          version: body.version,
          numbers: { mode: body.mode, share: body.share },
          next: registerCandidate(state, registered, new Date().toISOString()),
        };
      },
    }),
  )
  .route(
    "/",
    adminAction({
      method: "put",
      path: "/models/{name}/candidate",
      operationId: "setCandidateTraffic",
      summary: "Change the candidate's mode (shadow or canary) and traffic share",
      body: TrafficBody,
      bodyRequired: true,
      action: "set_candidate_traffic",
      change: ({ body, current: { state } }) => ({
        version: state.candidate?.version ?? null,
        numbers: { mode: body.mode ?? state.candidate?.mode, share: body.share ?? state.candidate?.share },
        next: setCandidateTraffic(state, body),
      }),
    }),
  )
  .route(
    "/",
    adminAction({
      method: "delete",
      path: "/models/{name}/candidate",
      operationId: "withdrawCandidate",
      summary: "Withdraw the candidate",
      body: ReasonBody,
      bodyRequired: false,
      action: "withdraw_candidate",
      change: ({ current: { state } }) => ({
        version: state.candidate?.version ?? null,
        next: dropCandidate(state),
      }),
    }),
  );
