/**
 * 405 for a path the API knows asked with a method it does not take, with `Allow` naming the ones it
 * does; 404 for any other unknown route. Both in vane's problem format.
 */
import type { Context, NotFoundHandler } from "hono";
import type { RouterRoute } from "hono/types";
import { ApiError, problem } from "./problem.js";

type Pattern = { segments: string[]; method: string };

/** `/v1/models/:name/drift` against `/v1/models/spam/drift`: a `:param` segment takes any one segment. */
function matches(pattern: string[], segments: string[]): boolean {
  return (
    pattern.length === segments.length &&
    pattern.every((part, i) => (part.startsWith(":") ? segments[i] !== "" : part === segments[i]))
  );
}

export function unknownRoute(routes: readonly RouterRoute[]): NotFoundHandler {
  let patterns: Pattern[] | null = null;
  return (c: Context) => {
    // Read once the app is complete: routes are all registered before the first request.
    patterns ??= routes
      .filter((route) => route.method !== "ALL")
      .map((route) => ({ segments: route.path.split("/"), method: route.method }));
    const segments = c.req.path.split("/");
    const methods = new Set(patterns.filter((p) => matches(p.segments, segments)).map((p) => p.method));
    if (methods.size === 0) {
      return problem(c, ApiError.notFound(`no route for ${c.req.method} ${c.req.path}`));
    }
    // Hono answers HEAD with the GET route.
    if (methods.has("GET")) methods.add("HEAD");
    const allow = [...methods].sort().join(", ");
    const response = problem(
      c,
      new ApiError(405, "Method not allowed", `${c.req.path} takes ${allow}, not ${c.req.method}`),
    );
    response.headers.set("allow", allow);
    return response;
  };
}
