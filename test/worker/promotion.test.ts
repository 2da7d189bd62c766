/**
 * Cron-driven promotion and rollback, end to end inside workerd: real mail through the real predict
 * path, drift samples through the real Queue (or parked in KV and drained by the cron), labels
 * through the feedback endpoint, decisions by the Worker's scheduled handler, read back from the
 * audit log and the registry state in R2.
 */
import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { inShare } from "../../src/core/share-hash.js";
import { fixtures, putShippedVersion, putState, putVersion } from "./fixtures.js";
import {
  accuracyOf,
  admin,
  auditLog,
  cron,
  jsonRequest,
  labelAll,
  queueFolded,
  replay,
  samplesOf,
  settled,
  stateOf,
  withoutQueue,
} from "./promotion-fixture.js";

const mail2002 = fixtures.replay["2002"];
const mail2003 = fixtures.replay["2003"];
const reference = (version: number, collection: "2002" | "2003") => {
  const labels = fixtures.replayReference[`spam@${version}`][collection];
  if (!labels) throw new Error(`no reference for spam@${version} on ${collection}`);
  return labels;
};

/** Publishes the shipped v1 and v2 under `model`, v1 active, with the given policy overrides. */
async function twoVersions(model: string, policy: Record<string, number>) {
  await putShippedVersion("spam", 1, model);
  await putShippedVersion("spam", 2, model);
  await putState({ name: model, active: 1, policy });
}

/** Publishes a copy of v2 as `version` whose stored bytes no longer match its manifest. */
async function putCorrupt(model: string, version: number) {
  const good = await putShippedVersion("spam", 2, model);
  const stored = await env.MODELS.get(`models/${model}/2/model.onnx`);
  if (!stored) throw new Error(`models/${model}/2/model.onnx is missing`);
  const bytes = new Uint8Array(await stored.arrayBuffer());
  bytes[bytes.length - 10] ^= 0xff;
  await putVersion({ ...good, version }, { "model.onnx": bytes });
}

/**
 * The story's steps, each built afresh under the model a test names: v1 and v2 published, v1 active
 * with a small deployment's policy; v1 answers the 2003 mail, every answer labelled and its samples
 * folded; a scheduled run alerts; v2 is registered as a shadow; v2 scores the mail again aside,
 * labelled and folded; a scheduled run promotes v2. Each step returns what the later ones build on.
 */
const story = {
  async deployed(model: string) {
    await twoVersions(model, {});
    const response = await admin("PUT", `/models/${model}/policy`, {
      policy: { minSamples: 100, minFeedback: 100 },
      reason: "a small test deployment: 120 labelled mails are enough",
    });
    if (response.status !== 200) throw new Error(`setting the policy answered ${response.status}`);
  },
  async v1Labelled(model: string) {
    await story.deployed(model);
    await labelAll(model, await replay(model, mail2003, { prefix: `${model}-v1` }));
    const folded = await queueFolded(model, 1, 120);
    if (folded !== 120) throw new Error(`${folded} of v1's 120 samples folded`);
  },
  async alerted(model: string) {
    await story.v1Labelled(model);
    await cron();
  },
  async shadowRegistered(model: string) {
    await story.alerted(model);
    const response = await admin("POST", `/models/${model}/candidate`, {
      version: 2,
      mode: "shadow",
      share: 1,
    });
    if (response.status !== 200) throw new Error(`registering v2 answered ${response.status}`);
  },
  async shadowScored(model: string) {
    await story.shadowRegistered(model);
    await labelAll(model, await replay(model, mail2003, { prefix: `${model}-shadow` }));
    const folded = await queueFolded(model, 2, 120);
    if (folded !== 120) throw new Error(`${folded} of v2's 120 shadow samples folded`);
  },
  async promoted(model: string) {
    await story.shadowScored(model);
    await cron();
  },
};

