/** POST /v1/models/{name}/feedback: true labels joined with what was predicted, counted once. */
import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { FeedbackWindow } from "../../src/drift/feedback.js";
import { fixtures, putShippedVersion, putState } from "./fixtures.js";
import { ADMIN_TOKEN, type Answer, jsonRequest, replay, settled } from "./promotion-fixture.js";
import type { ProblemBody } from "./request.js";

const MODEL = "feedback-demo";
const mails = fixtures.replay["2003"].slice(0, 6);
const v1Labels = fixtures.replayReference["spam@1"]["2003"]?.slice(0, 6) ?? [];

const operator = { authorization: `Bearer ${ADMIN_TOKEN}` };

/** Sends labels; as an operator unless other headers are given. */
async function feedback(labels: unknown, model = MODEL, headers: Record<string, string> = operator) {
  const response = await settled(jsonRequest("POST", `/v1/models/${model}/feedback`, { labels }, headers));
  return {
    status: response.status,
    challenge: response.headers.get("www-authenticate"),
    type: response.headers.get("content-type"),
    body: (await response.json()) as ProblemBody & Record<string, number>,
  };
}

/** Every feedback window of `version` in R2, by role. */
async function windows(model: string, version: number): Promise<Record<string, FeedbackWindow>> {
  const listed = await env.MODELS.list({ prefix: `drift/feedback/${model}/${version}/` });
  const found: Record<string, FeedbackWindow> = {};
  for (const object of listed.objects) {
    const stored = await env.MODELS.get(object.key);
    if (!stored) continue;
    const window = FeedbackWindow.parse(await stored.json());
    found[window.role] = window;
  }
  return found;
}

const truth = (answers: readonly Answer[]) =>
  answers.map((a) => ({ requestId: a.requestId, index: a.index, label: a.mail.label, token: a.token }));

/** v1 of `model` active, having answered `answered` of the mails in batches of `batch`, none labelled. */
async function answeredBy(model: string, answered = mails, batch = 3): Promise<Answer[]> {
  await putShippedVersion("spam", 1, model);
  await putState({ name: model, active: 1 });
  return replay(model, answered, { prefix: model, batch });
}

describe("feedback on the active version's predictions", () => {
  // Read by the tests that are refused (they count nothing); the tests that count build their own.
  let answers: Answer[] = [];

  beforeAll(async () => {
    answers = await answeredBy(MODEL);
  });

  it("matches each label to the instance it names and counts right and wrong", async () => {
    const model = "feedback-matched";
    const { status, body } = await feedback(truth(await answeredBy(model)), model);
    expect(status).toBe(200);
    expect(body).toEqual({ model, matched: 6, unknown: 0, unlogged: 0, duplicates: 0 });
    const correct = v1Labels.filter((label, i) => label === mails[i].label).length;
    expect(await windows(model, 1)).toEqual({
      active: expect.objectContaining({ version: 1, role: "active", count: 6, correct }),
    });
  });

  it("counts a label sent again only once", async () => {
    const model = "feedback-resent";
    const labelled = truth(await answeredBy(model));
    expect((await feedback(labelled, model)).status).toBe(200);
    const before = await windows(model, 1);
    const { body } = await feedback(labelled.slice(0, 2), model);
    expect(body).toMatchObject({ matched: 2, unknown: 0, duplicates: 2 });
    expect(await windows(model, 1)).toEqual(before);
  });

  it("counts request ids it has no prediction for as unknown", async () => {
    const { status, body } = await feedback([{ requestId: "never-predicted", label: "spam" }]);
    expect(status).toBe(200);
    expect(body).toMatchObject({ matched: 0, unknown: 1, unlogged: 0, duplicates: 0 });
  });

  it("takes index 0 when none is given", async () => {
    const model = "feedback-index0";
    const [first] = await answeredBy(model, mails.slice(0, 1), 1);
    const { body } = await feedback([{ requestId: first.requestId, label: first.mail.label }], model);
    expect(body).toMatchObject({ matched: 1, duplicates: 0 });
  });

  it("refuses a label the answering version does not have: 422 naming the field, nothing counted", async () => {
    const before = await windows(MODEL, 1);
    const { status, body } = await feedback([
      { requestId: answers[0].requestId, index: 0, label: "ham" },
      { requestId: answers[1].requestId, index: 1, label: "eggs" },
    ]);
    expect(status).toBe(422);
    expect(body.errors).toEqual([
      { field: "labels[1].label", message: `"eggs" is not a label of ${MODEL}@1 (ham, spam)` },
    ]);
    expect(await windows(MODEL, 1)).toEqual(before);
  });

  it("refuses an index past the request's batch: 422", async () => {
    const { status, body } = await feedback([{ requestId: answers[0].requestId, index: 3, label: "spam" }]);
    expect(status).toBe(422);
    expect(body.errors?.[0].field).toBe("labels[0].index");
  });

  it("refuses a malformed body: 400 naming the field", async () => {
    const { status, body } = await feedback([{ requestId: "has spaces", label: "spam" }]);
    expect(status).toBe(400);
    expect(body.errors?.[0].field).toBe("labels[0].requestId");
  });

  it("refuses more than 256 labels in one call: 400", async () => {
    const labels = Array.from({ length: 257 }, (_, i) => ({ requestId: `r${i}`, label: "spam" }));
    expect((await feedback(labels)).status).toBe(400);
  });

  it("answers 404 for a model that does not exist", async () => {
    expect((await feedback([{ requestId: "x", label: "spam" }], "no-such-model")).status).toBe(404);
  });
});

