/**
 * GET /v1/admin/models/{name}/examples: raw inputs a version answered, for models whose drift spec
 * asks to keep examples (see `examples` in src/core/drift-features.ts). Behind the admin token:
 * they are the users' own texts. The examples are the samples with the lowest sample-id hashes
 * across the windows read, a uniform sample of the inputs in that span.
 */
import { z } from "@hono/zod-openapi";
import { MAX_EXAMPLES_PER_WINDOW } from "../../core/drift-features.js";
import { lowestExamples } from "../../drift/window-format.js";
import { readWindows } from "../../drift/windows.js";
import { readManifest } from "../../registry/manifests.js";
import { resourceApp } from "../context.js";
import { Lookback, lookbackRead } from "../lookback.js";
import { ApiError } from "../problem.js";
import { wholeNumber } from "../schemas.js";
import { readRoute } from "./action.js";

const ExamplesQuery = z.object({
  version: wholeNumber({ min: 1 }).optional().openapi({ description: "Default: the active version" }),
  window: Lookback,
  limit: wholeNumber({ min: 1, max: MAX_EXAMPLES_PER_WINDOW }).default(20),
});

const Examples = z
  .object({
    model: z.string(),
    version: z.number().int(),
    window: z.string(),
    from: z.string(),
    /** Examples each window keeps (the manifest's drift spec); null when the model keeps none. */
    keep: z.number().int().nullable(),
    examples: z.array(
      z.object({ id: z.string(), time: z.string(), text: z.string(), label: z.string().optional() }),
    ),
  })
  .openapi("Examples");

const route = readRoute({
  path: "/models/{name}/examples",
  operationId: "listExamples",
  summary: "Raw inputs a version answered (models that keep examples)",
  query: ExamplesQuery,
  description: "A uniform sample of the inputs",
  result: Examples,
  notFound: "No such model or version",
});

export const examples = resourceApp().openapi(route, async (c) => {
  const { name } = c.req.valid("param");
  const query = c.req.valid("query");
  const { state, from } = await lookbackRead(c.env, name, query.window);
  const version = query.version ?? state.active;
  if (version === null) throw ApiError.notFound(`model ${name} has no active version`);
  const manifest = await readManifest(c.env.MODELS, name, version).catch(() => null);
  if (!manifest) throw ApiError.notFound(`model ${name} has no readable version ${version}`);
  const windows = await readWindows(c.env.MODELS, name, version, from);
  const kept = lowestExamples(
    windows.flatMap((window) => window.examples),
    query.limit,
  );
  return c.json(
    {
      model: name,
      version,
      window: query.window,
      from: new Date(from).toISOString(),
      keep: manifest.drift?.examples?.keep ?? null,
      examples: kept.map(({ id, time, text, label }) => ({
        id,
        time: new Date(time).toISOString(),
        text,
        ...(label === undefined ? {} : { label }),
      })),
    },
    200,
  );
});
