/**
 * Training data kept from feedback (src/drift/feedback-data.ts) and its export,
 * GET /v1/admin/models/{name}/feedback-data: kept only for models whose manifest asks, labelled by
 * the first feedback, exported behind the admin token as JSON lines, pruned by the scheduled run.
 */
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { denseFeatures, type FeedbackRow } from "../../src/core/feedback-row.js";
import type { FeedbackDataSpec } from "../../src/core/update-spec.js";
import { textBatch } from "../text-batch.js";
import { decode, fixtures, putShippedVersion, putState, putVersion, shippedVersion } from "./fixtures.js";
import { ADMIN_TOKEN, type Answer, cron, jsonRequest, replay, settled } from "./promotion-fixture.js";

const DAY_MS = 86_400_000;
const mails = fixtures.replay["2003"].slice(0, 6);
const keepFeatures: FeedbackDataSpec = { keep: "features", retentionDays: 30, maxRows: 1000 };

let models = 0;
/** A model of the calling test's own, spam v1 active, its manifest keeping `feedbackData`. */
async function optedIn(feedbackData: FeedbackDataSpec | null = keepFeatures): Promise<string> {
  models += 1;
  const name = `fdata-${models}`;
  if (feedbackData === null) {
    await putShippedVersion("spam", 1, name);
  } else {
    const shipped = shippedVersion("spam", 1);
    await putVersion(
      { ...shipped.manifest, name, feedbackData },
      {
        "model.onnx": decode(shipped.files["model.onnx"]),
        "profile.json": decode(shipped.files["profile.json"]),
      },
    );
  }
  await putState({ name, active: 1 });
  return name;
}

async function label(model: string, labels: Array<{ answer: Answer; label?: string }>) {
  const body = {
    labels: labels.map(({ answer, label }) => ({
      requestId: answer.requestId,
      index: answer.index,
      label: label ?? answer.mail.label,
    })),
  };
  const response = await settled(
    jsonRequest("POST", `/v1/models/${model}/feedback`, body, { authorization: `Bearer ${ADMIN_TOKEN}` }),
  );
  expect(response.status).toBe(200);
}

async function exportRows(model: string, query = "", headers = { authorization: `Bearer ${ADMIN_TOKEN}` }) {
  const response = await settled(
    jsonRequest("GET", `/v1/admin/models/${model}/feedback-data${query}`, undefined, headers),
  );
  const text = new TextDecoder().decode(await response.arrayBuffer());
  return {
    status: response.status,
    type: response.headers.get("content-type"),
    text,
    rows:
      response.status === 200
        ? text
            .split("\n")
            .filter(Boolean)
            .map((line) => JSON.parse(line) as FeedbackRow)
        : [],
  };
}

async function storedRows(model: string): Promise<number> {
  const row = await env.PREDICTIONS.prepare("SELECT count(*) AS n FROM feedback_data WHERE model = ?")
    .bind(model)
    .first<{ n: number }>();
  return row?.n ?? 0;
}

const v1 = shippedVersion("spam", 1).manifest;
const featuresOf = (text: string) => Array.from(textBatch(v1, [text]).feeds.features.data as Float32Array);

