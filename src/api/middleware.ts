/** Request-wide middleware: a request id on every response, and the guards in front of request bodies. */
import type { MiddlewareHandler } from "hono";
import { bodyLimit } from "hono/body-limit";
import { limits } from "../config.js";
import { BODY_MEDIA_TYPES } from "../core/kinds/registry.js";
import type { AppEnv } from "./context.js";
import { ApiError } from "./problem.js";

export const CALLER_REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/**
 * Uses the caller's `x-request-id` (so feedback can refer to it), else a fresh UUID. An id that breaks
 * the rules (1 to 128 of A-Z a-z 0-9 . _ : -) is refused with 400, never silently replaced: feedback
 * sent under it would find nothing.
 */
export const requestId: MiddlewareHandler<AppEnv> = async (c, next) => {
  const offered = c.req.header("x-request-id");
  const id = offered !== undefined && CALLER_REQUEST_ID.test(offered) ? offered : crypto.randomUUID();
  c.set("requestId", id);
  c.header("x-request-id", id);
  if (offered !== undefined && id !== offered) {
    throw ApiError.badRequest("x-request-id", "1 to 128 characters of A-Z a-z 0-9 . _ : -");
  }
  await next();
  // A response built without the prepared headers (the error handler's) gets it here; setting it on
  // one that has it would copy the whole response.
  if (!c.res.headers.has("x-request-id")) c.header("x-request-id", id);
};

const JSON_TYPE = /^application\/(.+\+)?json(\s*;|$)/i;

/** The media type of a content-type header, lower-cased and without parameters. */
export function mediaType(header: string | undefined): string {
  return (header ?? "").split(";")[0].trim().toLowerCase();
}

/** 415 for a body whose type `accepts` refuses (naming what it takes), 413 past MAX_BODY_BYTES. */
function bodyGuard(accepts: (type: string) => boolean, expected: string): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const type = c.req.header("content-type") ?? "";
    if (!accepts(type)) {
      throw new ApiError(
        415,
        "Unsupported media type",
        `send the body as ${expected} (got ${type === "" ? "no content type" : type})`,
      );
    }
    return limitFor(limits(c.env).maxBodyBytes)(c, next);
  };
}

/** One body-limit middleware per limit (the limit is a var: one value per deployment). */
const bodyLimits = new Map<number, MiddlewareHandler<AppEnv>>();

function limitFor(maxSize: number): MiddlewareHandler<AppEnv> {
  let limit = bodyLimits.get(maxSize);
  if (!limit) {
    limit = bodyLimit({
      maxSize,
      onError: () => {
        throw new ApiError(413, "Payload too large", `the body exceeds the limit of ${maxSize} bytes`);
      },
    });
    bodyLimits.set(maxSize, limit);
  }
  return limit;
}

/** 415 for anything but JSON, 413 past MAX_BODY_BYTES (declared or streamed). */
export const jsonBody = bodyGuard((type) => JSON_TYPE.test(type), "application/json");

/** Predict bodies: JSON, or one instance's file of a type some input kind takes (an image). */
export const predictBody = bodyGuard(
  (type) => JSON_TYPE.test(type) || BODY_MEDIA_TYPES.includes(mediaType(type)),
  ["application/json", ...BODY_MEDIA_TYPES].join(", "),
);

/** For bodies that may be left out: no body and no content type pass, anything else is `jsonBody`'s. */
export const optionalJsonBody: MiddlewareHandler<AppEnv> = async (c, next) => {
  if (c.req.raw.body === null && c.req.header("content-type") === undefined) return next();
  return jsonBody(c, next);
};
