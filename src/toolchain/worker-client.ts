/**
 * The one client of a running vane Worker (local `wrangler dev` or deployed) that the CLI's ops
 * commands and `vane publish --remote` share: typed by the OpenAPI document's generated paths
 * (openapi-fetch), plain fetch underneath, no Node APIs (the Worker tests run it against the real
 * Worker). Every refusal becomes a domain error carrying the problem+json's detail, so the CLI maps
 * it to a message and an exit code like any other failure.
 */
import createClient, { type Client } from "openapi-fetch";
import {
  ConflictError,
  DomainError,
  type FieldError,
  InvalidInputError,
  NotFoundError,
  UnavailableError,
  UnprocessableError,
} from "../core/errors.js";
import type { components, paths } from "./api-types.js";

export type Schemas = components["schemas"];

export interface WorkerTarget {
  /** The Worker's origin, e.g. http://127.0.0.1:8787 or https://vane.example.workers.dev */
  url: string;
  /** The admin bearer token, for /v1/admin and for feedback without per-label tokens. */
  token?: string;
  /** How long one call may take before the Worker counts as not answering. */
  timeoutMs?: number;
}

/** What the client sends requests through: fetch, or a test's handle on the Worker. */
export type Fetcher = (request: Request) => Promise<Response>;

const DEFAULT_TIMEOUT_MS = 30_000;

/** Nothing answered at the URL (refused, unresolvable, timed out): the command may work later. */
export class UnreachableError extends UnavailableError {}

/** The Worker refused the admin or feedback token (401). */
export class UnauthorizedError extends DomainError {}

interface ProblemBody {
  title?: string;
  detail?: string;
  errors?: FieldError[];
}

function problemOf(body: unknown): ProblemBody {
  return typeof body === "object" && body !== null ? (body as ProblemBody) : {};
}

/** The domain error for a refusal: the status says which kind, the problem's detail says why. */
export function refusal(status: number, body: unknown, doing: string): DomainError {
  const problem = problemOf(body);
  const detail = problem.detail ?? (typeof body === "string" && body !== "" ? body : `status ${status}`);
  // Fields the detail does not name already (a 401 names each label whose token was refused).
  const unnamed = (problem.errors ?? []).filter((e) => !detail.includes(e.field));
  const fields = unnamed.map((e) => `${e.field}: ${e.message}`).join("; ");
  const message = `${doing}: ${detail}${fields ? ` (${fields})` : ""}`;
  const options = { title: problem.title };
  if (status === 401) return new UnauthorizedError(message, options);
  if (status === 404) return new NotFoundError(message, options);
  if (status === 409) return new ConflictError(message, options);
  if (status === 422) return new UnprocessableError(message, options);
  if (status === 400 || status === 413 || status === 415) {
    const named = problem.errors?.length ? problem.errors : [{ field: "request", message: detail }];
    return new InvalidInputError(
      named.map((f) => ({ field: f.field, message: `${f.message} (${doing})` })),
      options,
    );
  }
  return new UnavailableError(`${message} (HTTP ${status})`, options);
}

/** Why a fetch threw, in the words of its cause (ECONNREFUSED, ENOTFOUND, a timeout). */
function unreachable(url: string, error: unknown): UnreachableError {
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  const timedOut = (error as Error).name === "TimeoutError";
  const why = timedOut ? "no answer in time" : (cause?.code ?? cause?.message ?? (error as Error).message);
  return new UnreachableError(`cannot reach the Worker at ${url} (${why})`, { cause: error });
}

export interface FeedbackLabel {
  requestId: string;
  label: string;
  index?: number;
  token?: string;
}

type AdminAction = Schemas["AdminActionResult"];

/** A running Worker's API, one method per operation the CLI uses. */
export class WorkerClient {
  private readonly api: Client<paths>;
  readonly url: string;

  constructor(
    private readonly target: WorkerTarget,
    fetcher: Fetcher = (request) => fetch(request),
  ) {
    this.url = target.url.replace(/\/+$/, "");
    const timeoutMs = target.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.api = createClient<paths>({
      baseUrl: this.url,
      fetch: async (request) => {
        try {
          return await fetcher(new Request(request, { signal: AbortSignal.timeout(timeoutMs) }));
        } catch (error) {
          throw unreachable(this.url, error);
        }
      },
    });
  }

  private get admin() {
    return { authorization: `Bearer ${this.target.token ?? ""}` };
  }

  /** The answer's data, or the refusal as a domain error. */
  private async answer<T>(
    call: Promise<{ data?: T; error?: unknown; response: Response }>,
    doing: string,
  ): Promise<T> {
    const { data, error, response } = await call;
    if (!response.ok || data === undefined) throw refusal(response.status, error, doing);
    return data;
  }

  async health() {
    return this.answer(this.api.GET("/healthz"), "health check");
  }

  /** A prediction under the caller's request id, with the feedback token its response carries. */
  async predict(name: string, body: Schemas["PredictRequest"], requestId: string) {
    const { data, error, response } = await this.api.POST("/v1/models/{name}/predict", {
      params: { path: { name }, header: { "x-request-id": requestId } },
      body,
    });
    if (!response.ok || data === undefined) throw refusal(response.status, error, `predicting with ${name}`);
    return { answer: data, feedbackToken: response.headers.get("vane-feedback-token") };
  }

  async listModels(): Promise<Schemas["ModelList"]> {
    return this.answer(this.api.GET("/v1/models"), "listing models");
  }

