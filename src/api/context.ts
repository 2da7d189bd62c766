/** The Hono environment every resource app shares, and the factory that gives them one validation hook. */
import { OpenAPIHono } from "@hono/zod-openapi";
import { ApiError } from "./problem.js";

export interface AppEnv {
  Bindings: Env;
  Variables: { requestId: string };
}

/** A resource app whose zod validation failures become 400 problems naming each field. */
export function resourceApp(): OpenAPIHono<AppEnv> {
  return new OpenAPIHono<AppEnv>({
    defaultHook: (result) => {
      if (result.success) return;
      const errors = result.error.issues.map((issue) => ({
        field: issue.path.length > 0 ? fieldPath(issue.path) : result.target,
        message: issue.message,
      }));
      const detail = errors.map((e) => `${e.field}: ${e.message}`).join("; ");
      throw new ApiError(400, "Invalid request", detail, errors);
    },
  });
}

/** `["instances", 0, "text"]` becomes `instances[0].text`, the notation every 400 uses. */
function fieldPath(path: PropertyKey[]): string {
  return path
    .map((key, i) => (typeof key === "number" ? `[${key}]` : `${i === 0 ? "" : "."}${String(key)}`))
    .join("");
}