describe("the story: 2003 mail reaches v1, trained on 2002 mail", () => {
  it("v1 answers the 2003 mail, and feedback matches every label to its prediction", async () => {
    const MODEL = "story-answers";
    await story.deployed(MODEL);
    const answers = await replay(MODEL, mail2003, { prefix: MODEL });
    expect(answers.map((a) => `${a.version}/${a.role}`)).toEqual(mail2003.map(() => "1/active"));
    expect(answers.map((a) => a.label)).toEqual(reference(1, "2003"));
    expect(await labelAll(MODEL, answers)).toEqual({ matched: 120, unknown: 0, duplicates: 0 });
  });

  it("the scheduled run finds v1 drifted on that mail and, with no candidate, alerts", async () => {
    const MODEL = "story-alert";
    await story.v1Labelled(MODEL);
    await cron();
    const [alert] = await auditLog(MODEL);
    expect(alert).toMatchObject({ actor: "scheduler", action: "alert", version: 1 });
    // The drifted features are those of the alert, each with its PSI above the 0.2 threshold; the
    // share of tokens v1 never saw in training is among them.
    const drifted = (alert.numbers.active as { drifted: Array<{ feature: string; psi: number }> }).drifted;
    expect(alert.after.alert?.features).toEqual(drifted.map((d) => d.feature));
    expect(alert.after.alert?.features).toContain("unseen_token_share");
    for (const { psi } of drifted) expect(psi).toBeGreaterThan(0.2);
    expect(alert.numbers.active).toMatchObject({
      samples: 120,
      feedback: { labels: 120, accuracy: accuracyOf(reference(1, "2003"), mail2003) },
    });
  });

  it("v2 is registered as a shadow candidate on every request, once verified", async () => {
    const MODEL = "story-register";
    await story.alerted(MODEL);
    const response = await admin("POST", `/models/${MODEL}/candidate`, {
      version: 2,
      mode: "shadow",
      share: 1,
    });
    expect(response.status).toBe(200);
    expect((await stateOf(MODEL)).candidate).toMatchObject({ version: 2, mode: "shadow", share: 1 });
  });

  it("v1 still answers every request while v2 scores each one aside as shadow", async () => {
    const MODEL = "story-shadow";
    await story.shadowRegistered(MODEL);
    const shadowed = await replay(MODEL, mail2003, { prefix: MODEL });
    expect(shadowed.map((a) => `${a.version}/${a.role}`)).toEqual(mail2003.map(() => "1/active"));
    expect(await labelAll(MODEL, shadowed)).toEqual({ matched: 120, unknown: 0, duplicates: 0 });
    expect(await queueFolded(MODEL, 2, 120)).toBe(120);
    expect(await samplesOf(MODEL, 2)).toEqual({ shadow: 120 });
  });

  it("the scheduled run promotes v2, right more often than v1 on the same labelled mail", async () => {
    const MODEL = "story-promote";
    await story.shadowScored(MODEL);
    await cron();
    const [promotion] = await auditLog(MODEL);
    expect(promotion).toMatchObject({ actor: "scheduler", action: "promote", version: 2 });
    expect(promotion.numbers.comparison).toEqual({
      basis: "paired",
      candidate: expect.objectContaining({
        labels: 120,
        accuracy: accuracyOf(reference(2, "2003"), mail2003),
      }),
      active: { labels: 120, accuracy: accuracyOf(reference(1, "2003"), mail2003) },
    });
    expect(promotion.numbers.candidate).toMatchObject({ version: 2, samples: 120, load: { ok: true } });
    expect(promotion.after).toMatchObject({
      active: 2,
      previous: [1],
      candidate: null,
      alert: null,
      probation: { version: 2, replaced: 1, by: "scheduler" },
    });
  });

  it("predictions then come from v2", async () => {
    const MODEL = "story-v2";
    await story.promoted(MODEL);
    const answers = await replay(MODEL, mail2003.slice(0, 16), { prefix: `${MODEL}-after` });
    expect(answers.map((a) => `${a.version}/${a.role}`)).toEqual(answers.map(() => "2/active"));
    expect(answers.map((a) => a.label)).toEqual(reference(2, "2003").slice(0, 16));
  });

  it("the audit log tells the story, newest first", async () => {
    const MODEL = "story-audit";
    await story.promoted(MODEL);
    const log = await auditLog(MODEL);
    expect(log.map((r) => [r.actor, r.action, r.version])).toEqual([
      ["scheduler", "promote", 2],
      ["admin", "register_candidate", 2],
      ["scheduler", "alert", 1],
      ["admin", "set_policy", null],
    ]);
    expect(log.map((r) => r.after.active)).toEqual([2, 1, 1, 1]);
  });
});

