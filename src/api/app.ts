/** The HTTP surface: each resource is its own small app, mounted here, documented at /openapi.json. */
import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import { ADMIN_SCHEME, adminSecurityScheme } from "./admin/guard.js";
import { admin } from "./admin/index.js";
import type { AppEnv } from "./context.js";
import { dashboard } from "./dashboard.js";
import { apiDocument } from "./document.js";
import { drift } from "./drift.js";
import { feedback } from "./feedback.js";
import { issueFeedbackToken } from "./feedback-auth.js";
import { health } from "./health.js";
import { history } from "./history.js";
import { unknownRoute } from "./methods.js";
import { requestId } from "./middleware.js";
import { models } from "./models.js";
import { predict } from "./predict.js";
import { onError } from "./problem.js";
import { refuseReusedRequestId } from "./request-ids.js";

const documentRoute = createRoute({
  method: "get",
  path: "/openapi.json",
  operationId: "getOpenApiDocument",
  tags: ["health"],
  summary: "This document",
  responses: {
    200: {
      description: "The OpenAPI 3.1 document, its server this deployment",
      content: { "application/json": { schema: z.record(z.string(), z.unknown()) } },
    },
  },
});

export function createApp() {
  const app = new OpenAPIHono<AppEnv>();
  app.use("*", requestId);
  for (const path of ["/v1/models/:name/predict", "/v1/models/:name/versions/:version/predict"]) {
    app.use(path, refuseReusedRequestId, issueFeedbackToken);
  }
  app.route("/healthz", health);
  app.route("/v1/models", models);
  app.route("/v1/models", predict);
  app.route("/v1/models", drift);
  app.route("/v1/models", history);
  app.route("/v1/models", feedback);
  app.route("/v1/admin", admin);
  app.route("/dashboard", dashboard);
  app.openAPIRegistry.registerComponent("securitySchemes", ADMIN_SCHEME, adminSecurityScheme);
  app.openapi(documentRoute, (c) => c.json(apiDocument(app, new URL(c.req.url).origin), 200));
  app.notFound(unknownRoute(app.routes));
  app.onError(onError);
  // Hono's router compiles its matchers on the first match: done here, at module scope, it is not
  // part of the first request (8 ms of a fresh isolate's first predict in a CPU profile).
  app.router.match("GET", "/healthz");
  return app;
}
