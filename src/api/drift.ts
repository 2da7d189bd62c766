/** GET /v1/models/{name}/drift: per-feature drift statistics of the active and candidate versions. */
import { createRoute, z } from "@hono/zod-openapi";
import { limits } from "../config.js";
import { versionDrift } from "../drift/report.js";
import { readManifest } from "../registry/manifests.js";
import { readState } from "../registry/state.js";
import { resourceApp } from "./context.js";
import { ApiError } from "./problem.js";
import { Lookback, lookbackMs, ModelParams, problemResponse, wholeNumber } from "./schemas.js";

const DriftQuery = z.object({
  version: wholeNumber({ min: 1 }).optional().openapi({ description: "Only this version" }),
  window: Lookback,
});

const route = createRoute({
  method: "get",
  path: "/{name}/drift",
  tags: ["drift"],
  summary: "Drift of the active and candidate versions against their reference profiles",
  request: { params: ModelParams, query: DriftQuery },
  responses: {
    200: {
      description: "Per-feature statistics and the sample counts behind them",
      content: { "application/json": { schema: z.object({}).passthrough().openapi("DriftReport") } },
    },
    400: problemResponse("Bad query"),
    404: problemResponse("No such model or version"),
  },
});

export const drift = resourceApp().openapi(route, async (c) => {
  const { name } = c.req.valid("param");
  const query = c.req.valid("query");
  const spanMs = lookbackMs(query.window, limits(c.env).driftRetentionDays);
  const state = await readState(c.env, name);
  if (!state) throw ApiError.notFound(`no model named ${name}`);
  const roles: Array<{ version: number; role: string }> = query.version
    ? [{ version: query.version, role: "requested" }]
    : [
        ...(state.active ? [{ version: state.active, role: "active" }] : []),
        ...(state.candidate ? [{ version: state.candidate.version, role: "candidate" }] : []),
      ];
  const now = Date.now();
  const versions = await Promise.all(
    roles.map(async ({ version, role }) => {
      const manifest = await readManifest(c.env.MODELS, name, version).catch(() => null);
      if (!manifest) throw ApiError.notFound(`model ${name} has no readable version ${version}`);
      const { drift: report } = await versionDrift(c.env.MODELS, manifest, now - spanMs);
      return { role, ...report };
    }),
  );
  return c.json(
    { model: name, window: query.window, from: new Date(now - spanMs).toISOString(), versions },
    200,
  );
});
