/**
 * POST /v1/models/{name}/feedback: true labels for earlier predictions, by request id (and instance
 * index within the batch). Each label is joined with the prediction record the predict path kept for
 * that request and counted, per version and role that scored it, as correct or not; live accuracy per
 * version is what the scheduled promotion run compares.
 *
 * A request id with no record (outside the prediction log's share, expired, another model's, or never
 * seen) is counted as unknown, not refused; those outside the log's share are counted apart as
 * unlogged, so a caller can tell labels lost to the sampling from labels for ids vane never answered.
 * A label that is not one of the answering version's labels, or an index past the request's batch,
 * is refused with 422 and nothing of the call is counted. Only the receiver of a prediction (its
 * feedback token) or an operator may label it (./feedback-auth.ts): else 401.
 */

import { createRoute, z } from "@hono/zod-openapi";
import { limits } from "../config.js";
import { type FeedbackKey, foldFeedback, type LabelledInstance } from "../drift/feedback.js";
import { type LabelledPrediction, labelRows } from "../drift/feedback-data.js";
import { readPredictions } from "../drift/predictions.js";
import { isLogged } from "../drift/sampling.js";
import { windowStart } from "../drift/window-format.js";
import { keys } from "../registry/keys.js";
import { readManifest } from "../registry/manifests.js";
import { readState } from "../registry/state.js";
import { resourceApp } from "./context.js";
import { authorizeFeedback, FEEDBACK_CHALLENGE } from "./feedback-auth.js";
import { jsonBody } from "./middleware.js";
import { ApiError, type FieldError } from "./problem.js";
import { ModelParams, problemResponse } from "./schemas.js";

/** Most labels in one call. */
export const MAX_FEEDBACK_LABELS = 256;

const FeedbackRequest = z
  .object({
    labels: z
      .array(
        z
          .object({
            requestId: z.string().regex(/^[A-Za-z0-9._:-]{1,128}$/, "the x-request-id of the predict call"),
            label: z.string().min(1).max(64),
            index: z.number().int().nonnegative().max(4095).default(0),
            token: z.string().max(128).optional().openapi({
              description:
                "The vane-feedback-token header of the predict response (not needed with the admin token)",
            }),
          })
          .strict(),
      )
      .min(1)
      .max(MAX_FEEDBACK_LABELS),
  })
  .strict()
  .openapi("FeedbackRequest", {
    example: { labels: [{ requestId: "9b2f6c1e-4d7a-4c55-9a1b-0e7f3c2d8a10", label: "spam", index: 0 }] },
  });

const FeedbackResponse = z
  .object({
    model: z.string(),
    /** Labels whose prediction was found. */
    matched: z.number().int(),
    /** Labels whose request id has no prediction record. */
    unknown: z.number().int(),
    /** Of the unknown labels, those outside the prediction log's share (PREDICTION_LOG_RATE): never kept. */
    unlogged: z.number().int(),
    /** Matched labels that had been counted before (the first label of an instance wins). */
    duplicates: z.number().int(),
  })
  .openapi("FeedbackResponse");

const route = createRoute({
  method: "post",
  path: "/{name}/feedback",
  operationId: "sendFeedback",
  tags: ["feedback"],
  summary: "True labels for earlier predictions, for live accuracy per version",
  middleware: [jsonBody] as const,
  request: {
    params: ModelParams,
    body: { content: { "application/json": { schema: FeedbackRequest } }, required: true },
  },
  responses: {
    200: {
      description: "How many labels were matched and counted",
      content: { "application/json": { schema: FeedbackResponse } },
    },
    400: problemResponse("The body is malformed"),
    404: problemResponse("No such model"),
    413: problemResponse("The body is over the size limit"),
    415: problemResponse("The body is not JSON"),
    401: {
      ...problemResponse("A label's feedback token is missing or wrong, and no admin token was given"),
      headers: z.object({
        "www-authenticate": z.string().openapi({ description: "The challenge", example: FEEDBACK_CHALLENGE }),
      }),
    },
    422: problemResponse("A label is not one of the model's labels, or an index is past the batch"),
    503: problemResponse("Storage failed; the same call can be sent again"),
  },
});

