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

const count = z.number().int().nonnegative();

const NumericDrift = z.object({
  kind: z.literal("numeric"),
  count,
  referenceCount: count,
  nonFinite: count.openapi({
    description: "Values that were NaN or infinite (left out of KS and Wasserstein)",
  }),
  psi: z.number(),
  jensenShannon: z.number(),
  ks: z.object({
    statistic: z.number(),
    pValue: z.number(),
    rankErrorBound: z
      .number()
      .openapi({ description: "The sketches' rank error, taken off D before the p-value" }),
  }),
  wasserstein: z.number(),
});

const CategoricalDrift = z.object({
  kind: z.literal("categorical"),
  count,
  referenceCount: count,
  psi: z.number(),
  jensenShannon: z.number(),
  chiSquare: z.object({
    // JSON has no Infinity: a category the reference never saw makes the statistic null.
    statistic: z.number().nullable(),
    degreesOfFreedom: z.number(),
    pValue: z.number(),
  }),
});

const DataQualityFailure = z.object({
  kind: z.literal("data-quality"),
  count,
  referenceCount: count,
  psi: z.null(),
  nan: count,
  infinite: count,
  reason: z.string(),
});

const share = z.number().min(0).max(1);
const DataQualityShares = z.object({
  kind: z.literal("data-quality-shares"),
  count,
  referenceCount: count,
  psi: z.null(),
  shares: z.record(z.string(), share).openapi({
    description: "Share of the window's values in each problem state (missing, out-of-range, unseen)",
  }),
  referenceShares: z.record(z.string(), share),
});

const FeatureDrift = z
  .discriminatedUnion("kind", [NumericDrift, CategoricalDrift, DataQualityFailure, DataQualityShares])
  .nullable()
  .openapi("FeatureDrift", {
    description: "null while the window or the reference has no data for the feature",
  });

export const ErrorTally = z
  .object({
    count,
    rate: z.number().min(0).max(1).nullable().openapi({
      description:
        "count / (samples + count): the share of sampled instances it failed on; null when sent none",
    }),
    byKind: z.object({ "non-finite-output": count, "run-failed": count }),
  })
  .openapi("ErrorTally", {
    description:
      "Sampled instances the version failed to answer after they passed the request checks: outputs NaN or infinite, or the run failed",
  });

const RoleDrift = z.object({
  samples: count.openapi({ description: "Sampled instances answered" }),
  errors: ErrorTally,
  features: z.record(z.string(), FeatureDrift),
  latencyMs: z.object({ p50: z.number(), p99: z.number() }).nullable(),
});

const VersionDrift = z.object({
  role: z.enum(["active", "candidate", "requested"]),
  version: z.number().int().positive(),
  samples: count,
  referenceSamples: count
    .nullable()
    .openapi({ description: "Rows behind the reference profile; null without one" }),
  byRole: z.record(z.string(), RoleDrift).openapi({
    description: "Per serving role the version answered in (active, fallback, pinned, candidate, shadow)",
  }),
});

const DriftReport = z
  .object({
    model: z.string(),
    window: z.string(),
    windowSeconds: z.number().int().positive(),
    from: z.iso.datetime(),
    until: z.iso.datetime(),
    versions: z.array(VersionDrift),
  })
  .openapi("DriftReport");

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
      content: { "application/json": { schema: DriftReport } },
    },
    400: problemResponse("Bad query, or a window shorter than one drift window or past the retention"),
    404: problemResponse("No such model or version"),
  },
});

export const drift = resourceApp().openapi(route, async (c) => {
  const { name } = c.req.valid("param");
  const query = c.req.valid("query");
  const { state, from, until, windowSeconds } = await lookbackRead(c.env, name, query.window);
  const roles: Array<{ version: number; role: "active" | "candidate" | "requested" }> = query.version
    ? [{ version: query.version, role: "requested" }]
    : [
        ...(state.active ? [{ version: state.active, role: "active" as const }] : []),
        ...(state.candidate ? [{ version: state.candidate.version, role: "candidate" as const }] : []),
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