/**
 * v1 serves the 2002 mail it was trained for; then an admin promotes v2 (trained on 2003 mail,
 * several points less accurate on 2002 mail: see models/spam/REPORT.md) while that mail goes on.
 */
async function regressed(model: string) {
  await twoVersions(model, { minFeedback: 100 });
  await labelAll(model, await replay(model, mail2002, { prefix: `${model}-v1` }));
  const response = await admin("POST", `/models/${model}/promote`, { version: 2 });
  if (response.status !== 200) throw new Error(`promoting v2 answered ${response.status}`);
  await labelAll(model, await replay(model, mail2002, { prefix: `${model}-v2` }));
}

describe("a promotion that makes accuracy worse", () => {
  it("is rolled back by the next scheduled run, with both accuracies in the audit record", async () => {
    const MODEL = "regress-rollback";
    await regressed(MODEL);
    await cron();
    const [rollback] = await auditLog(MODEL);
    expect(rollback).toMatchObject({ actor: "scheduler", action: "rollback", version: 2 });
    expect(rollback.numbers.probation).toMatchObject({
      version: 2,
      replaced: 1,
      live: { labels: 120, accuracy: accuracyOf(reference(2, "2002"), mail2002) },
      baseline: { labels: 120, accuracy: accuracyOf(reference(1, "2002"), mail2002) },
    });
    expect(rollback.after).toMatchObject({ active: 1, previous: [], probation: null });
  });

  it("leaves v1 answering again once rolled back", async () => {
    const MODEL = "regress-after";
    await regressed(MODEL);
    await cron();
    const answers = await replay(MODEL, mail2002.slice(0, 8), { prefix: `${MODEL}-after` });
    expect(answers.map((a) => `${a.version}/${a.role}`)).toEqual(answers.map(() => "1/active"));
  });
});

/** v2 a shadow on every request of 48 labelled 2003 mails, their samples parked in KV (no queue). */
async function raced(model: string) {
  await twoVersions(model, { minSamples: 40, minFeedback: 40 });
  const response = await admin("POST", `/models/${model}/candidate`, {
    version: 2,
    mode: "shadow",
    share: 1,
  });
  if (response.status !== 200) throw new Error(`registering v2 answered ${response.status}`);
  await labelAll(
    model,
    await replay(model, mail2003.slice(0, 48), { prefix: model, bindings: withoutQueue }),
  );
  // Both runs drain the parked samples before deciding.
  const now = Date.now();
  await Promise.all([cron(withoutQueue, now), cron(withoutQueue, now)]);
}

describe("two scheduled runs started at the same moment", () => {
  it("promote exactly once", async () => {
    const MODEL = "race-promote";
    await raced(MODEL);
    const promotions = (await auditLog(MODEL)).filter((r) => r.action === "promote");
    expect(promotions).toHaveLength(1);
    expect((await stateOf(MODEL)).active).toBe(2);
  });

  it("fold the parked samples exactly once", async () => {
    const MODEL = "race-fold";
    await raced(MODEL);
    expect(await samplesOf(MODEL, 2)).toEqual({ shadow: 48 });
    expect(await samplesOf(MODEL, 1)).toEqual({ active: 48 });
  });
});

/** v1 pinned, v2 a shadow on every request of 48 labelled 2003 mails parked in KV: a good candidate. */
async function pinned(model: string) {
  await twoVersions(model, { minSamples: 40, minFeedback: 40 });
  for (const [path, body] of [
    [`/models/${model}/pin`, { version: 1 }],
    [`/models/${model}/candidate`, { version: 2, mode: "shadow", share: 1 }],
  ] as const) {
    const response = await admin("POST", path, body);
    if (response.status !== 200) throw new Error(`${path} answered ${response.status}`);
  }
  await labelAll(
    model,
    await replay(model, mail2003.slice(0, 48), { prefix: model, bindings: withoutQueue }),
  );
}

