/** /v1/admin/models/{name}/sample-rate: the share of the model's predictions sampled for drift. */
import { z } from "@hono/zod-openapi";
import { limits } from "../../config.js";
import { setSampleRate } from "../../registry/transitions.js";
import { adminAction, Reason } from "./action.js";

const SampleRateBody = z
  .object({
    sampleRate: z
      .number()
      .min(0)
      .max(1)
      .nullable()
      .openapi({ description: "A share from 0 to 1; null restores the DRIFT_SAMPLE_RATE var" }),
    reason: Reason,
  })
  .strict()
  .openapi("SampleRate", { example: { sampleRate: 0.25 } });

export const sampleRate = adminAction({
  method: "put",
  path: "/models/{name}/sample-rate",
  operationId: "setSampleRate",
  summary: "Set the share of the model's predictions sampled for drift (and kept for feedback)",
  body: SampleRateBody,
  bodyRequired: true,
  action: "set_sample_rate",
  change: ({ env, body, current: { state } }) => ({
    version: null,
    numbers: {
      sampleRate: body.sampleRate,
      effective: body.sampleRate ?? limits(env).driftSampleRate,
      before: state.sampleRate ?? null,
    },
    next: setSampleRate(state, body.sampleRate),
  }),
});
