/**
 * Request ids: what the caller sends is the id feedback refers to, so an id is never silently
 * replaced, and an id that already names a prediction of the model is refused rather than losing
 * the second call's record.
 */
import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { PREDICTION_TTL_MS, readPredictions } from "../../src/drift/predictions.js";
import { fixtures, putShippedVersion, putState } from "./fixtures.js";
import { ADMIN_TOKEN, jsonRequest, settled } from "./promotion-fixture.js";
import type { ProblemBody } from "./request.js";

const MODEL = "request-ids";
const OTHER = "request-ids-other";
const [mail] = fixtures.replay["2003"];

async function predict(model: string, requestId: string, instances = 1) {
  const response = await settled(
    jsonRequest(
      "POST",
      `/v1/models/${model}/predict`,
      { instances: new Array(instances).fill({ text: mail.text }) },
      { "x-request-id": requestId },
    ),
  );
  return {
    status: response.status,
    header: response.headers.get("x-request-id"),
    body: (await response.json()) as ProblemBody,
  };
}

beforeAll(async () => {
  for (const model of [MODEL, OTHER]) {
    await putShippedVersion("spam", 1, model);
    await putState({ name: model, active: 1 });
  }
});

describe("a request id used again", () => {
  it("is refused with 409 naming x-request-id, every time after the first", async () => {
    const statuses = [];
    for (const instances of [1, 3, 1]) statuses.push((await predict(MODEL, "reused-1", instances)).status);
    expect(statuses).toEqual([200, 409, 409]);
    const refused = await predict(MODEL, "reused-1");
    expect(refused.body).toMatchObject({
      status: 409,
      errors: [
        { field: "x-request-id", message: "already used for a prediction of this model: send a new id" },
      ],
    });
  });

  it("leaves the first call's record whole, so its feedback counts", async () => {
    expect((await predict(MODEL, "reused-2", 1)).status).toBe(200);
    expect((await predict(MODEL, "reused-2", 3)).status).toBe(409);
    const records = await readPredictions(env.PREDICTIONS, MODEL, ["reused-2"]);
    expect(records.get("reused-2")?.entries[0].labels).toHaveLength(1);
    const feedback = await settled(
      jsonRequest(
        "POST",
        `/v1/models/${MODEL}/feedback`,
        { labels: [{ requestId: "reused-2", label: mail.label }] },
        { authorization: `Bearer ${ADMIN_TOKEN}` },
      ),
    );
    expect(await feedback.json()).toMatchObject({ matched: 1, unknown: 0 });
  });

  it("may name a prediction of another model", async () => {
    expect((await predict(MODEL, "reused-3")).status).toBe(200);
    expect((await predict(OTHER, "reused-3")).status).toBe(200);
  });

  it("is free again once its record is past the 7-day TTL, and recorded anew", async () => {
    const expired = Date.now() - PREDICTION_TTL_MS - 60_000;
    await env.PREDICTIONS.prepare(
      "INSERT INTO predictions (model, request_id, time, entries) VALUES (?, ?, ?, ?)",
    )
      .bind(
        MODEL,
        "reused-4",
        expired,
        JSON.stringify([{ version: 1, role: "active", labels: ["ham"], confidence: [0.9] }]),
      )
      .run();
    expect((await predict(MODEL, "reused-4", 2)).status).toBe(200);
    const record = (await readPredictions(env.PREDICTIONS, MODEL, ["reused-4"])).get("reused-4");
    expect(record?.time).toBeGreaterThan(expired);
    expect(record?.entries[0].labels).toHaveLength(2);
  });
});

describe("a request id that breaks the rules", () => {
  for (const [name, id] of [
    ["129 characters", "x".repeat(129)],
    ["a space", "caller 42"],
    ["a slash", "a/b"],
  ]) {
    it(`(${name}) is refused with 400 naming x-request-id, not replaced`, async () => {
      const { status, header, body } = await predict(MODEL, id);
      expect(status).toBe(400);
      expect(body.errors).toEqual([
        { field: "x-request-id", message: "1 to 128 characters of A-Z a-z 0-9 . _ : -" },
      ]);
      expect(header).not.toBe(id);
    });
  }

  it("of 128 allowed characters is kept", async () => {
    const id = `a.b_c:d-${"9".repeat(120)}`;
    expect(await predict(MODEL, id)).toMatchObject({ status: 200, header: id });
  });
});