describe("a pinned model", () => {
  it("is left alone by the scheduled run, however good the candidate", async () => {
    const MODEL = "pinned-alone";
    await pinned(MODEL);
    await cron(withoutQueue);
    expect((await auditLog(MODEL)).map((r) => r.action)).toEqual(["register_candidate", "pin"]);
    expect(await stateOf(MODEL)).toMatchObject({ active: 1, pinned: true, candidate: { version: 2 } });
  });

  it("is back in the scheduler's hands once unpinned", async () => {
    const MODEL = "pinned-unpinned";
    await pinned(MODEL);
    expect((await admin("POST", `/models/${MODEL}/unpin`)).status).toBe(200);
    await cron(withoutQueue);
    expect((await auditLog(MODEL))[0]).toMatchObject({ actor: "scheduler", action: "promote", version: 2 });
  });
});

/** v2 the canary candidate of half the callers. */
async function canary(model: string) {
  await twoVersions(model, {});
  const response = await admin("POST", `/models/${model}/candidate`, {
    version: 2,
    mode: "canary",
    share: 0.5,
  });
  if (response.status !== 200) throw new Error(`registering v2 answered ${response.status}`);
}

describe("a canary candidate", () => {
  const keys = Array.from({ length: 16 }, (_, i) => `customer-${i}`);
  const mail = [mail2003[0]];
  /** One predict per caller key; each answer's version and role. */
  const roundOf = async (model: string, round: number) => {
    const seen: string[] = [];
    for (const key of keys) {
      const [answer] = await replay(model, mail, {
        prefix: `${model}-${round}-${key}`,
        headers: { "x-vane-key": key },
      });
      seen.push(`${answer.version}/${answer.role}`);
    }
    return seen;
  };

  it("answers the share of callers whose key falls in it, as role candidate, every time", async () => {
    const MODEL = "canary-share";
    await canary(MODEL);
    const expected = keys.map((key) => (inShare(`canary/${MODEL}`, key, 0.5) ? "2/candidate" : "1/active"));
    expect(new Set(expected)).toEqual(new Set(["2/candidate", "1/active"]));
    expect(await roundOf(MODEL, 1)).toEqual(expected);
    expect(await roundOf(MODEL, 2)).toEqual(expected);
  });

  it("tags the candidate's drift samples as candidate", async () => {
    const MODEL = "canary-samples";
    await canary(MODEL);
    await roundOf(MODEL, 1);
    const answeredByCandidate = keys.filter((key) => inShare(`canary/${MODEL}`, key, 0.5)).length;
    expect(answeredByCandidate).toBeGreaterThan(0);
    expect(await queueFolded(MODEL, 2, answeredByCandidate)).toBe(answeredByCandidate);
    expect(await samplesOf(MODEL, 2)).toEqual({ candidate: answeredByCandidate });
  });
});

describe("a corrupt v3 (its bytes do not match its manifest)", () => {
  const MODEL = "corrupt";

  beforeAll(async () => {
    await putShippedVersion("spam", 1, MODEL);
    await putCorrupt(MODEL, 3);
    // v3 became the canary candidate before its bytes went bad.
    await putState({
      name: MODEL,
      active: 2,
      previous: [1],
      candidate: { version: 3, mode: "canary", share: 1, since: new Date().toISOString() },
    });
  });

  it("is not served even to its canary share: v2 answers as the active version", async () => {
    const answers = await replay(MODEL, mail2003.slice(0, 8), { prefix: "corrupt-canary" });
    expect(answers.map((a) => `${a.version}/${a.role}`)).toEqual(answers.map(() => "2/active"));
  });

  it("is refused when asked for by version, with 503 naming the checksum", async () => {
    const response = await settled(
      jsonRequest("POST", `/v1/models/${MODEL}/versions/3/predict`, {
        instances: [{ text: mail2003[0].text }],
      }),
    );
    expect(response.status).toBe(503);
    expect(((await response.json()) as { detail: string }).detail).toContain("sha256");
  });

  it("cannot be registered again or promoted by an admin: 422", async () => {
    const register = await admin("POST", `/models/${MODEL}/candidate`, {
      version: 3,
      mode: "shadow",
      share: 1,
    });
    expect(register.status).toBe(422);
    expect(((await register.json()) as { detail: string }).detail).toContain("sha256");
    expect((await admin("POST", `/models/${MODEL}/promote`, { version: 3 })).status).toBe(422);
  });

  it("is rejected by the scheduled run with the checksum as the reason, and v2 keeps serving", async () => {
    await cron();
    const [rejection] = await auditLog(MODEL);
    expect(rejection).toMatchObject({ actor: "scheduler", action: "reject", version: 3 });
    expect(rejection.reason).toContain("sha256");
    expect(rejection.after).toMatchObject({ active: 2, candidate: null });
    const answers = await replay(MODEL, mail2003.slice(0, 8), { prefix: "corrupt-after" });
    expect(answers.map((a) => `${a.version}/${a.role}`)).toEqual(answers.map(() => "2/active"));
  });
});

