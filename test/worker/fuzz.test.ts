/**
 * Property-based fuzzing of every public route inside workerd: whatever the path, query, content
 * type or body, the Worker answers 2xx or 4xx with a JSON body, never a 5xx or a non-JSON error.
 * Runs are bounded (see RUNS) so the file stays well under a minute after the wasm warm-up; a
 * failure prints fast-check's seed and path, which replay the exact input.
 */
import fc from "fast-check";
import { beforeAll, describe, expect, it } from "vitest";
import { fixtures, putShippedVersion, putState } from "./fixtures.js";
import { ADMIN_TOKEN } from "./promotion-fixture.js";
import { call } from "./request.js";

const MODEL = "fuzz-spam";
const BUCKETS = 4096;
const RUNS = 100;
const text = fixtures.emails[0].text.slice(0, 2000);

beforeAll(async () => {
  await putShippedVersion("spam", 1, MODEL);
  await putState({ name: MODEL, active: 1 });
  // Warm the session so the first property run does not pay the wasm start-up.
  const warm = await call(`/v1/models/${MODEL}/predict`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ instances: [{ text }] }),
  });
  expect(warm.status).toBe(200);
});

const JSON_TYPES = ["application/json", "application/problem+json"];

/** What every response must satisfy; returns a description of the violation, or null. */
async function violation(response: Response): Promise<string | null> {
  const { status } = response;
  const type = (response.headers.get("content-type") ?? "").split(";")[0].trim().toLowerCase();
  const body = await response.text();
  if (!((status >= 200 && status < 300) || (status >= 400 && status < 500))) {
    return `status ${status}: ${body.slice(0, 2000)}`;
  }
  if (!JSON_TYPES.includes(type))
    return `status ${status} with content-type "${type}": ${body.slice(0, 300)}`;
  try {
    JSON.parse(body);
  } catch {
    return `status ${status} with a body that is not JSON: ${body.slice(0, 300)}`;
  }
  return null;
}

/** Statuses seen per property, to check the fuzzer reaches both the happy path and the refusals. */
const seen = new Map<string, number[]>();

async function check(path: string, init: RequestInit = {}, tally?: string): Promise<void> {
  const response = await call(path, init);
  if (tally) seen.set(tally, [...(seen.get(tally) ?? []), response.status]);
  const problem = await violation(response);
  if (problem) {
    const body = typeof init.body === "string" ? init.body.slice(0, 500) : init.body;
    throw new Error(
      `${init.method ?? "GET"} ${path} (content-type ${JSON.stringify(headerOf(init, "content-type"))}, body ${JSON.stringify(body)}) -> ${problem}`,
    );
  }
}

function headerOf(init: RequestInit, name: string): string | null {
  return new Headers(init.headers).get(name);
}

// ---------------------------------------------------------------------------------------------
// Arbitraries

