/**
 * The OpenAPI document as a contract: the check every Worker test's answers go through (contract.ts)
 * catches a wrong answer, the document is as strict as the server, and the routes it does not list
 * answer 404 or 405 as it implies.
 */
import { Validator } from "@cfworker/json-schema";
import { describe, expect, it } from "vitest";
import { type ApiDocument, apiDocument, contractViolations } from "./contract.js";
import { putShippedVersion, putState } from "./fixtures.js";
import { ADMIN_TOKEN } from "./promotion-fixture.js";
import { call, type ProblemBody } from "./request.js";

const request = (path: string, method = "GET") => new Request(`https://vane.test${path}`, { method });
const answer = (status: number, body: unknown, headers: Record<string, string> = {}) =>
  new Response(JSON.stringify(body), {
    status,
    headers: { "content-type": "application/json", "x-request-id": "contract-1", ...headers },
  });
const problem = (status: number) => ({ type: "about:blank", title: "t", status, detail: "d" });

describe("the contract check", () => {
  it("passes a response that fits its operation", async () => {
    const response = answer(200, { status: "ok", time: "2026-12-01T00:00:00.000Z" });
    expect(await contractViolations(request("/healthz"), response)).toEqual([]);
  });

  it("fails a body of the wrong shape, naming the field", async () => {
    const response = answer(200, { status: "down", time: "2026-12-01T00:00:00.000Z" });
    const violations = await contractViolations(request("/healthz"), response);
    expect(violations.join("\n")).toContain("getHealth body #/status");
  });

  it("fails predictions whose probabilities are not numbers (NaN serialises as null)", async () => {
    const body = {
      model: "spam",
      version: 1,
      role: "active",
      requestId: "contract-1",
      predictions: [{ label: "spam", probabilities: { ham: null, spam: null } }],
    };
    const violations = await contractViolations(
      request("/v1/models/spam/predict", "POST"),
      answer(200, body),
    );
    expect(violations.join("\n")).toContain("predict body #/predictions/0/probabilities/ham");
  });

  it("fails a status the operation does not document", async () => {
    const violations = await contractViolations(request("/v1/models"), answer(404, problem(404)));
    expect(violations).toEqual(["GET /v1/models -> 404: status 404 is not documented for listModels"]);
  });

  it("fails a response without the x-request-id header every response carries", async () => {
    const response = new Response(JSON.stringify({ models: [] }), {
      headers: { "content-type": "application/json" },
    });
    const violations = await contractViolations(request("/v1/models"), response);
    expect(violations).toEqual(["GET /v1/models -> 200: listModels must send the x-request-id header"]);
  });

  it("fails a problem sent as plain JSON", async () => {
    const violations = await contractViolations(request("/v1/models/x%20y"), answer(400, problem(400)));
    expect(violations[0]).toContain(
      'content-type "application/json", getModel documents application/problem+json',
    );
  });

  it("fails a wrong method on a known path answered without Allow", async () => {
    const response = new Response(JSON.stringify(problem(405)), {
      status: 405,
      headers: { "content-type": "application/problem+json" },
    });
    const violations = await contractViolations(request("/v1/models", "DELETE"), response);
    expect(violations).toEqual(['DELETE /v1/models -> 405: Allow is "", the document says GET, HEAD']);
  });
});

describe("a known path asked with another method", () => {
  it("answers 405 with Allow naming the methods it takes", async () => {
    const response = await call("/v1/models/spam/predict", { method: "GET" });
    expect(response.status).toBe(405);
    expect(response.headers.get("allow")).toBe("POST");
    expect(((await response.json()) as ProblemBody).title).toBe("Method not allowed");
  });

  it("lists every method of a path with several, and HEAD for GET", async () => {
    const response = await call("/v1/models/spam", { method: "DELETE" });
    expect(response.headers.get("allow")).toBe("GET, HEAD");
    const admin = await call("/v1/admin/models/spam/candidate", {
      method: "PATCH",
      headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
    });
    expect(admin.status).toBe(405);
    expect(admin.headers.get("allow")).toBe("DELETE, POST, PUT");
  });

  it("is 401 under the admin guard without the token, and an unknown path is still 404", async () => {
    expect((await call("/v1/admin/models/spam/candidate", { method: "PATCH" })).status).toBe(401);
    expect((await call("/v1/models/spam/nothing-here")).status).toBe(404);
  });
});

describe("admin routes whose body may be left out", () => {
  it("refuse a body that is not JSON with vane's 415", async () => {
    await putShippedVersion("spam", 1, "contract-rollback");
    await putState({ name: "contract-rollback", active: 1 });
    const response = await call("/v1/admin/models/contract-rollback/rollback", {
      method: "POST",
      headers: { authorization: `Bearer ${ADMIN_TOKEN}`, "content-type": "text/plain" },
      body: "now",
    });
    expect(response.status).toBe(415);
    expect(await response.json()).toMatchObject({ title: "Unsupported media type" });
  });
});