/**
 * A storage failure is the server's, not the caller's: 503, and the call can be sent again as it is
 * (a label already counted is recognised and not counted twice).
 */
const storageFailed = (doing: string) => (error: unknown) => {
  console.error(JSON.stringify({ event: "feedback_storage_failed", doing, message: String(error) }));
  throw new ApiError(503, "Feedback not stored", `could not ${doing}; send the same labels again later`);
};

export const feedback = resourceApp().openapi(route, async (c) => {
  const { name } = c.req.valid("param");
  const { labels } = c.req.valid("json");
  await authorizeFeedback(c, name, labels);
  const state = await readState(c.env, name);
  if (!state) throw ApiError.notFound(`no model named ${name}`);
  const records = await readPredictions(c.env.PREDICTIONS, name, [
    ...new Set(labels.map((l) => l.requestId)),
  ]).catch(storageFailed("read the prediction log"));

  const errors: FieldError[] = [];
  const groups = new Map<string, { key: FeedbackKey; instances: LabelledInstance[] }>();
  const seconds = limits(c.env).driftWindowSeconds;
  const training: LabelledPrediction[] = [];
  const logRate = limits(c.env).predictionLogRate;
  let unknown = 0;
  let unlogged = 0;
  for (const [i, item] of labels.entries()) {
    const record = records.get(item.requestId);
    if (!record) {
      unknown++;
      if (!isLogged(item.requestId, logRate)) unlogged++;
      continue;
    }
    const [answer, ...shadows] = record.entries;
    const manifest = await readManifest(c.env.MODELS, name, answer.version).catch(() => null);
    const known =
      manifest?.task.kind === "classification" ? manifest.task.labels : [...new Set(answer.labels)];
    if (!known.includes(item.label)) {
      errors.push({
        field: `labels[${i}].label`,
        message: `"${item.label}" is not a label of ${name}@${answer.version} (${known.join(", ")})`,
      });
      continue;
    }
    if (item.index >= answer.labels.length) {
      errors.push({
        field: `labels[${i}].index`,
        message: `request ${item.requestId} had ${answer.labels.length} instance(s)`,
      });
      continue;
    }
    if (manifest?.feedbackData) {
      training.push({ requestId: item.requestId, index: item.index, time: record.time, label: item.label });
    }
    for (const entry of [answer, ...shadows]) {
      const predicted = entry.labels[item.index];
      if (predicted === undefined) continue;
      const key: FeedbackKey = {
        model: name,
        version: entry.version,
        role: entry.role,
        start: windowStart(record.time, seconds),
      };
      const objectKey = keys.feedbackWindows.key(key);
      const group = groups.get(objectKey) ?? { key, instances: [] };
      group.instances.push({
        id: `${item.requestId}#${item.index}`,
        time: record.time,
        correct: predicted === item.label,
        confidence: entry.confidence[item.index] ?? 0,
        ...(entry === answer ? {} : { pairedCorrect: answer.labels[item.index] === item.label }),
      });
      groups.set(objectKey, group);
    }
  }
  if (errors.length > 0) {
    throw new ApiError(
      422,
      "Unprocessable feedback",
      errors.map((e) => `${e.field}: ${e.message}`).join("; "),
      errors,
    );
  }

  // The answering version's window decides what counts as new; shadow windows follow the same ids.
  let counted = 0;
  for (const group of groups.values()) {
    const fresh = await foldFeedback(c.env.MODELS, group.key, seconds, group.instances).catch(
      storageFailed("store the labels"),
    );
    if (group.key.role !== "shadow") counted += fresh;
  }
  await labelRows(c.env.PREDICTIONS, name, training, Date.now()).catch(
    storageFailed("label the kept training data"),
  );
  const matched = labels.length - unknown;
  return c.json({ model: name, matched, unknown, unlogged, duplicates: matched - counted }, 200);
});