describe("an active version that stops loading", () => {
  const MODEL = "unavailable";

  beforeAll(async () => {
    await putShippedVersion("spam", 1, MODEL);
    await putCorrupt(MODEL, 3);
    await putState({ name: MODEL, active: 3, previous: [1] });
  });

  it("is audited once as active_unavailable, however many runs see it", async () => {
    await cron();
    await cron();
    const log = await auditLog(MODEL);
    expect(log.map((r) => [r.actor, r.action, r.version])).toEqual([["scheduler", "active_unavailable", 3]]);
    expect(log[0].reason).toContain("sha256");
  });

  it("while serving falls back to the previous version", async () => {
    const [answer] = await replay(MODEL, mail2003.slice(0, 1), { prefix: "unavailable" });
    expect(`${answer.version}/${answer.role}`).toBe("1/fallback");
  });
});

describe("a webhook that cannot be reached", () => {
  // Nothing listens on the discard port of the loopback: every delivery fails, nothing leaves.
  const bindings = { ...withoutQueue, WEBHOOK_URL: "http://127.0.0.1:9/" } as unknown as Env;

  /** v2 a shadow on every request of 48 labelled 2003 mails; then one scheduled run promotes it. */
  async function promotedUnheard(model: string) {
    // Decided on accuracy alone: under a loaded machine a shadow's latency is noise, not the subject.
    await twoVersions(model, { minSamples: 40, minFeedback: 40, latencyFloorMs: 1000 });
    const response = await admin("POST", `/models/${model}/candidate`, {
      version: 2,
      mode: "shadow",
      share: 1,
    });
    if (response.status !== 200) throw new Error(`registering v2 answered ${response.status}`);
    await labelAll(model, await replay(model, mail2003.slice(0, 48), { prefix: model, bindings }));
    await cron(bindings);
  }

  it("does not stop the decision", async () => {
    const MODEL = "webhook-decision";
    await promotedUnheard(MODEL);
    expect((await auditLog(MODEL))[0]).toMatchObject({ actor: "scheduler", action: "promote", version: 2 });
    expect((await stateOf(MODEL)).active).toBe(2);
  });

  it("keeps the delivery in the state for the next run, with its error", async () => {
    const MODEL = "webhook-kept";
    await promotedUnheard(MODEL);
    const [promotion] = await auditLog(MODEL);
    const { deliveries } = await stateOf(MODEL);
    expect(deliveries).toHaveLength(1);
    expect(deliveries[0]).toMatchObject({
      id: promotion.id,
      attempts: 1,
      payload: { id: promotion.id, model: MODEL, action: "promote", version: 2 },
    });
    expect(deliveries[0].lastError).toEqual(expect.any(String));
  });

  it("retries it on the next run", async () => {
    const MODEL = "webhook-retried";
    await promotedUnheard(MODEL);
    await cron(bindings);
    const { deliveries } = await stateOf(MODEL);
    expect(deliveries.map((d) => d.attempts)).toEqual([2]);
  });
});
