/**
 * The admin guard: one bearer-token middleware (the ADMIN_TOKEN secret, compared in constant time) in
 * front of every /v1/admin route, so nothing there answers without the token, not even a 404. The
 * security scheme and the 401 it answers are declared here once, for the OpenAPI document.
 */
import { z } from "@hono/zod-openapi";
import type { Context, MiddlewareHandler } from "hono";
import type { AppEnv } from "../context.js";
import { ApiError, problem } from "../problem.js";
import { Problem } from "../schemas.js";

async function sha256(text: string): Promise<Uint8Array> {
  return new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text)));
}

/**
 * Compares the SHA-256 digests of both tokens, so neither the length nor the content of the secret
 * shows in the timing: workerd's timingSafeEqual when present, else an XOR over all 32 bytes.
 */
export async function tokensMatch(given: string, expected: string): Promise<boolean> {
  const [a, b] = await Promise.all([sha256(given), sha256(expected)]);
  const subtle = crypto.subtle as SubtleCrypto & {
    timingSafeEqual?: (x: Uint8Array, y: Uint8Array) => boolean;
  };
  if (typeof subtle.timingSafeEqual === "function") return subtle.timingSafeEqual(a, b);
  let difference = 0;
  for (let i = 0; i < a.length; i++) difference |= a[i] ^ b[i];
  return difference === 0;
}

const BEARER = /^Bearer[ \t]+([^\s]+)[ \t]*$/i;
const CHALLENGE = 'Bearer realm="vane-admin"';

/** Whether the request carries the admin token as its bearer token (an operator's call). */
export async function hasAdminToken(c: Context<AppEnv>): Promise<boolean> {
  const expected = c.env.ADMIN_TOKEN;
  const match = BEARER.exec(c.req.header("authorization") ?? "");
  // Always hash and compare (against a dummy when unset), so an unset token is not faster to find.
  return match !== null && (await tokensMatch(match[1], expected ?? "")) && Boolean(expected);
}

/** 401 (with `www-authenticate: Bearer`) unless the request carries the admin token. */
export const requireAdmin: MiddlewareHandler<AppEnv> = async (c, next) => {
  if (!(await hasAdminToken(c))) {
    const response = problem(
      c,
      new ApiError(
        401,
        "Unauthorized",
        "the admin API needs a valid bearer token (Authorization: Bearer <token>)",
      ),
    );
    response.headers.set("www-authenticate", CHALLENGE);
    return response;
  }
  await next();
};

export const ADMIN_SCHEME = "adminToken";

export const adminSecurityScheme = {
  type: "http",
  scheme: "bearer",
  description: "The ADMIN_TOKEN secret",
} as const;

/** The security requirement of every admin operation. */
export const security = [{ [ADMIN_SCHEME]: [] }];

export const unauthorized = {
  description: "Missing or wrong bearer token",
  headers: z.object({
    "www-authenticate": z.string().openapi({ description: "The challenge", example: CHALLENGE }),
  }),
  content: { "application/problem+json": { schema: Problem } },
};