describe("numbers in paths and queries", () => {
  it.each([["%201"], ["1%20"], ["1e0"], ["0x1"], ["%2B1"], ["9007199254740992"]])(
    "refuse the version %s: 400 naming version",
    async (version) => {
      const response = await call(`/v1/models/spam/versions/${version}/predict`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ instances: [{ text: "hello" }] }),
      });
      expect(response.status).toBe(400);
      expect(((await response.json()) as ProblemBody).errors?.[0].field).toBe("version");
    },
  );

  it("refuse a limit with a leading space", async () => {
    const response = await call("/v1/admin/models/spam/audit?limit=%2020", {
      headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
    });
    expect(response.status).toBe(400);
    expect(((await response.json()) as ProblemBody).errors?.[0].field).toBe("limit");
  });
});

/** The schema of one operation's JSON request body, ready to validate with. */
async function requestBodyValidator(path: string, method: string): Promise<Validator> {
  const document = await apiDocument();
  const operation = document.paths[path][method] as unknown as {
    requestBody: { content: { "application/json": { schema: object } } };
  };
  return validatorOf(document, operation.requestBody.content["application/json"].schema);
}

function validatorOf(document: ApiDocument, schema: object): Validator {
  return new Validator(
    { allOf: [schema], components: { schemas: document.components.schemas } } as object,
    "2020-12",
  );
}

describe("the document is as strict as the server", () => {
  it("refuses a candidate change that changes nothing, as the server does", async () => {
    const schema = await requestBodyValidator("/v1/admin/models/{name}/candidate", "put");
    expect(schema.validate({}).valid).toBe(false);
    expect(schema.validate({ reason: "why not" }).valid).toBe(false);
    expect(schema.validate({ share: 0.5 }).valid).toBe(true);
    await putShippedVersion("spam", 1, "contract-traffic");
    await putState({ name: "contract-traffic", active: 1 });
    const response = await call("/v1/admin/models/contract-traffic/candidate", {
      method: "PUT",
      headers: { authorization: `Bearer ${ADMIN_TOKEN}`, "content-type": "application/json" },
      body: "{}",
    });
    expect(response.status).toBe(400);
  });

  it("takes exactly one of instances and inputs in a predict body, as the server does", async () => {
    const schema = await requestBodyValidator("/v1/models/{name}/predict", "post");
    const instances = [{ text: "hello" }];
    const inputs = { features: { dims: [1, 1], data: [0] } };
    expect(schema.validate({ instances }).valid).toBe(true);
    expect(schema.validate({ inputs }).valid).toBe(true);
    expect(schema.validate({ instances, inputs }).valid).toBe(false);
    expect(schema.validate({}).valid).toBe(false);
    for (const body of [{ instances, inputs }, {}]) {
      const response = await call("/v1/models/spam/predict", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(body),
      });
      expect(response.status).toBe(400);
    }
  });

  it("bounds drift windows at 30 days and integers at 2^53 - 1", async () => {
    const document = await apiDocument();
    const drift = document.paths["/v1/models/{name}/drift"].get as unknown as {
      parameters: Array<{ name?: string; schema?: object }>;
    };
    const window = validatorOf(document, drift.parameters.find((p) => p.name === "window")?.schema ?? {});
    for (const span of ["1m", "30m", "43200m", "720h", "30d"]) expect(window.validate(span).valid).toBe(true);
    for (const span of ["0m", "43201m", "721h", "31d", "9999d", " 1h"])
      expect(window.validate(span).valid).toBe(false);
    const pin = await requestBodyValidator("/v1/admin/models/{name}/pin", "post");
    expect(pin.validate({ version: 2 ** 53 - 1 }).valid).toBe(true);
    expect(pin.validate({ version: 2 ** 53 }).valid).toBe(false);
  });

  it("names every operation, and asks the admin token of exactly the admin operations", async () => {
    const document = await apiDocument();
    const operations = Object.entries(document.paths).flatMap(([path, methods]) =>
      Object.values(methods).map((operation) => ({
        path,
        ...(operation as unknown as { operationId: string; security: unknown }),
      })),
    );
    const ids = operations.map((operation) => operation.operationId);
    expect(new Set(ids).size).toBe(operations.length);
    expect(ids.every((id) => /^[a-z][A-Za-z]+$/.test(id))).toBe(true);
    for (const operation of operations) {
      expect(operation.security).toEqual(operation.path.startsWith("/v1/admin/") ? [{ adminToken: [] }] : []);
    }
  });
});