describe("training data kept from feedback", () => {
  it("exports each labelled instance once as a JSON line with its sparse hashed-text features", async () => {
    const model = await optedIn();
    const answers = await replay(model, mails.slice(0, 3), { prefix: "kept", batch: 3 });
    await label(model, [{ answer: answers[0] }, { answer: answers[2] }]);
    const { status, type, rows } = await exportRows(model);
    expect(status).toBe(200);
    expect(type).toBe("application/x-ndjson; charset=utf-8");
    expect(
      rows.map(({ requestId, index, version, label }) => ({ requestId, index, version, label })),
    ).toEqual([
      { requestId: "kept-0", index: 0, version: 1, label: mails[0].label },
      { requestId: "kept-0", index: 2, version: 1, label: mails[2].label },
    ]);
    expect(rows.every((row) => row.instance === undefined)).toBe(true);
    expect(rows[0].features?.dims).toEqual([4096]);
    expect(rows[0].features?.indices?.length).toBe(rows[0].features?.values.length);
    expect(Array.from(denseFeatures(rows[1].features ?? { dims: [], values: [] }))).toEqual(
      featuresOf(mails[2].text),
    );
  });

  it("keeps nothing for a model whose manifest does not ask", async () => {
    const model = await optedIn(null);
    const answers = await replay(model, mails.slice(0, 2), { prefix: "not-kept", batch: 2 });
    await label(model, [{ answer: answers[0] }, { answer: answers[1] }]);
    expect(await storedRows(model)).toBe(0);
    expect((await exportRows(model)).text).toBe("");
  });

  it("keeps the instance as sent when the manifest keeps instances", async () => {
    const model = await optedIn({ ...keepFeatures, keep: "instance" });
    const [answer] = await replay(model, mails.slice(0, 1), { prefix: "instance" });
    await label(model, [{ answer }]);
    const [row] = (await exportRows(model)).rows;
    expect(row.instance).toEqual({ text: mails[0].text });
    expect(Array.from(denseFeatures(row.features ?? { dims: [], values: [] }))).toEqual(
      featuresOf(mails[0].text),
    );
  });

  it("keeps a row's first label when feedback names it again", async () => {
    const model = await optedIn();
    const [answer] = await replay(model, mails.slice(0, 1), { prefix: "relabel" });
    await label(model, [{ answer, label: "spam" }]);
    await label(model, [{ answer, label: "ham" }]);
    expect((await exportRows(model)).rows.map((row) => row.label)).toEqual(["spam"]);
  });

  it("keeps the first prediction's features when a request id is sent again (refused with 409)", async () => {
    const model = await optedIn();
    const [answer] = await replay(model, mails.slice(0, 1), { prefix: "reused" });
    const again = await settled(
      jsonRequest(
        "POST",
        `/v1/models/${model}/predict`,
        { instances: [{ text: mails[1].text }] },
        { "x-request-id": "reused-0" },
      ),
    );
    expect(again.status).toBe(409);
    await label(model, [{ answer }]);
    const rows = (await exportRows(model)).rows;
    expect(rows).toHaveLength(1);
    expect(Array.from(denseFeatures(rows[0].features ?? { dims: [], values: [] }))).toEqual(
      featuresOf(mails[0].text),
    );
    expect(await storedRows(model)).toBe(1);
  });

  it("exports only predictions made in [since, until) and of the version asked", async () => {
    const model = await optedIn();
    const first = await replay(model, mails.slice(0, 1), { prefix: "window-a" });
    await new Promise((resolve) => setTimeout(resolve, 20));
    const between = new Date().toISOString();
    await new Promise((resolve) => setTimeout(resolve, 20));
    const second = await replay(model, mails.slice(1, 2), { prefix: "window-b" });
    await label(model, [{ answer: first[0] }, { answer: second[0] }]);
    expect((await exportRows(model, `?since=${between}`)).rows.map((r) => r.requestId)).toEqual([
      "window-b-0",
    ]);
    expect((await exportRows(model, `?until=${between}`)).rows.map((r) => r.requestId)).toEqual([
      "window-a-0",
    ]);
    expect((await exportRows(model, "?version=2")).rows).toEqual([]);
    expect((await exportRows(model, "?limit=1")).rows.map((r) => r.requestId)).toEqual(["window-a-0"]);
  });

  it("refuses an until that is not after since: 400 naming until", async () => {
    const model = await optedIn();
    const { status, text } = await exportRows(
      model,
      "?since=2026-12-01T00:00:00.000Z&until=2026-12-01T00:00:00.000Z",
    );
    expect(status).toBe(400);
    expect(JSON.parse(text).errors).toEqual([{ field: "until", message: "must be later than since" }]);
  });

  it("answers 404 for a model that does not exist", async () => {
    expect((await exportRows("no-such-model")).status).toBe(404);
  });

  it("answers 401 without the admin token, and with a feedback caller's", async () => {
    const model = await optedIn();
    expect((await exportRows(model, "", { authorization: "" })).status).toBe(401);
    expect((await exportRows(model, "", { authorization: "Bearer not-the-token" })).status).toBe(401);
  });
});

describe("pruning kept training data in the scheduled run", () => {
  it("deletes rows older than the model's retention", async () => {
    const model = await optedIn({ ...keepFeatures, retentionDays: 2 });
    const answers = await replay(model, mails.slice(0, 2), { prefix: "retained", batch: 2 });
    await label(model, [{ answer: answers[0] }]);
    await cron(env, Date.now() + DAY_MS);
    expect(await storedRows(model)).toBe(2);
    await cron(env, Date.now() + 2 * DAY_MS + 60_000);
    expect(await storedRows(model)).toBe(0);
  });

  it("deletes unlabelled rows once feedback can no longer label them, keeping labelled ones", async () => {
    const model = await optedIn({ ...keepFeatures, retentionDays: 30 });
    const answers = await replay(model, mails.slice(0, 2), { prefix: "unlabelled", batch: 2 });
    await label(model, [{ answer: answers[1] }]);
    await cron(env, Date.now() + 8 * DAY_MS);
    expect(await storedRows(model)).toBe(1);
    expect((await exportRows(model)).rows.map((r) => r.index)).toEqual([1]);
  });

  it("keeps the newest maxRows labelled rows of a model", async () => {
    const model = await optedIn({ ...keepFeatures, maxRows: 2 });
    const answers = await replay(model, mails.slice(0, 4), { prefix: "bounded", batch: 1 });
    await label(
      model,
      answers.map((answer) => ({ answer })),
    );
    await cron();
    expect((await exportRows(model)).rows.map((r) => r.requestId)).toEqual(["bounded-2", "bounded-3"]);
  });

  it("deletes the rows of a model whose versions no longer ask", async () => {
    const model = await optedIn();
    const answers = await replay(model, mails.slice(0, 1), { prefix: "stopped" });
    await label(model, [{ answer: answers[0] }]);
    await putShippedVersion("spam", 2, model);
    await putState({ name: model, active: 2, previous: [1] });
    await cron();
    expect(await storedRows(model)).toBe(0);
  });
});
