/**
 * GET /dashboard: the operators' page, served by the Worker itself. Its files (src/dashboard/static)
 * and uPlot's browser build are bundled into the Worker as text modules; the page reads the same
 * JSON API as any client, with the admin token the operator types for the admin routes.
 */
import { createRoute, z } from "@hono/zod-openapi";
import uplotJs from "uplot/dist/uPlot.iife.min.js";
import uplotCss from "uplot/dist/uPlot.min.css";
import app from "../dashboard/static/app.js";
import charts from "../dashboard/static/charts.js";
import css from "../dashboard/static/dashboard.css";
import page from "../dashboard/static/index.html";
import { resourceApp } from "./context.js";
import { ApiError } from "./problem.js";
import { problemResponse } from "./schemas.js";

const JS = "text/javascript; charset=utf-8";
const CSS = "text/css; charset=utf-8";

const FILES = new Map<string, { body: string; type: string }>([
  ["app.js", { body: app, type: JS }],
  ["charts.js", { body: charts, type: JS }],
  ["dashboard.css", { body: css, type: CSS }],
  ["uplot.js", { body: uplotJs, type: JS }],
  ["uplot.css", { body: uplotCss, type: CSS }],
]);

/** Only the page's own files and API; uPlot sets styles through the DOM, which the policy allows. */
const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "connect-src 'self'",
  "img-src 'self' data:",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join("; ");

const text = z.string();

const pageRoute = createRoute({
  method: "get",
  path: "/",
  operationId: "getDashboard",
  tags: ["dashboard"],
  summary: "The dashboard: models, versions, drift over time, the audit timeline and actions",
  responses: {
    200: { description: "The page", content: { "text/html": { schema: text } } },
  },
});

const fileRoute = createRoute({
  method: "get",
  path: "/{file}",
  operationId: "getDashboardFile",
  tags: ["dashboard"],
  summary: "A script or style sheet of the dashboard",
  request: {
    params: z.object({
      file: z.string().openapi({ param: { name: "file", in: "path" }, example: "app.js" }),
    }),
  },
  responses: {
    200: {
      description: "The file",
      content: { "text/javascript": { schema: text }, "text/css": { schema: text } },
    },
    404: problemResponse("No such file"),
  },
});

const served = (body: string, type: string, headers: Record<string, string> = {}) =>
  new Response(body, {
    headers: {
      "content-type": type,
      "cache-control": "no-cache",
      "x-content-type-options": "nosniff",
      ...headers,
    },
  });

export const dashboard = resourceApp()
  .openapi(pageRoute, () =>
    served(page, "text/html; charset=utf-8", {
      "content-security-policy": CONTENT_SECURITY_POLICY,
      "referrer-policy": "no-referrer",
    }),
  )
  .openapi(fileRoute, (c) => {
    const name = c.req.valid("param").file;
    const file = FILES.get(name);
    if (!file) throw ApiError.notFound(`the dashboard has no file ${name}`);
    return served(file.body, file.type);
  });
