/** The HTTP surface: each resource is its own small app, mounted here, documented at /openapi.json. */
import { OpenAPIHono } from "@hono/zod-openapi";
import { ADMIN_SCHEME, adminSecurityScheme } from "./admin/guard.js";
import { admin } from "./admin/index.js";
import type { AppEnv } from "./context.js";
import { drift } from "./drift.js";
import { feedback } from "./feedback.js";
import { issueFeedbackToken } from "./feedback-auth.js";
import { health } from "./health.js";
import { requestId } from "./middleware.js";
import { models } from "./models.js";
import { predict } from "./predict.js";
import { ApiError, onError, problem } from "./problem.js";
import { refuseReusedRequestId } from "./request-ids.js";

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
  app.route("/v1/models", feedback);
  app.route("/v1/admin", admin);
  app.openAPIRegistry.registerComponent("securitySchemes", ADMIN_SCHEME, adminSecurityScheme);
  app.doc31("/openapi.json", {
    openapi: "3.1.0",
    info: {
      title: "vane",
      version: "0.1.0",
      description: "ONNX model serving, drift telemetry and promotion at the edge.",
    },
  });
  app.notFound((c) => problem(c, ApiError.notFound(`no route for ${c.req.method} ${c.req.path}`)));
  app.onError(onError);
  return app;
}
