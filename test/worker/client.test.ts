/**
 * A client generated from the OpenAPI document (openapi-typescript types, `npm run openapi`, with
 * openapi-fetch) against the real Worker: the calls a user's service would make, type-checked by tsc.
 */
import createClient from "openapi-fetch";
import { describe, expect, it } from "vitest";
import type { paths } from "../../src/toolchain/api-types.js";
import { putShippedVersion, putState } from "./fixtures.js";
import { ADMIN_TOKEN, settled } from "./promotion-fixture.js";

const MODEL = "client-spam";

function client() {
  return createClient<paths>({ baseUrl: "https://vane.test", fetch: (request) => settled(request) });
}

async function deployed(): Promise<void> {
  await putShippedVersion("spam", 1, MODEL);
  await putState({ name: MODEL, active: 1 });
}

describe("a generated client", () => {
  it("predicts, then labels that prediction", async () => {
    await deployed();
    const vane = client();
    const predicted = await vane.POST("/v1/models/{name}/predict", {
      params: { path: { name: MODEL }, header: { "x-request-id": "client-call-1" } },
      body: { instances: [{ text: "Subject: WIN a FREE cruise!!! Click now to claim your prize" }] },
    });
    expect(predicted.response.status).toBe(200);
    expect(predicted.data).toMatchObject({
      model: MODEL,
      version: 1,
      role: "active",
      requestId: "client-call-1",
    });
    const [prediction] = predicted.data?.predictions ?? [];
    expect(prediction && "label" in prediction && ["ham", "spam"].includes(prediction.label)).toBe(true);
    const token = predicted.response.headers.get("vane-feedback-token");
    expect(token).toMatch(/^[0-9a-f]{64}$/);

    const feedback = await vane.POST("/v1/models/{name}/feedback", {
      params: { path: { name: MODEL } },
      body: { labels: [{ requestId: "client-call-1", label: "spam", token: token ?? undefined }] },
    });
    expect(feedback.response.status).toBe(200);
    expect(feedback.data).toEqual({ model: MODEL, matched: 1, unknown: 0, unlogged: 0, duplicates: 0 });
  });

  it("reads a model through the admin API with the bearer token, and gets the 401 without it", async () => {
    await deployed();
    const vane = client();
    const path = { name: MODEL };
    const authorized = await vane.GET("/v1/admin/models/{name}", {
      params: { path },
      headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
    });
    expect(authorized.response.status).toBe(200);
    expect(authorized.data?.state).toMatchObject({ name: MODEL, active: 1, candidate: null });
    const refused = await vane.GET("/v1/admin/models/{name}", { params: { path } });
    expect(refused.response.status).toBe(401);
    expect(refused.error).toMatchObject({ status: 401, title: "Unauthorized" });
  });
});
