/**
 * Faults injected at the binding boundary (the real local KV and R2, wrapped so chosen calls fail):
 * the serving version keeps answering, and nothing internal leaks into error bodies.
 */
import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { failing, fixtures, putShippedVersion, putState } from "./fixtures.js";
import { ADMIN_TOKEN, jsonRequest, settled, stateOf } from "./promotion-fixture.js";
import type { ProblemBody } from "./request.js";

const text = fixtures.emails[1].text;

const fetchWith = (bindings: Env, path: string, init?: RequestInit) =>
  settled(new Request(`https://vane.test${path}`, init), bindings);

const predictInit = {
  method: "POST",
  headers: { "content-type": "application/json" },
  body: JSON.stringify({ instances: [{ text }] }),
};

describe("a KV read failure", () => {
  beforeAll(async () => {
    await putShippedVersion("spam", 1, "kv-fault");
    await putState({ name: "kv-fault", active: 1 });
  });

  it("does not stop predictions: the registry state is read from R2 instead", async () => {
    const bindings = {
      ...env,
      REGISTRY_CACHE: failing(env.REGISTRY_CACHE, { get: () => true, put: () => true }),
    };
    const response = await fetchWith(bindings, "/v1/models/kv-fault/predict", predictInit);
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ model: "kv-fault", version: 1, role: "active" });
  });
});

describe("an R2 read failure while loading a model", () => {
  beforeAll(async () => {
    await putShippedVersion("spam", 1, "r2-fault");
    await putShippedVersion("spam", 2, "r2-fault");
    await putState({ name: "r2-fault", active: 2, previous: [1] });
  });
  const v2Bytes = (args: unknown[]) => args[0] === "models/r2-fault/2/model.onnx";

  it("answers 503 for that version when it is pinned", async () => {
    const bindings = { ...env, MODELS: failing(env.MODELS, { get: v2Bytes }) };
    const response = await fetchWith(bindings, "/v1/models/r2-fault/versions/2/predict", predictInit);
    expect(response.status).toBe(503);
    expect(((await response.json()) as ProblemBody).detail).toContain("could not be read");
  });

  it("leaves the previous version answering unpinned requests", async () => {
    const bindings = { ...env, MODELS: failing(env.MODELS, { get: v2Bytes }) };
    const response = await fetchWith(bindings, "/v1/models/r2-fault/predict", predictInit);
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ version: 1, role: "fallback" });
  });
});

describe("an R2 read that never answers while loading a model", () => {
  beforeAll(async () => {
    await putShippedVersion("spam", 1, "r2-hang");
    await putShippedVersion("spam", 2, "r2-hang");
    await putState({ name: "r2-hang", active: 2, previous: [1] });
  });
  const hangingModelRead = (): Env => {
    const bucket = new Proxy(env.MODELS, {
      get(target, property) {
        const value = Reflect.get(target, property);
        if (property !== "get" || typeof value !== "function") {
          return typeof value === "function" ? value.bind(target) : value;
        }
        return (key: string, ...rest: unknown[]) =>
          key === "models/r2-hang/2/model.onnx" ? new Promise(() => {}) : value.call(target, key, ...rest);
      },
    });
    return { ...env, MODELS: bucket, MODEL_LOAD_TIMEOUT_MS: "300" };
  };

  it("gives up after MODEL_LOAD_TIMEOUT_MS and answers 503 for that version", async () => {
    const response = await fetchWith(
      hangingModelRead(),
      "/v1/models/r2-hang/versions/2/predict",
      predictInit,
    );
    expect(response.status).toBe(503);
    expect(((await response.json()) as ProblemBody).detail).toContain("did not arrive within 300 ms");
  });

  it("leaves the previous version answering unpinned requests", async () => {
    const response = await fetchWith(hangingModelRead(), "/v1/models/r2-hang/predict", predictInit);
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ version: 1, role: "fallback" });
  });
});

describe("a D1 failure of the prediction log", () => {
  beforeAll(async () => {
    await putShippedVersion("spam", 1, "d1-fault");
    await putState({ name: "d1-fault", active: 1 });
  });

  it("does not stop predictions when the log cannot be written", async () => {
    const bindings = { ...env, PREDICTIONS: failing(env.PREDICTIONS, { batch: () => true }) };
    const response = await fetchWith(bindings, "/v1/models/d1-fault/predict", predictInit);
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ model: "d1-fault", version: 1, role: "active" });
  });

  it("answers feedback with a 503 that invites the same call again when the log cannot be read", async () => {
    // Every query's result fails, as when D1 cannot be reached.
    const unreadable = new Proxy(env.PREDICTIONS, {
      get(target, property) {
        if (property !== "prepare") return Reflect.get(target, property);
        return (query: string) => ({
          bind: (...values: unknown[]) => failing(target.prepare(query).bind(...values), { all: () => true }),
        });
      },
    });
    const bindings = { ...env, PREDICTIONS: unreadable };
    const response = await fetchWith(bindings, "/v1/models/d1-fault/feedback", {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${ADMIN_TOKEN}` },
      body: JSON.stringify({ labels: [{ requestId: "any-request", label: "spam" }] }),
    });
    expect(response.status).toBe(503);
    const body = (await response.json()) as ProblemBody;
    expect(body.detail).toBe("could not read the prediction log; send the same labels again later");
    expect(JSON.stringify(body)).not.toMatch(/injected|D1/);
  });
});

describe("a registry state write that keeps losing its race", () => {
  beforeAll(async () => {
    await putShippedVersion("spam", 1, "contended");
    await putState({ name: "contended", active: 1 });
  });
  // Every conditional put of the state finds another writer's etag, as under a storm of writers.
  const contended = (): Env => {
    const bucket = new Proxy(env.MODELS, {
      get(target, property) {
        const value = Reflect.get(target, property);
        if (typeof value !== "function") return value;
        if (property !== "put") return value.bind(target);
        return (key: string, ...rest: unknown[]) =>
          key === "registry/contended/state.json" ? Promise.resolve(null) : value.call(target, key, ...rest);
      },
    });
    return { ...env, MODELS: bucket };
  };

  it("answers an admin action with a 503 that says the state stayed contended, and changes nothing", async () => {
    const response = await settled(
      jsonRequest(
        "POST",
        "/v1/admin/models/contended/pin",
        { version: 1 },
        {
          authorization: `Bearer ${ADMIN_TOKEN}`,
        },
      ),
      contended(),
    );
    expect(response.status).toBe(503);
    expect(await response.json()).toMatchObject({
      title: "Unavailable",
      detail: "registry state of contended stayed contended after 8 attempts",
    });
    expect(await stateOf("contended")).toMatchObject({ active: 1, pinned: false, decisions: [] });
  });
});

describe("an error nobody expected", () => {
  it("is a 500 problem without stack traces, internals or secrets", async () => {
    const bindings = { ...env, MODELS: failing(env.MODELS, { list: () => true }) };
    const response = await fetchWith(bindings, "/v1/models");
    expect(response.status).toBe(500);
    expect(response.headers.get("content-type")).toBe("application/problem+json");
    const body = await response.text();
    expect(JSON.parse(body)).toMatchObject({ status: 500, detail: "The request could not be completed." });
    expect(body).not.toMatch(/injected|at .*\.(ts|js)|R2|test-admin-token/);
  });
});
