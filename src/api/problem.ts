/**
 * The HTTP layer's error type and the one mapping to RFC 9457 problem+json. Every failure a caller can
 * cause or see leaves through `onError`, with a status, a title and the fields that were wrong; never
 * a stack. Lower layers throw domain errors (core/errors.ts); only this module knows their statuses.
 */
import type { Context, ErrorHandler } from "hono";
import { HTTPException } from "hono/http-exception";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import {
  ConflictError,
  DomainError,
  type FieldError,
  InvalidInputError,
  NotFoundError,
  UnavailableError,
  UnprocessableError,
  UnsupportedMediaTypeError,
} from "../core/errors.js";

export type { FieldError };

export class ApiError extends Error {
  override name = "ApiError";
  constructor(
    readonly status: ContentfulStatusCode,
    readonly title: string,
    readonly detail: string,
    readonly errors: FieldError[] = [],
    /** Response headers the problem needs, e.g. a 401's `www-authenticate` challenge. */
    readonly headers: Record<string, string> = {},
  ) {
    super(detail);
  }

  static badRequest(field: string, message: string): ApiError {
    return new ApiError(400, "Invalid request", `${field}: ${message}`, [{ field, message }]);
  }

  static notFound(detail: string): ApiError {
    return new ApiError(404, "Not found", detail);
  }

  static unavailable(detail: string): ApiError {
    return new ApiError(503, "Model version unavailable", detail);
  }
}

export function problem(c: Context, error: ApiError): Response {
  const body = {
    type: "about:blank",
    title: error.title,
    status: error.status,
    detail: error.detail,
    ...(error.errors.length > 0 ? { errors: error.errors } : {}),
    ...(c.get("requestId") ? { requestId: c.get("requestId") } : {}),
  };
  return c.json(body, error.status, { ...error.headers, "content-type": "application/problem+json" });
}

type DomainErrorClass = abstract new (...args: never[]) => DomainError;

/** Each domain error kind's status and default title. */
const DOMAIN_STATUSES: Array<[DomainErrorClass, ContentfulStatusCode, string]> = [
  // Before its base class, InvalidInputError: the first match decides.
  [UnsupportedMediaTypeError, 415, "Unsupported media type"],
  [InvalidInputError, 400, "Invalid request"],
  [NotFoundError, 404, "Not found"],
  [ConflictError, 409, "Conflict"],
  [UnprocessableError, 422, "Unprocessable"],
  [UnavailableError, 503, "Unavailable"],
];

/** The problem a domain error becomes, or null for a kind with no status (a bug: answered as a 500). */
export function fromDomainError(error: DomainError): ApiError | null {
  const match = DOMAIN_STATUSES.find(([kind]) => error instanceof kind);
  if (!match) return null;
  const [, status, title] = match;
  const errors = error instanceof InvalidInputError ? error.errors : [];
  return new ApiError(status, error.title ?? title, error.message, errors);
}

/** The titles vane's own middleware gives these statuses, for the same refusals coming from Hono. */
const HTTP_TITLES: Partial<Record<number, string>> = {
  413: "Payload too large",
  415: "Unsupported media type",
};

export const onError: ErrorHandler = (error, c) => {
  if (error instanceof ApiError) return problem(c, error);
  const mapped = error instanceof DomainError ? fromDomainError(error) : null;
  if (mapped) return problem(c, mapped);
  if (error instanceof HTTPException) {
    // Hono's own 4xx (e.g. a body it could not parse) keep their status, in our format and titles.
    const title = HTTP_TITLES[error.status] ?? "Invalid request";
    return problem(c, new ApiError(error.status as ContentfulStatusCode, title, error.message));
  }
  console.error(JSON.stringify({ event: "unhandled_error", message: String(error), path: c.req.path }));
  return problem(c, new ApiError(500, "Internal error", "The request could not be completed."));
};
