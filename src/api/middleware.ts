/** Request-wide middleware: a request id on every response, and the guards in front of JSON bodies. */
import type { MiddlewareHandler } from "hono";
import { bodyLimit } from "hono/body-limit";
import { limits } from "../config.js";
import type { AppEnv } from "./context.js";
import { ApiError } from "./problem.js";

const CALLER_REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

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
  c.header("x-request-id", id);
};

/** 415 for anything but JSON, 413 past MAX_BODY_BYTES (declared or streamed). */
export const jsonBody: MiddlewareHandler<AppEnv> = async (c, next) => {
  const type = c.req.header("content-type") ?? "";
  if (!/^application\/(.+\+)?json(\s*;|$)/i.test(type)) {
    throw new ApiError(
      415,
      "Unsupported media type",
      `send the body as application/json (got ${type === "" ? "no content type" : type})`,
    );
  }
  const maxSize = limits(c.env).maxBodyBytes;
  return bodyLimit({
    maxSize,
    onError: () => {
      throw new ApiError(413, "Payload too large", `the body exceeds the limit of ${maxSize} bytes`);
    },
  })(c, next);
};

/** For bodies that may be left out: no body and no content type pass, anything else is `jsonBody`'s. */
export const optionalJsonBody: MiddlewareHandler<AppEnv> = async (c, next) => {
  if (c.req.raw.body === null && c.req.header("content-type") === undefined) return next();
  return jsonBody(c, next);
};
