/**
 * The OpenAPI document served at /openapi.json: what the routes declare, plus what holds for every
 * operation and so is added here once, where the app adds it once too: the `x-request-id` header on
 * every request and response (and the 400 for a malformed one), the 500 any operation can answer,
 * `security: []` on public operations, and the 2^53 - 1 bound zod's integers have (the generator
 * leaves it out).
 */
import type { OpenAPIHono } from "@hono/zod-openapi";
import type { AppEnv } from "./context.js";
import { CALLER_REQUEST_ID } from "./middleware.js";

type Json = { [key: string]: unknown };

const METHODS = ["get", "put", "post", "delete", "options", "head", "patch", "trace"];

const REQUEST_ID_PARAMETER = {
  name: "x-request-id",
  in: "header",
  required: false,
  description:
    "The caller's id for the request, echoed back and used by feedback (a fresh UUID when left out); one that breaks the pattern is refused with 400",
  schema: { type: "string", pattern: CALLER_REQUEST_ID.source },
};

const REQUEST_ID_HEADER = {
  required: true,
  description: "The request's id: the caller's x-request-id, else a fresh UUID",
  schema: { type: "string" },
};

/** Every integer schema gets the bounds zod enforces, `Number.isSafeInteger`'s range, inclusive. */
function boundIntegers(node: unknown): void {
  if (Array.isArray(node)) {
    for (const item of node) boundIntegers(item);
    return;
  }
  if (node === null || typeof node !== "object") return;
  const schema = node as Json;
  const type = schema.type;
  if (type === "integer" || (Array.isArray(type) && type.includes("integer"))) {
    // For integers an exclusive bound is an inclusive one a step inside it.
    if (typeof schema.exclusiveMinimum === "number") {
      schema.minimum = Math.floor(schema.exclusiveMinimum) + 1;
      delete schema.exclusiveMinimum;
    }
    if (typeof schema.exclusiveMaximum === "number") {
      schema.maximum = Math.ceil(schema.exclusiveMaximum) - 1;
      delete schema.exclusiveMaximum;
    }
    schema.minimum ??= Number.MIN_SAFE_INTEGER;
    schema.maximum ??= Number.MAX_SAFE_INTEGER;
  }
  for (const [key, value] of Object.entries(schema)) {
    if (key !== "example" && key !== "examples" && key !== "default") boundIntegers(value);
  }
}

/** The document for a deployment at `origin`. */
export function apiDocument(app: OpenAPIHono<AppEnv>, origin: string): Json {
  const document = app.getOpenAPI31Document({
    openapi: "3.1.0",
    info: {
      title: "vane",
      version: "0.1.0",
      description: "ONNX model serving, drift telemetry and promotion at the edge.",
    },
    servers: [{ url: origin, description: "This deployment" }],
  }) as unknown as Json & { paths: Record<string, Json>; components: Json };
  const components = document.components as Json & { schemas: Json };
  components.parameters = { RequestId: REQUEST_ID_PARAMETER, ...(components.parameters as Json) };
  components.headers = { RequestId: REQUEST_ID_HEADER, ...(components.headers as Json) };
  for (const item of Object.values(document.paths)) {
    for (const method of METHODS) {
      const operation = item[method] as (Json & { responses: Record<string, Json> }) | undefined;
      if (!operation) continue;
      operation.security ??= [];
      operation.parameters = [
        ...((operation.parameters as unknown[]) ?? []),
        { $ref: "#/components/parameters/RequestId" },
      ];
      // The request-id middleware stands in front of every route.
      operation.responses["400"] ??= {
        description: "The x-request-id header breaks its pattern",
        content: { "application/problem+json": { schema: { $ref: "#/components/schemas/Problem" } } },
      };
      operation.responses["500"] ??= {
        description: "An unexpected failure (the details are in the Worker's logs, never in the answer)",
        content: { "application/problem+json": { schema: { $ref: "#/components/schemas/Problem" } } },
      };
      for (const response of Object.values(operation.responses)) {
        response.headers = {
          "x-request-id": { $ref: "#/components/headers/RequestId" },
          ...(response.headers as Json),
        };
      }
    }
  }
  boundIntegers(components.schemas);
  boundIntegers(document.paths);
  return document;
}
