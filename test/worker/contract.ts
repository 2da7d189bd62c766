/**
 * The API contract, held to the server: every response a Worker test receives is checked against the
 * OpenAPI document the Worker serves, for its operation and status (schema, media type, required
 * headers), with @cfworker/json-schema. A route that is not in the document may only answer 404, or
 * 405 with `Allow` naming the methods its path takes (401 under the admin guard).
 */

import { exports } from "cloudflare:workers";
import { type Schema, Validator } from "@cfworker/json-schema";

interface Operation {
  operationId: string;
  responses: Record<string, ResponseSpec>;
}

interface ResponseSpec {
  content?: Record<string, { schema: Schema }>;
  headers?: Record<string, { $ref?: string; required?: boolean }>;
}

export interface ApiDocument {
  paths: Record<string, Record<string, Operation>>;
  components: {
    schemas: Record<string, Schema>;
    headers: Record<string, { required?: boolean }>;
    parameters: { RequestId: { schema: { pattern: string } } };
  };
}

let served: Promise<ApiDocument> | null = null;

/** The document this Worker serves (read once per test file). */
export function apiDocument(): Promise<ApiDocument> {
  served ??= exports.default
    .fetch(new Request("https://vane.test/openapi.json"))
    .then((response) => response.json() as Promise<ApiDocument>);
  return served;
}

const validators = new Map<Schema, Validator>();
const PROBLEM: Schema = { $ref: "#/components/schemas/Problem" };

/** A validator for one schema of the document, its `$ref`s resolved against the document's components. */
function validatorFor(document: ApiDocument, schema: Schema): Validator {
  let validator = validators.get(schema);
  if (!validator) {
    const root = { allOf: [schema], components: { schemas: document.components.schemas } } as Schema;
    validator = new Validator(root, "2020-12", false);
    validators.set(schema, validator);
  }
  return validator;
}

/** `/v1/models/{name}/drift` as a matcher of concrete paths (one segment per parameter). */
function templateMatches(template: string, path: string): boolean {
  const pattern = template
    .split(/\{[^}]+\}/)
    .map((part) => part.replace(/[.*+?^$()|[\]\\]/g, "\\$&"))
    .join("[^/]+");
  return new RegExp(`^${pattern}$`).test(path);
}

const mediaType = (response: Response) =>
  (response.headers.get("content-type") ?? "").split(";")[0].trim().toLowerCase();

async function bodyOf(response: Response): Promise<{ json?: unknown; text: string }> {
  // Decoded by hand: workerd warns on .text() of a media type it does not know as text (JSON lines).
  const text = new TextDecoder().decode(await response.arrayBuffer());
  try {
    return { json: JSON.parse(text), text };
  } catch {
    return { text };
  }
}

function schemaErrors(document: ApiDocument, schema: Schema, value: unknown): string[] {
  const result = validatorFor(document, schema).validate(value);
  return result.valid
    ? []
    : result.errors
        .filter((error) => error.keyword !== "allOf" && error.keyword !== "$ref")
        // The deepest first: the field that is wrong, before the objects around it.
        .sort((a, b) => b.instanceLocation.length - a.instanceLocation.length)
        .slice(0, 5)
        .map((error) => `${error.instanceLocation}: ${error.error}`);
}

/**
 * Everything `response` gets wrong about the document for `request`'s operation; empty when it
 * conforms. Reads a clone, so the caller still has the body.
 */
export async function contractViolations(request: Request, response: Response): Promise<string[]> {
  const document = await apiDocument();
  const { pathname } = new URL(request.url);
  const method = request.method.toLowerCase();
  const templates = Object.keys(document.paths).filter((template) => templateMatches(template, pathname));
  const operation = templates.map((template) => document.paths[template][method]).find(Boolean);
  const label = `${request.method} ${pathname} -> ${response.status}`;
  const body = await bodyOf(response.clone());

  if (!operation) {
    const problem = schemaErrors(document, PROBLEM, body.json);
    const violations = problem.map((error) => `${label} (no operation) problem body ${error}`);
    // The request-id check stands in front of every route, known or not.
    const offered = request.headers.get("x-request-id");
    const idPattern = new RegExp(document.components.parameters.RequestId.schema.pattern);
    if (offered !== null && !idPattern.test(offered)) {
      if (response.status !== 400) violations.push(`${label}: a malformed x-request-id must be 400`);
      return violations;
    }
    const guarded = pathname.startsWith("/v1/admin") && response.status === 401;
    if (templates.length === 0) {
      if (response.status !== 404 && !guarded) violations.push(`${label}: an unknown route must be 404`);
      return violations;
    }
    const methods = new Set(templates.flatMap((template) => Object.keys(document.paths[template])));
    if (methods.has("get")) methods.add("head");
    const allow = [...methods].map((m) => m.toUpperCase()).sort();
    if (guarded) return violations;
    if (response.status !== 405) violations.push(`${label}: a known path with another method must be 405`);
    const allowed = (response.headers.get("allow") ?? "")
      .split(/\s*,\s*/)
      .filter(Boolean)
      .sort();
    if (allowed.join(",") !== allow.join(",")) {
      violations.push(`${label}: Allow is "${allowed.join(", ")}", the document says ${allow.join(", ")}`);
    }
    return violations;
  }

  const name = operation.operationId;
  const spec = operation.responses[String(response.status)] ?? operation.responses.default;
  if (!spec) return [`${label}: status ${response.status} is not documented for ${name}`];
  const violations: string[] = [];
  for (const [header, declared] of Object.entries(spec.headers ?? {})) {
    const resolved = declared.$ref
      ? document.components.headers[declared.$ref.split("/").at(-1) ?? ""]
      : declared;
    if (resolved?.required && !response.headers.has(header)) {
      violations.push(`${label}: ${name} must send the ${header} header`);
    }
  }
  if (!spec.content) {
    if (body.text !== "") violations.push(`${label}: ${name} documents no body here`);
    return violations;
  }
  const content = spec.content[mediaType(response)];
  if (!content) {
    const documented = Object.keys(spec.content).join(", ");
    return [
      ...violations,
      `${label}: content-type "${mediaType(response)}", ${name} documents ${documented}`,
    ];
  }
  // JSON lines: the documented schema is each line's.
  if (mediaType(response) === "application/x-ndjson") {
    const lines = body.text.split("\n");
    if (lines.pop() !== "") violations.push(`${label}: ${name} JSON lines must each end with a newline`);
    for (const [i, line] of lines.entries()) {
      for (const error of schemaErrors(document, content.schema, JSON.parse(line))) {
        violations.push(`${label}: ${name} line ${i + 1} ${error}`);
      }
    }
    return violations;
  }
  // Pages, scripts and style sheets (the dashboard) are text: their media type is what is checked.
  if (!/[/+]json$/.test(mediaType(response))) {
    if (body.text === "") violations.push(`${label}: ${name} answered an empty ${mediaType(response)}`);
    return violations;
  }
  if (body.json === undefined)
    return [...violations, `${label}: the body is not JSON: ${body.text.slice(0, 200)}`];
  for (const error of schemaErrors(document, content.schema, body.json)) {
    violations.push(`${label}: ${name} body ${error}`);
  }
  return violations;
}

/** Throws, naming every violation, unless `response` conforms to the document. */
export async function expectConforms(request: Request, response: Response): Promise<void> {
  const violations = await contractViolations(request, response);
  if (violations.length > 0) throw new Error(`response breaks the API contract:\n${violations.join("\n")}`);
}
