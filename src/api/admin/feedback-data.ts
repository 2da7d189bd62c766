/**
 * GET /v1/admin/models/{name}/feedback-data: the labelled training data kept for a model whose
 * manifest asks for it (`feedbackData`), as JSON lines, one per labelled instance, in prediction-time
 * order (docs/feedback-data.md). Behind the admin token: features are the users' inputs. What
 * `vane feedback export` and `vane retrain` read.
 */
import { createRoute, z } from "@hono/zod-openapi";
import { FeedbackRow } from "../../core/feedback-row.js";
import { MAX_FEEDBACK_ROWS } from "../../core/update-spec.js";
import { type ExportFilter, readLabelled, type TimeCursor } from "../../drift/feedback-data.js";
import { readState } from "../../registry/state.js";
import { resourceApp } from "../context.js";
import { ApiError } from "../problem.js";
import { ModelParams, problemResponse, wholeNumber } from "../schemas.js";
import { tags } from "./action.js";
import { security, unauthorized } from "./guard.js";

/** Rows read from D1 per page of the stream. */
const PAGE_ROWS = 200;

const FeedbackDataQuery = z.object({
  since: z.iso.datetime().optional().openapi({ description: "Predictions made at or after (ISO 8601)" }),
  until: z.iso.datetime().optional().openapi({ description: "Predictions made before (ISO 8601)" }),
  version: wholeNumber({ min: 1 }).optional().openapi({ description: "Only rows of this version" }),
  limit: wholeNumber({ min: 1, max: MAX_FEEDBACK_ROWS })
    .optional()
    .openapi({ description: "At most this many rows (the oldest first)" }),
});

const FeedbackDataLine = FeedbackRow.openapi("FeedbackDataRow", {
  description: "One line of the JSON-lines body: a labelled instance",
});

const route = createRoute({
  method: "get",
  path: "/models/{name}/feedback-data",
  operationId: "exportFeedbackData",
  tags,
  security,
  summary: "Labelled training data kept from feedback, as JSON lines",
  request: { params: ModelParams, query: FeedbackDataQuery },
  responses: {
    200: {
      description: "One labelled instance per line, oldest prediction first (empty if none is kept)",
      content: { "application/x-ndjson": { schema: FeedbackDataLine } },
    },
    400: problemResponse("Bad name or query"),
    401: unauthorized,
    404: problemResponse("No such model"),
    503: problemResponse("Storage failed; the same call can be sent again"),
  },
});

const encoder = new TextEncoder();

function lines(rows: readonly FeedbackRow[]): Uint8Array {
  return encoder.encode(rows.map((row) => `${JSON.stringify(row)}\n`).join(""));
}

export const feedbackData = resourceApp().openapi(route, async (c) => {
  const { name } = c.req.valid("param");
  const query = c.req.valid("query");
  const filter: ExportFilter = {
    since: query.since === undefined ? undefined : Date.parse(query.since),
    until: query.until === undefined ? undefined : Date.parse(query.until),
    version: query.version,
  };
  if (filter.since !== undefined && filter.until !== undefined && filter.until <= filter.since) {
    throw ApiError.badRequest("until", "must be later than since");
  }
  if (!(await readState(c.env, name))) throw ApiError.notFound(`no model named ${name}`);
  const db = c.env.PREDICTIONS;
  let remaining = query.limit ?? Number.POSITIVE_INFINITY;
  const page = (cursor: TimeCursor | null) =>
    readLabelled(db, name, filter, cursor, Math.min(PAGE_ROWS, remaining));
  // The first page is read before answering, so a storage fault is a 503, not a cut body.
  let current = await page(null).catch((error: unknown) => {
    console.error(JSON.stringify({ event: "feedback_data_read_failed", name, message: String(error) }));
    throw new ApiError(503, "Feedback data unavailable", "could not read the kept rows; ask again later");
  });
  const body = new ReadableStream<Uint8Array>({
    async pull(controller) {
      controller.enqueue(lines(current.rows));
      remaining -= current.rows.length;
      if (current.next === null || remaining <= 0) {
        controller.close();
        return;
      }
      current = await page(current.next);
    },
  });
  const response = c.body(body, 200, {
    "content-type": "application/x-ndjson; charset=utf-8",
    "cache-control": "no-store",
  });
  // zod-openapi types a `...json` media type other than application/json as never.
  return response as never;
});
