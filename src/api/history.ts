/**
 * GET /v1/models/{name}/history: drift, data quality, latency, sample and label counts over time,
 * per version and serving role, in buckets of whole drift windows; and each feature's live
 * distribution over the span beside its reference. What the dashboard charts.
 */
import { createRoute, z } from "@hono/zod-openapi";
import { versionHistory } from "../drift/history.js";
import { effectivePolicy, policyFromEnv } from "../promotion/policy.js";
import { readManifest } from "../registry/manifests.js";
import { resourceApp } from "./context.js";
import { ErrorTally } from "./drift.js";
import { Lookback, lookbackRead } from "./lookback.js";
import { ApiError } from "./problem.js";
import { ModelParams, problemResponse, wholeNumber } from "./schemas.js";

/** Buckets one answer holds at most; the default bucket is the smallest whole window within it. */
const MAX_BUCKETS = 1000;
const DEFAULT_BUCKETS = 96;
/** Previous versions reported besides the active one and the candidate (the most recent first). */
const PREVIOUS_VERSIONS = 2;

const HistoryQuery = z.object({
  version: wholeNumber({ min: 1 }).optional().openapi({ description: "Only this version" }),
  window: Lookback,
  bucket: z
    .string()
    .regex(/^\d{1,5}[mhd]$/, "a span such as 10m, 1h or 1d")
    .optional()
    .openapi({
      description: `Length of one bucket, a whole number of drift windows (default: the smallest giving at most ${DEFAULT_BUCKETS} buckets)`,
      example: "1h",
    }),
});

const count = z.number().int().nonnegative();

const FeaturePoint = z.object({
  count,
  psi: z.number().nullable(),
  ks: z.number().nullable().openapi({ description: "KS statistic D (numeric features)" }),
  mean: z.number().nullable().openapi({ description: "Mean of the finite live values (numeric features)" }),
  categories: z
    .record(z.string(), count)
    .nullable()
    .openapi({ description: "Live count per category (categorical features)" }),
});

const HistoryBucket = z.object({
  start: z.iso.datetime(),
  samples: count,
  errors: ErrorTally,
  latencyMs: z.object({ p50: z.number(), p90: z.number(), p99: z.number() }).nullable(),
  labels: count.openapi({ description: "Labelled predictions made in the bucket (feedback)" }),
  correct: count,
  features: z.record(z.string(), FeaturePoint),
});

const Counts = z.array(count);
const Distribution = z
  .discriminatedUnion("kind", [
    z.object({
      kind: z.literal("numeric"),
      edges: z.array(z.number()),
      reference: Counts.nullable(),
      live: Counts.openapi({ description: "[below the first edge, ...bins, above the last edge]" }),
    }),
    z.object({
      kind: z.literal("categorical"),
      categories: z.array(z.string()),
      reference: Counts.nullable(),
      live: Counts,
    }),
  ])
  .openapi("FeatureDistribution", { description: "reference is null for a version without a profile" });

const RoleHistory = z.object({
  samples: count,
  errors: ErrorTally,
  labels: count,
  correct: count,
  buckets: z.array(HistoryBucket).openapi({ description: "Buckets with samples or labels, oldest first" }),
  distributions: z.record(z.string(), Distribution),
});

const VersionHistory = z.object({
  role: z.enum(["active", "candidate", "previous", "requested"]),
  version: z.number().int().positive(),
  features: z.array(z.object({ name: z.string(), kind: z.string(), dataQuality: z.boolean() })),
  byRole: z.record(z.string(), RoleHistory).openapi({
    description: "Per serving role the version answered in (active, fallback, pinned, candidate, shadow)",
  }),
});

const History = z
  .object({
    model: z.string(),
    window: z.string(),
    windowSeconds: z.number().int().positive(),
    bucketSeconds: z.number().int().positive(),
    from: z.iso.datetime(),
    until: z.iso.datetime(),
    policy: z.object({
      driftPsi: z.number().openapi({ description: "PSI above which a feature counts as drifted" }),
      maxErrorRate: z.number().openapi({ description: "Error rate above which a version is turned down" }),
    }),
    versions: z.array(VersionHistory),
  })
  .openapi("DriftHistory");