  async getModel(name: string): Promise<Schemas["ModelDetail"]> {
    return this.answer(this.api.GET("/v1/models/{name}", { params: { path: { name } } }), `reading ${name}`);
  }

  async adminModel(name: string): Promise<Schemas["AdminModel"]> {
    return this.answer(
      this.api.GET("/v1/admin/models/{name}", { params: { path: { name } }, headers: this.admin }),
      `reading the state of ${name}`,
    );
  }

  async drift(name: string, query: { window?: string; version?: number }) {
    return this.answer(
      this.api.GET("/v1/models/{name}/drift", { params: { path: { name }, query } }),
      `reading the drift of ${name}`,
    );
  }

  async audit(name: string, query: { limit?: number; cursor?: string }): Promise<Schemas["AuditPage"]> {
    return this.answer(
      this.api.GET("/v1/admin/models/{name}/audit", {
        params: { path: { name }, query },
        headers: this.admin,
      }),
      `reading the audit log of ${name}`,
    );
  }

  async registerModel(name: string, version: number): Promise<AdminAction> {
    return this.answer(
      this.api.POST("/v1/admin/models", { body: { name, version }, headers: this.admin }),
      `registering ${name}@${version}`,
    );
  }

  async registerCandidate(name: string, body: Schemas["RegisterCandidate"]): Promise<AdminAction> {
    return this.answer(
      this.api.POST("/v1/admin/models/{name}/candidate", {
        params: { path: { name } },
        body,
        headers: this.admin,
      }),
      `registering ${name}@${body.version} as the candidate`,
    );
  }

  async setCandidateTraffic(name: string, body: Schemas["CandidateTraffic"]): Promise<AdminAction> {
    return this.answer(
      this.api.PUT("/v1/admin/models/{name}/candidate", {
        params: { path: { name } },
        body,
        headers: this.admin,
      }),
      `routing the candidate of ${name}`,
    );
  }

  async promote(name: string, body: Schemas["Promote"]): Promise<AdminAction> {
    const which = body.version === undefined ? "the candidate" : `version ${body.version}`;
    return this.answer(
      this.api.POST("/v1/admin/models/{name}/promote", {
        params: { path: { name } },
        body,
        headers: this.admin,
      }),
      `promoting ${which} of ${name}`,
    );
  }

  async rollback(name: string, body: Schemas["Reason"]): Promise<AdminAction> {
    return this.answer(
      this.api.POST("/v1/admin/models/{name}/rollback", {
        params: { path: { name } },
        body,
        headers: this.admin,
      }),
      `rolling back ${name}`,
    );
  }

  async pin(name: string, body: Schemas["Pin"]): Promise<AdminAction> {
    return this.answer(
      this.api.POST("/v1/admin/models/{name}/pin", { params: { path: { name } }, body, headers: this.admin }),
      `pinning ${name}@${body.version}`,
    );
  }

  async unpin(name: string, body: Schemas["Reason"]): Promise<AdminAction> {
    return this.answer(
      this.api.POST("/v1/admin/models/{name}/unpin", {
        params: { path: { name } },
        body,
        headers: this.admin,
      }),
      `unpinning ${name}`,
    );
  }

  /** The model's labelled training data as the Worker exports it: JSON lines, oldest prediction first. */
  async feedbackData(
    name: string,
    query: { since?: string; until?: string; version?: number; limit?: number },
  ): Promise<string> {
    return this.answer(
      this.api.GET("/v1/admin/models/{name}/feedback-data", {
        params: { path: { name }, query },
        headers: this.admin,
        parseAs: "text",
      }),
      `exporting the feedback data of ${name}`,
    );
  }

  /** Labels for earlier predictions; the admin token is sent when the target has one. */
  async sendFeedback(name: string, labels: FeedbackLabel[]): Promise<Schemas["FeedbackResponse"]> {
    return this.answer(
      this.api.POST("/v1/models/{name}/feedback", {
        params: { path: { name } },
        body: { labels },
        headers: this.target.token ? this.admin : {},
      }),
      `sending feedback for ${name}`,
    );
  }
}

/** Most labels the feedback route takes in one call (its FeedbackRequest's maxItems). */
export const FEEDBACK_BATCH = 256;

export interface FeedbackTotals {
  labels: number;
  calls: number;
  matched: number;
  unknown: number;
  /** Of the unknown, those outside the prediction log's share (PREDICTION_LOG_RATE): never recorded. */
  unlogged: number;
  duplicates: number;
}

/** The labels in calls of FEEDBACK_BATCH; a refusal says how many were counted before it. */
export async function sendLabels(
  worker: WorkerClient,
  name: string,
  labels: readonly FeedbackLabel[],
  progress: (sent: number) => void = () => undefined,
): Promise<FeedbackTotals> {
  const totals: FeedbackTotals = { labels: 0, calls: 0, matched: 0, unknown: 0, unlogged: 0, duplicates: 0 };
  for (let start = 0; start < labels.length; start += FEEDBACK_BATCH) {
    const batch = labels.slice(start, start + FEEDBACK_BATCH);
    try {
      const answer = await worker.sendFeedback(name, batch);
      totals.matched += answer.matched;
      totals.unknown += answer.unknown;
      totals.unlogged += answer.unlogged;
      totals.duplicates += answer.duplicates;
    } catch (error) {
      // The same error (its kind decides the exit code), saying what was counted before it.
      if (start > 0 && error instanceof Error) {
        error.message += `; labels 1 to ${start} were counted before (sending them again counts none twice)`;
      }
      throw error;
    }
    totals.labels += batch.length;
    totals.calls++;
    progress(totals.labels);
  }
  return totals;
}