describe("who may send feedback", () => {
  const GUARDED = "feedback-guarded";
  let answers: Answer[] = [];

  beforeAll(async () => {
    await putShippedVersion("spam", 1, GUARDED);
    await putState({ name: GUARDED, active: 1 });
    answers = await replay(GUARDED, mails.slice(0, 2), { prefix: "fb-guarded", batch: 1 });
  });

  it("gives each predict response a feedback token", () => {
    expect(answers.map((a) => a.token)).toEqual([
      expect.stringMatching(/^[0-9a-f]{64}$/),
      expect.any(String),
    ]);
    expect(answers[0].token).not.toBe(answers[1].token);
  });

  it("counts labels that carry their requests' tokens", async () => {
    const model = "feedback-tokened";
    const tokened = await answeredBy(model, mails.slice(0, 2), 1);
    const { status, body } = await feedback(truth(tokened), model, {});
    expect(status).toBe(200);
    expect(body).toMatchObject({ matched: 2, unknown: 0, duplicates: 0 });
  });

  it("refuses a label without a token: 401 problem naming it, with a challenge, nothing counted", async () => {
    const before = await windows(GUARDED, 1);
    const [first] = answers;
    const { status, challenge, type, body } = await feedback(
      [{ requestId: first.requestId, label: "spam" }],
      GUARDED,
      {},
    );
    expect({ status, challenge, type }).toEqual({
      status: 401,
      challenge: 'Bearer realm="vane-feedback"',
      type: "application/problem+json",
    });
    expect(body.errors).toEqual([
      { field: "labels[0].token", message: `the vane-feedback-token of request ${first.requestId}` },
    ]);
    expect(await windows(GUARDED, 1)).toEqual(before);
  });

  it("refuses the token of another request", async () => {
    const [first, second] = answers;
    const { status, body } = await feedback(
      [{ requestId: second.requestId, label: "spam", token: first.token }],
      GUARDED,
      {},
    );
    expect(status).toBe(401);
    expect(body.errors).toEqual([
      { field: "labels[0].token", message: `not the feedback token of request ${second.requestId}` },
    ]);
  });

  it("refuses a token of the same request id for another model", async () => {
    const [first] = await replay(MODEL, mails.slice(0, 1), { prefix: "fb-guarded-0" });
    const { status } = await feedback(
      [{ requestId: first.requestId, label: "spam", token: first.token }],
      GUARDED,
      {},
    );
    expect(status).toBe(401);
  });

  it("refuses a wrong admin token without label tokens", async () => {
    const { status } = await feedback([{ requestId: answers[0].requestId, label: "spam" }], GUARDED, {
      authorization: "Bearer not-the-admin-token",
    });
    expect(status).toBe(401);
  });

  it("takes the operator's admin token instead of the labels' tokens", async () => {
    const { status } = await feedback(
      [{ requestId: answers[0].requestId, label: "spam" }],
      GUARDED,
      operator,
    );
    expect(status).toBe(200);
  });
});

describe("feedback on a request a shadow candidate scored too", () => {
  const SHADOWED = "feedback-shadow";
  let answers: Answer[] = [];

  beforeAll(async () => {
    await putShippedVersion("spam", 1, SHADOWED);
    await putShippedVersion("spam", 2, SHADOWED);
    await putState({
      name: SHADOWED,
      active: 1,
      candidate: { version: 2, mode: "shadow", share: 1, since: new Date().toISOString() },
    });
    answers = await replay(SHADOWED, mails, { prefix: "fb-shadow", batch: 6 });
  });

  it("counts for both versions, each by its own prediction, on the same instances", async () => {
    const { body } = await feedback(truth(answers), SHADOWED);
    expect(body).toMatchObject({ matched: 6, unknown: 0, duplicates: 0 });
    const right = (labels: readonly string[]) => labels.filter((label, i) => label === mails[i].label).length;
    const v2Labels = fixtures.replayReference["spam@2"]["2003"]?.slice(0, 6) ?? [];
    expect((await windows(SHADOWED, 1)).active).toMatchObject({ count: 6, correct: right(v1Labels) });
    expect((await windows(SHADOWED, 2)).shadow).toMatchObject({
      count: 6,
      correct: right(v2Labels),
      pairedCorrect: right(v1Labels),
    });
  });
});

describe("a request outside the drift sample", () => {
  const UNSAMPLED = "feedback-unsampled";

  beforeAll(async () => {
    await putShippedVersion("spam", 1, UNSAMPLED);
    await putState({ name: UNSAMPLED, active: 1, sampleRate: 0 });
  });

  it("is still in the prediction log, which has a rate of its own: its labels are matched", async () => {
    const answers = await replay(UNSAMPLED, mails.slice(0, 2), { prefix: "fb-unsampled" });
    const { body } = await feedback(truth(answers), UNSAMPLED);
    expect(body).toMatchObject({ matched: 2, unknown: 0, unlogged: 0 });
  });
});

describe("a request outside the prediction log's share (PREDICTION_LOG_RATE 0)", () => {
  const UNLOGGED = "feedback-unlogged";
  const bindings: Env = { ...env, PREDICTION_LOG_RATE: "0" };

  beforeAll(async () => {
    await putShippedVersion("spam", 1, UNLOGGED);
    await putState({ name: UNLOGGED, active: 1 });
  });

  it("keeps no prediction record: its labels are answered as unknown and unlogged", async () => {
    const answers = await replay(UNLOGGED, mails.slice(0, 2), { prefix: "fb-unlogged", batch: 1, bindings });
    const response = await settled(
      jsonRequest("POST", `/v1/models/${UNLOGGED}/feedback`, { labels: truth(answers) }, operator),
      bindings,
    );
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({
      model: UNLOGGED,
      matched: 0,
      unknown: 2,
      unlogged: 2,
      duplicates: 0,
    });
  });
});