const route = createRoute({
  method: "get",
  path: "/{name}/history",
  operationId: "getHistory",
  tags: ["drift"],
  summary: "Drift, data quality, latency and label counts over time, per version and serving role",
  request: { params: ModelParams, query: HistoryQuery },
  responses: {
    200: {
      description: "Buckets of whole drift windows from `from` to `until`, and each feature's distribution",
      content: { "application/json": { schema: History } },
    },
    400: problemResponse("Bad query: a window or bucket shorter than one drift window, or too many buckets"),
    404: problemResponse("No such model or version"),
  },
});

const UNIT_SECONDS = { m: 60, h: 3_600, d: 86_400 } as const;

/** The bucket in seconds: whole drift windows, at most MAX_BUCKETS of them over the span; else 400. */
function bucketSeconds(given: string | undefined, spanSeconds: number, windowSeconds: number): number {
  if (given === undefined) {
    const windows = Math.ceil(spanSeconds / windowSeconds / DEFAULT_BUCKETS);
    return Math.max(1, windows) * windowSeconds;
  }
  const seconds = Number(given.slice(0, -1)) * UNIT_SECONDS[given.at(-1) as keyof typeof UNIT_SECONDS];
  if (seconds < windowSeconds || seconds % windowSeconds !== 0) {
    throw ApiError.badRequest("bucket", `a whole number of drift windows of ${windowSeconds} s`);
  }
  if (Math.ceil(spanSeconds / seconds) > MAX_BUCKETS) {
    throw ApiError.badRequest(
      "bucket",
      `at most ${MAX_BUCKETS} buckets over the window: ask for longer ones`,
    );
  }
  return seconds;
}

export const history = resourceApp().openapi(route, async (c) => {
  const { name } = c.req.valid("param");
  const query = c.req.valid("query");
  const { state, from, until, windowSeconds } = await lookbackRead(c.env, name, query.window);
  const bucket = bucketSeconds(query.bucket, (until - from) / 1000, windowSeconds);
  type Role = "active" | "candidate" | "previous" | "requested";
  const roles: Array<{ version: number; role: Role }> = query.version
    ? [{ version: query.version, role: "requested" }]
    : [
        ...(state.active ? [{ version: state.active, role: "active" as const }] : []),
        ...(state.candidate ? [{ version: state.candidate.version, role: "candidate" as const }] : []),
        ...state.previous
          .filter((version) => version !== state.candidate?.version)
          .slice(0, PREVIOUS_VERSIONS)
          .map((version) => ({ version, role: "previous" as const })),
      ];
  const versions = await Promise.all(
    roles.map(async ({ version, role }) => {
      const manifest = await readManifest(c.env.MODELS, name, version).catch(() => null);
      if (!manifest) {
        if (role === "previous") return null;
        throw ApiError.notFound(`model ${name} has no readable version ${version}`);
      }
      const read = await versionHistory(c.env.MODELS, manifest, { from, bucketSeconds: bucket });
      return {
        role,
        ...read,
        byRole: Object.fromEntries(
          Object.entries(read.byRole).map(([servingRole, series]) => [
            servingRole,
            {
              ...series,
              buckets: series.buckets.map((b) => ({ ...b, start: new Date(b.start).toISOString() })),
            },
          ]),
        ),
      };
    }),
  );
  return c.json(
    {
      model: name,
      window: query.window,
      windowSeconds,
      bucketSeconds: bucket,
      from: new Date(from).toISOString(),
      until: new Date(until).toISOString(),
      policy: (({ driftPsi, maxErrorRate }) => ({ driftPsi, maxErrorRate }))(
        effectivePolicy(policyFromEnv(c.env), state.policy),
      ),
      versions: versions.filter((v) => v !== null),
    },
    200,
  );
});
