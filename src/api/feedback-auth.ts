/**
 * Who may label a prediction: the caller that received it, or an operator. Every predict response
 * carries `vane-feedback-token`, the HMAC-SHA256 of the model and request id under FEEDBACK_SECRET;
 * each feedback label brings back the token of its request. The admin bearer token stands in for
 * every label's token. Without FEEDBACK_SECRET no tokens are issued and only operators may label.
 */
import type { Context, MiddlewareHandler } from "hono";
import { hmacSha256Hex } from "../core/hmac.js";
import { hasAdminToken, tokensMatch } from "./admin/guard.js";
import type { AppEnv } from "./context.js";
import { ApiError, type FieldError } from "./problem.js";

export const FEEDBACK_TOKEN_HEADER = "vane-feedback-token";
export const FEEDBACK_CHALLENGE = 'Bearer realm="vane-feedback"';

/** The token that lets the receiver of `requestId`'s prediction label it. */
export function feedbackToken(secret: string, model: string, requestId: string): Promise<string> {
  return hmacSha256Hex(secret, `feedback\n${model}\n${requestId}`);
}

/** Adds the feedback token to every successful predict response of the model in the path. */
export const issueFeedbackToken: MiddlewareHandler<AppEnv> = async (c, next) => {
  await next();
  const secret = c.env.FEEDBACK_SECRET;
  const model = c.req.param("name");
  if (!secret || !model || c.res.status !== 200) return;
  c.res.headers.set(FEEDBACK_TOKEN_HEADER, await feedbackToken(secret, model, c.get("requestId")));
};

/**
 * Passes when the call may label every given request (an operator, or a valid token on each label);
 * else throws the 401, naming each label whose token is missing or wrong.
 */
export async function authorizeFeedback(
  c: Context<AppEnv>,
  model: string,
  labels: ReadonlyArray<{ requestId: string; token?: string }>,
): Promise<void> {
  if (await hasAdminToken(c)) return;
  const secret = c.env.FEEDBACK_SECRET;
  const expected = new Map<string, string>();
  const errors: FieldError[] = [];
  for (const [i, { requestId, token }] of labels.entries()) {
    if (token === undefined) {
      errors.push({
        field: `labels[${i}].token`,
        message: `the ${FEEDBACK_TOKEN_HEADER} of request ${requestId}`,
      });
      continue;
    }
    if (secret && !expected.has(requestId))
      expected.set(requestId, await feedbackToken(secret, model, requestId));
    if (!secret || !(await tokensMatch(token, expected.get(requestId) ?? ""))) {
      errors.push({ field: `labels[${i}].token`, message: `not the feedback token of request ${requestId}` });
    }
  }
  if (errors.length === 0) return;
  throw new ApiError(
    401,
    "Unauthorized",
    `only the receiver of a prediction (with the ${FEEDBACK_TOKEN_HEADER} its response carried) or an operator (Authorization: Bearer <admin token>) may label it`,
    errors,
    { "www-authenticate": FEEDBACK_CHALLENGE },
  );
}
