/**
 * A request id names one prediction of a model. The predict path refuses (409) a caller's id that
 * already names a logged prediction of the model, so a second call under it cannot lose its record,
 * its drift samples or its feedback to the first. Ids outside the prediction log's share are never
 * logged (the share is a hash of the id, so the same id is always out): reusing one loses nothing.
 */
import type { MiddlewareHandler } from "hono";
import { limits } from "../config.js";
import { readPredictions } from "../drift/predictions.js";
import { isLogged } from "../drift/sampling.js";
import type { AppEnv } from "./context.js";
import { ApiError } from "./problem.js";

/** Whether `requestId` already names a logged prediction of `model`; false (logged) if unreadable. */
async function alreadyLogged(env: Env, model: string, requestId: string): Promise<boolean> {
  try {
    if (!isLogged(requestId, limits(env).predictionLogRate)) return false;
    return (await readPredictions(env.PREDICTIONS, model, [requestId])).size > 0;
  } catch (error) {
    console.warn(
      JSON.stringify({ event: "request_id_check_failed", model, requestId, message: String(error) }),
    );
    return false;
  }
}

export const refuseReusedRequestId: MiddlewareHandler<AppEnv> = async (c, next) => {
  const model = c.req.param("name");
  const id = c.get("requestId");
  if (model && c.req.header("x-request-id") !== undefined && (await alreadyLogged(c.env, model, id))) {
    throw new ApiError(
      409,
      "Request id already used",
      `request id ${id} already names a prediction of ${model}`,
      [{ field: "x-request-id", message: "already used for a prediction of this model: send a new id" }],
    );
  }
  await next();
};
