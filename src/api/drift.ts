/** GET /v1/models/{name}/drift: per-feature drift statistics of the active and candidate versions. */
import { createRoute, z } from "@hono/zod-openapi";
import { versionDriftByRole } from "../drift/report.js";
import { readManifest } from "../registry/manifests.js";
import { resourceApp } from "./context.js";
import { Lookback, lookbackRead } from "./lookback.js";
import { ApiError } from "./problem.js";
import { ModelParams, problemResponse, wholeNumber } from "./schemas.js";

const DriftQuery = z.object({
  version: wholeNumber({ min: 1 }).optional().openapi({ description: "Only this version" }),
  window: Lookback,
});

const route = createRoute({
  method: "get",
  path: "/{name}/drift",
  operationId: "getDrift",
  tags: ["drift"],
  summary: "Drift of the active and candidate versions against their reference profiles",
  request: { params: ModelParams, query: DriftQuery },
  responses: {
    200: {
      description:
        "Per-feature statistics of each version, per serving role, over the windows from `from` to `until`",
      content: { "application/json": { schema: z.object({}).passthrough().openapi("DriftReport") } },
    },
    400: problemResponse("Bad query, or a window shorter than one drift window or past the retention"),
    404: problemResponse("No such model or version"),
  },
});

export const drift = resourceApp().openapi(route, async (c) => {
  const { name } = c.req.valid("param");
  const query = c.req.valid("query");
  const { state, from, until, windowSeconds } = await lookbackRead(c.env, name, query.window);
  const roles: Array<{ version: number; role: string }> = query.version
    ? [{ version: query.version, role: "requested" }]
    : [
        ...(state.active ? [{ version: state.active, role: "active" }] : []),
        ...(state.candidate ? [{ version: state.candidate.version, role: "candidate" }] : []),
      ];
  const versions = await Promise.all(
    roles.map(async ({ version, role }) => {
      const manifest = await readManifest(c.env.MODELS, name, version).catch(() => null);
      if (!manifest) throw ApiError.notFound(`model ${name} has no readable version ${version}`);
      return { role, ...(await versionDriftByRole(c.env.MODELS, manifest, from)) };
    }),
  );
  return c.json(
    {
      model: name,
      window: query.window,
      windowSeconds,
      from: new Date(from).toISOString(),
      until: new Date(until).toISOString(),
      versions,
    },
    200,
  );
});
