/** /v1/admin/models/{name}/sample-rate: the share of the model's predictions sampled for drift. */
import { z } from "@hono/zod-openapi";
import { limits } from "../../config.js";
import { setSampleRate } from "../../registry/transitions.js";
import { resourceApp } from "../context.js";
import { act, actionRoute, Reason } from "./action.js";

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

const route = actionRoute({
  method: "put",
  path: "/models/{name}/sample-rate",
  operationId: "setSampleRate",
  summary: "Set the share of the model's predictions sampled for drift (and kept for feedback)",
  body: SampleRateBody,
  bodyRequired: true,
});

export const sampleRate = resourceApp().openapi(route, async (c) => {
  const { name } = c.req.valid("param");
  const body = c.req.valid("json");
  return act(c, name, "set_sample_rate", body.reason, ({ state }) => ({
    version: null,
    numbers: {
      sampleRate: body.sampleRate,
      effective: body.sampleRate ?? limits(c.env).driftSampleRate,
      before: state.sampleRate ?? null,
    },
    next: setSampleRate(state, body.sampleRate),
  }));
});
