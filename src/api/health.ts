import { createRoute, z } from "@hono/zod-openapi";
import { resourceApp } from "./context.js";

const route = createRoute({
  method: "get",
  path: "/",
  operationId: "getHealth",
  tags: ["health"],
  summary: "Liveness: the Worker answers",
  responses: {
    200: {
      description: "The Worker is up",
      content: { "application/json": { schema: z.object({ status: z.literal("ok"), time: z.string() }) } },
    },
  },
});

export const health = resourceApp().openapi(route, (c) =>
  c.json({ status: "ok" as const, time: new Date().toISOString() }, 200),
);