/** A path segment: the real model, plausible names, unicode, and raw junk (bad %-escapes, dots). */
const segment = fc.oneof(
  { weight: 3, arbitrary: fc.constant(MODEL) },
  fc.constantFrom(
    "spam",
    "no-such-model",
    "..",
    ".",
    "%",
    "%zz",
    "%E0%A4%A",
    "a%2Fb",
    "%00",
    "fuzz-spam%20",
    "-",
    "_",
  ),
  fc.string({ maxLength: 80 }).map(encodeURIComponent),
  fc.string({ unit: "grapheme", maxLength: 40 }).map(encodeURIComponent),
  fc.stringMatching(/^[A-Za-z0-9._~!$&'()*+,;=:@-]{0,300}$/),
);

/** A version segment or query value: numbers of every shape, and junk. */
const versionish = fc.oneof(
  fc.constantFrom(
    "1",
    "2",
    "0",
    "-1",
    "1.5",
    "1e3",
    "1e400",
    "NaN",
    "Infinity",
    "0x1",
    "01",
    " 1",
    "",
    "9007199254740993",
  ),
  fc.integer().map(String),
  fc.double().map(String),
  fc.string({ maxLength: 20 }).map(encodeURIComponent),
);

const windowish = fc.oneof(
  fc.constantFrom("24h", "30m", "7d", "0m", "9999d", "10000d", "1y", "h", "", "-1h", "1.5h", "24H"),
  fc
    .tuple(fc.integer({ min: 0, max: 99999 }), fc.constantFrom("m", "h", "d", "s", ""))
    .map(([n, u]) => `${n}${u}`),
  fc.string({ maxLength: 20 }).map(encodeURIComponent),
);

/** Query strings with the known keys (sometimes repeated) and unknown ones. */
const driftQuery = fc
  .array(
    fc.oneof(
      versionish.map((v) => `version=${v}`),
      windowish.map((w) => `window=${w}`),
      fc
        .tuple(fc.string({ maxLength: 10 }), fc.string({ maxLength: 10 }))
        .map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`),
      fc.constantFrom("version", "window", "version=", "window=", "&&", "=", "version[]=1"),
    ),
    { maxLength: 4 },
  )
  .map((parts) => (parts.length ? `?${parts.join("&")}` : ""));

/** The drift queries, with a bucket (well-formed or not) now and then: the history route's query. */
const historyQuery = fc
  .tuple(
    driftQuery,
    fc.option(
      windowish.map((b) => `bucket=${b}`),
      { nil: undefined },
    ),
  )
  .map(([query, bucket]) => (bucket === undefined ? query : `${query}${query ? "&" : "?"}${bucket}`));

/** Numbers JSON can carry, plus the spellings people send when JSON cannot (strings, null). */
const number = fc.oneof(
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.integer(),
  fc.constantFrom(0, -0, 1e308, -1e308, 5e-324, 2 ** 53 + 1, 4096, -4096),
  fc.constantFrom("NaN", "Infinity", "-Infinity", "1", "", null, true, false),
);

/** Arbitrary JSON, bounded so bodies stay under the 256 KiB test limit. */
const junk = fc.jsonValue({ maxDepth: 4 });

const instance = fc.oneof(
  fc.record({ text: fc.oneof(fc.string({ maxLength: 200 }), fc.constant(text)) }),
  fc.record({ text: fc.oneof(number, junk) }),
  fc.record({ text: fc.string({ maxLength: 50 }), extra: junk }, { requiredKeys: [] }),
  junk,
);

const dims = fc.oneof(
  fc.integer({ min: 1, max: 3 }).map((n) => [n, BUCKETS]),
  fc.array(fc.oneof(fc.integer({ min: -2, max: 5000 }), number), { maxLength: 4 }),
  junk,
);

/** A features tensor: usually the right element count for its dims, filled with one odd value. */
const tensor = fc
  .record({
    dims,
    fill: number,
    delta: fc.integer({ min: -2, max: 2 }),
    poke: fc.option(fc.tuple(fc.nat(BUCKETS - 1), fc.oneof(number, junk)), { nil: undefined }),
    dtype: fc.option(fc.oneof(fc.constantFrom("float32", "float64", "int64", "string", "bool"), junk), {
      nil: undefined,
    }),
  })
  .map(({ dims, fill, delta, poke, dtype }) => {
    const numeric =
      Array.isArray(dims) && dims.every((d) => typeof d === "number" && Number.isSafeInteger(d));
    const product = numeric ? (dims as number[]).reduce((a, b) => a * b, 1) : BUCKETS;
    const count = Math.max(0, Math.min(3 * BUCKETS, product + (delta === 0 ? 0 : delta)));
    const data: unknown[] = new Array(count).fill(fill);
    if (poke && poke[0] < data.length) data[poke[0]] = poke[1];
    return { dims, data, ...(dtype === undefined ? {} : { dtype }) };
  });

const predictBody = fc.oneof(
  junk,
  fc.record({ instances: fc.oneof(fc.array(instance, { maxLength: 10 }), junk) }, { requiredKeys: [] }),
  fc.record(
    {
      inputs: fc.oneof(
        fc.record({ features: tensor }),
        fc.dictionary(
          fc.oneof(fc.constant("features"), fc.string({ maxLength: 10 })),
          fc.oneof(tensor, junk),
          {
            maxKeys: 3,
          },
        ),
        junk,
      ),
      instances: fc.array(instance, { maxLength: 3 }),
      parameters: junk,
    },
    { requiredKeys: ["inputs"] },
  ),
);

/** A JSON text, sometimes cut short or with a byte changed, sometimes not JSON at all. */
const bodyText = fc.oneof(
  { weight: 4, arbitrary: predictBody.map((b) => JSON.stringify(b) ?? "null") },
  fc
    .tuple(
      predictBody.map((b) => JSON.stringify(b) ?? "null"),
      fc.nat(),
      fc.string({ minLength: 1, maxLength: 3 }),
    )
    .map(([json, at, insert]) => {
      const i = json.length ? at % json.length : 0;
      return json.slice(0, i) + insert + json.slice(i + 1);
    }),
  fc
    .tuple(
      predictBody.map((b) => JSON.stringify(b) ?? "null"),
      fc.nat(),
    )
    .map(([json, at]) => json.slice(0, json.length ? at % json.length : 0)),
  fc.string({ maxLength: 300 }),
  fc.constantFrom(
    "",
    "{",
    "[]",
    "null",
    '{"instances": [{"text": "\\ud800"}]}',
    '{"__proto__": {"x": 1}}',
    "\u0000",
  ),
);

const contentType = fc.oneof(
  { weight: 4, arbitrary: fc.constant("application/json") },
  fc.constantFrom(
    "application/json; charset=utf-8",
    "application/json; charset=latin1",
    "APPLICATION/JSON",
    "application/problem+json",
    "application/vnd.api+json",
    "text/plain",
    "text/json",
    "application/x-www-form-urlencoded",
    "multipart/form-data; boundary=x",
    "application/octet-stream",
    "json",
    ";",
    "",
  ),
  fc.stringMatching(/^[\x21-\x7e][\x20-\x7e]{0,40}$/),
);

/** x-request-id values: sane ids (which the Worker adopts, and feedback refers to) and junk. */
const requestIdHeader = fc.option(
  fc.oneof(
    fc.stringMatching(/^[A-Za-z0-9._:-]{1,128}$/),
    fc.stringMatching(/^[\x21-\x7e]{1,200}$/),
    fc.constantFrom("..", "a/b", "x".repeat(129), "__proto__", "constructor"),
  ),
  { nil: undefined },
);

const method = fc.constantFrom("GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS");

// ---------------------------------------------------------------------------------------------
// Properties

/** A fixed seed: every CI run explores the same inputs, and the coverage checks below cannot flake. */
const params = (runs = RUNS) => ({ numRuns: runs, endOnFailure: true, seed: 20261128 });

describe("fuzzing the public routes never gets a 5xx or a non-JSON answer", () => {
  it("GET /healthz, /openapi.json and /v1/models, with junk queries", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom("/healthz", "/openapi.json", "/v1/models", "/v1/models/"),
        driftQuery,
        async (path, query) => check(path + query),
      ),
      params(40),
    );
  });

  it("GET /v1/models/{name} with any name", async () => {
    await fc.assert(
      fc.asyncProperty(segment, async (name) => check(`/v1/models/${name}`)),
      params(),
    );
  });

  it("GET /v1/models/{name}/drift with any name, version and window", async () => {
    await fc.assert(
      fc.asyncProperty(segment, driftQuery, async (name, query) => check(`/v1/models/${name}/drift${query}`)),
      params(),
    );
  });

  it("GET /v1/models/{name}/history with any name, version, window and bucket", async () => {
    await fc.assert(
      fc.asyncProperty(segment, historyQuery, async (name, query) =>
        check(`/v1/models/${name}/history${query}`),
      ),
      params(),
    );
  });

  it("POST /v1/models/{name}/predict with any body, content type and request id", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof({ weight: 4, arbitrary: fc.constant(MODEL) }, segment),
        bodyText,
        contentType,
        requestIdHeader,
        async (name, body, type, id) =>
          check(
            `/v1/models/${name}/predict`,
            {
              method: "POST",
              headers: { "content-type": type, ...(id === undefined ? {} : { "x-request-id": id }) },
              body,
            },
            "predict",
          ),
      ),
      params(120),
    );
    const statuses = seen.get("predict") ?? [];
    expect(statuses.some((s) => s === 200)).toBe(true);
    expect(statuses.some((s) => s >= 400)).toBe(true);
  });

  it("POST /v1/models/{name}/feedback with labels for real, unknown and junk request ids", async () => {
    // A few real predictions to refer to: one instance, and a batch of three.
    const ids: string[] = [];
    for (const [i, count] of [1, 3].entries()) {
      const id = `fuzz-feedback-${i}`;
      const response = await call(`/v1/models/${MODEL}/predict`, {
        method: "POST",
        headers: { "content-type": "application/json", "x-request-id": id },
        body: JSON.stringify({ instances: new Array(count).fill({ text }) }),
      });
      expect(response.status).toBe(200);
      ids.push(response.headers.get("x-request-id") ?? id);
    }
    const label = fc.record(
      {
        requestId: fc.oneof(
          { weight: 3, arbitrary: fc.constantFrom(...ids) },
          fc.stringMatching(/^[A-Za-z0-9._:-]{1,128}$/),
          number,
          junk,
        ),
        label: fc.oneof(
          { weight: 3, arbitrary: fc.constantFrom("ham", "spam") },
          fc.string({ maxLength: 70 }),
          junk,
        ),
        index: fc.oneof(fc.integer({ min: -1, max: 5 }), fc.constantFrom(4095, 4096, 1.5, 1e300), number),
        extra: junk,
      },
      { requiredKeys: [] },
    );
    const validLabel = fc.record({
      requestId: fc.oneof(fc.constantFrom(...ids), fc.stringMatching(/^[A-Za-z0-9._:-]{1,128}$/)),
      label: fc.constantFrom("ham", "spam"),
      index: fc.constantFrom(0, 0, 1, 2),
    });
    const feedbackBody = fc.oneof(
      {
        weight: 3,
        arbitrary: fc
          .record({ labels: fc.array(validLabel, { minLength: 1, maxLength: 4 }) })
          .map((b) => JSON.stringify(b)),
      },
      {
        weight: 4,
        arbitrary: fc.record({ labels: fc.array(label, { maxLength: 6 }) }).map((b) => JSON.stringify(b)),
      },
      fc.record({ labels: junk, other: junk }, { requiredKeys: [] }).map((b) => JSON.stringify(b)),
      bodyText,
    );
    await fc.assert(
      fc.asyncProperty(
        fc.oneof({ weight: 4, arbitrary: fc.constant(MODEL) }, segment),
        feedbackBody,
        contentType,
        // Mostly an operator (labels without tokens), sometimes anyone (401 unless tokens match).
        fc.oneof(
          { weight: 3, arbitrary: fc.constant({ authorization: `Bearer ${ADMIN_TOKEN}` }) },
          fc.constant({}),
        ),
        async (name, body, type, auth) =>
          check(
            `/v1/models/${name}/feedback`,
            { method: "POST", headers: { "content-type": type, ...auth }, body },
            "feedback",
          ),
      ),
      params(80),
    );
    expect((seen.get("feedback") ?? []).some((s) => s === 200)).toBe(true);
  });

  it("POST /v1/models/{name}/versions/{version}/predict with any version and body", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof({ weight: 3, arbitrary: fc.constant(MODEL) }, segment),
        fc.oneof({ weight: 2, arbitrary: fc.constant("1") }, versionish),
        bodyText,
        contentType,
        async (name, version, body, type) =>
          check(`/v1/models/${name}/versions/${version}/predict`, {
            method: "POST",
            headers: { "content-type": type },
            body,
          }),
      ),
      params(60),
    );
  });

  it("any method on any route shape, with and without a body", async () => {
    const route = fc.oneof(
      fc.constantFrom("/healthz", "/openapi.json", "/v1/models", "/", "/v1", "/v1/admin/models"),
      segment.map((name) => `/v1/models/${name}`),
      segment.map((name) => `/v1/models/${name}/drift`),
      segment.map((name) => `/v1/models/${name}/predict`),
      segment.map((name) => `/v1/models/${name}/feedback`),
      fc.tuple(segment, versionish).map(([name, v]) => `/v1/models/${name}/versions/${v}/predict`),
      fc.array(segment, { minLength: 1, maxLength: 6 }).map((parts) => `/${parts.join("/")}`),
    );
    await fc.assert(
      fc.asyncProperty(
        method,
        route,
        fc.option(bodyText, { nil: undefined }),
        contentType,
        async (m, path, body, type) =>
          check(path, {
            method: m,
            headers: { "content-type": type },
            body: m === "GET" ? undefined : body,
          }),
      ),
      params(60),
    );
  });

  /** A predict call's status, and the problem body's fields, for one malformed body. */
  async function refusal(init: RequestInit) {
    const response = await call(`/v1/models/${MODEL}/predict`, { method: "POST", ...init });
    const type = response.headers.get("content-type");
    return {
      status: response.status,
      type,
      body: (await response.json()) as { status: number; detail: string },
    };
  }
  const json = { "content-type": "application/json" };

  it("a body of several MiB is a 413 problem", async () => {
    const answer = await refusal({
      headers: json,
      body: JSON.stringify({ instances: [{ text: "x".repeat(3 << 20) }] }),
    });
    expect([answer.status, answer.type, answer.body.status]).toEqual([413, "application/problem+json", 413]);
    expect(answer.body.detail).toBe("the body exceeds the limit of 262144 bytes");
  });

  it("an empty body is a 400 problem", async () => {
    const answer = await refusal({ headers: json, body: "" });
    expect([answer.status, answer.type]).toEqual([400, "application/problem+json"]);
  });

  it("no body at all is a 400 problem", async () => {
    const answer = await refusal({ headers: json });
    expect([answer.status, answer.type]).toEqual([400, "application/problem+json"]);
  });

  it("a content-length header shorter than the body does not cut it: the body is read whole", async () => {
    // workerd frames the body itself; the declared length never reaches the Worker as a lie.
    const response = await call(`/v1/models/${MODEL}/predict`, {
      method: "POST",
      headers: { ...json, "content-length": "5" },
      body: JSON.stringify({ instances: [{ text }] }),
    });
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ model: MODEL, version: 1, role: "active" });
  });
});
