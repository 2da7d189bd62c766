/**
 * Online updates in the scheduled run (src/promotion/online.ts), with the real bindings: v1 (trained
 * on 2002 mail) is active with `update.mode: "online"`, 2003 mail arrives with feedback labels, a
 * scheduled run fine-tunes v1 on it into a shadow candidate with its lineage, and the promotion policy
 * promotes it on the next labelled mail, or rejects it when what it learnt from was wrong.
 */
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import type { FeedbackDataSpec, UpdateSpec } from "../../src/core/update-spec.js";
import { listVersions, readManifest } from "../../src/registry/manifests.js";
import { decode, fixtures, putState, putVersion, shippedVersion } from "./fixtures.js";
import {
  accuracyOf,
  admin,
  auditLog,
  comparisonOf,
  cron,
  labelAll,
  queueFolded,
  replay,
  stateOf,
} from "./promotion-fixture.js";
import { call } from "./request.js";

const learnFrom = fixtures.learn2003;
const judgedOn = fixtures.replay["2003"];
const feedbackData: FeedbackDataSpec = { keep: "features", retentionDays: 30, maxRows: 10_000 };
const update = {
  mode: "online",
  maxRowsPerRun: 1000,
  learningRate: 0.05,
  epochs: 5,
  minRows: 50,
  heldOutShare: 0.2,
  candidate: { mode: "shadow", share: 1 },
} satisfies UpdateSpec;

/** spam v1 under `name`, active, asking for online updates; a small deployment's policy. */
async function onlineModel(name: string, overrides: Partial<UpdateSpec> | null = {}) {
  const shipped = shippedVersion("spam", 1);
  await putVersion(
    {
      ...shipped.manifest,
      name,
      feedbackData,
      ...(overrides === null ? {} : { update: { ...update, ...overrides } }),
    },
    {
      "model.onnx": decode(shipped.files["model.onnx"]),
      "profile.json": decode(shipped.files["profile.json"]),
    },
  );
  await putState({ name, active: 1, policy: { minSamples: 100, minFeedback: 100 } });
}

const flipped = (label: string) => (label === "spam" ? "ham" : "spam");

describe("the story, online: 2003 mail reaches v1, which learns from its feedback", () => {
  const MODEL = "online-story";

  it("v1 answers the 2003 mail, and feedback labels every prediction", async () => {
    await onlineModel(MODEL);
    const answers = await replay(MODEL, learnFrom, { prefix: "learn" });
    expect(answers.every((a) => a.version === 1 && a.role === "active")).toBe(true);
    expect(await labelAll(MODEL, answers)).toEqual({ matched: 320, unknown: 0, duplicates: 0 });
  });

  it("the scheduled run fine-tunes v1 on those labels and registers v2 as a shadow candidate", async () => {
    await cron();
    const [registered] = await auditLog(MODEL);
    expect(registered).toMatchObject({ actor: "scheduler", action: "register_candidate", version: 2 });
    expect((await stateOf(MODEL)).candidate).toMatchObject({ version: 2, mode: "shadow", share: 1 });
    expect(await listVersions(env.MODELS, MODEL)).toEqual([1, 2]);
  });

  it("v2's manifest names its lineage, and the registry API shows it", async () => {
    const response = await call(`/v1/models/${MODEL}`);
    const body = (await response.json()) as { versions: Array<{ version: number; lineage?: unknown }> };
    const lineage = body.versions.find((v) => v.version === 2)?.lineage as {
      parent: { version: number };
      method: string;
      data: { feedbackRows: number; heldOutRows: number; from: string; to: string };
      metrics: Record<string, number>;
    };
    expect(lineage).toMatchObject({ parent: { version: 1 }, method: "online", data: { feedbackRows: 320 } });
    expect(lineage.data.heldOutRows).toBeGreaterThan(0);
    expect(lineage.metrics.heldOutLogLoss).toBeLessThan(lineage.metrics.parentHeldOutLogLoss);
    expect(lineage.metrics.heldOutAccuracy).toBeGreaterThanOrEqual(lineage.metrics.parentHeldOutAccuracy);
    expect(body.versions.find((v) => v.version === 1)?.lineage).toBeUndefined();
  });

  it("v2 carries v1's input, task, drift profile and update settings, with its own bytes", async () => {
    const v1 = await readManifest(env.MODELS, MODEL, 1);
    const v2 = await readManifest(env.MODELS, MODEL, 2);
    expect(v2).toMatchObject({ input: v1?.input, task: v1?.task, drift: v1?.drift, update: v1?.update });
    expect(v2?.model.sha256).not.toBe(v1?.model.sha256);
    expect(await env.MODELS.head(`models/${MODEL}/2/profile.json`)).not.toBeNull();
  });

  it("v1 answers the next mail while v2 scores it in shadow, and feedback labels both", async () => {
    const answers = await replay(MODEL, judgedOn, { prefix: "judged" });
    expect(answers.every((a) => a.version === 1 && a.role === "active")).toBe(true);
    expect(await labelAll(MODEL, answers)).toEqual({ matched: 120, unknown: 0, duplicates: 0 });
    expect(await queueFolded(MODEL, 2, 120)).toBe(120);
  });

  it("the scheduled run promotes v2, right more often than v1 on the same labelled mail", async () => {
    await cron();
    const [promotion] = await auditLog(MODEL);
    expect(promotion).toMatchObject({ actor: "scheduler", action: "promote", version: 2 });
    const comparison = comparisonOf(promotion);
    expect(comparison.basis).toBe("paired");
    expect(comparison.active).toEqual({
      labels: 120,
      accuracy: accuracyOf(fixtures.replayReference["spam@1"]["2003"] ?? [], judgedOn),
    });
    expect(comparison.candidate.labels).toBe(120);
    expect(comparison.candidate.accuracy).toBeGreaterThan(comparison.active.accuracy);
    console.log(
      JSON.stringify({
        event: "online_story",
        v1: comparison.active.accuracy,
        v2: comparison.candidate.accuracy,
      }),
    );
    expect((await stateOf(MODEL)).active).toBe(2);
  });

  it("predictions then come from v2", async () => {
    const answers = await replay(MODEL, judgedOn.slice(0, 16), { prefix: "served" });
    expect(answers.map((a) => `${a.version}/${a.role}`)).toEqual(answers.map(() => "2/active"));
  });

  it("no update builds on v2 while it is on probation", async () => {
    await cron();
    expect(await listVersions(env.MODELS, MODEL)).toEqual([1, 2]);
  });
});

describe("an online update learnt from wrong labels", () => {
  const MODEL = "online-flipped";

  it("is published as a candidate, then rejected on the next, true labels", async () => {
    await onlineModel(MODEL);
    const answers = await replay(MODEL, learnFrom, { prefix: "wrong" });
    const wrong = answers.map((a) => ({ ...a, mail: { ...a.mail, label: flipped(a.mail.label) } }));
    expect(await labelAll(MODEL, wrong)).toMatchObject({ matched: 320 });
    await cron();
    expect((await stateOf(MODEL)).candidate).toMatchObject({ version: 2, mode: "shadow" });

    const judged = await replay(MODEL, judgedOn, { prefix: "true" });
    await labelAll(MODEL, judged);
    expect(await queueFolded(MODEL, 2, 120)).toBe(120);
    await cron();
    const ofV2 = (await auditLog(MODEL)).filter((record) => record.version === 2).reverse();
    expect(ofV2.map((r) => [r.actor, r.action])).toEqual([
      ["scheduler", "register_candidate"],
      ["scheduler", "reject"],
    ]);
    expect(ofV2[1].reason).toMatch(/^candidate is less accurate/);
    expect(await stateOf(MODEL)).toMatchObject({ active: 1, candidate: null });
  });
});

describe("when the scheduled run leaves a model alone", () => {
  it("a model whose active version does not ask for online updates gets no new version", async () => {
    const model = "online-off";
    await onlineModel(model, null);
    await labelAll(model, await replay(model, learnFrom.slice(0, 64), { prefix: "off" }));
    await cron();
    expect(await listVersions(env.MODELS, model)).toEqual([1]);
  });

  it("fewer labelled rows than minRows: it waits, then trains once enough have arrived", async () => {
    const model = "online-few";
    await onlineModel(model, { minRows: 80 });
    await labelAll(model, await replay(model, learnFrom.slice(0, 48), { prefix: "few-a" }));
    await cron();
    expect(await listVersions(env.MODELS, model)).toEqual([1]);
    await labelAll(model, await replay(model, learnFrom.slice(48, 96), { prefix: "few-b" }));
    await cron();
    expect(await listVersions(env.MODELS, model)).toEqual([1, 2]);
    const v2 = await readManifest(env.MODELS, model, 2);
    expect(v2?.lineage?.data.feedbackRows).toBe(96);
  });

  it("a candidate under evaluation: it waits for the policy's decision", async () => {
    const model = "online-busy";
    await onlineModel(model);
    const shipped = shippedVersion("spam", 2);
    await putVersion(
      { ...shipped.manifest, name: model },
      {
        "model.onnx": decode(shipped.files["model.onnx"]),
        "profile.json": decode(shipped.files["profile.json"]),
      },
    );
    const response = await admin("POST", `/models/${model}/candidate`, {
      version: 2,
      mode: "shadow",
      share: 1,
    });
    expect(response.status).toBe(200);
    await labelAll(model, await replay(model, learnFrom.slice(0, 64), { prefix: "busy" }));
    await cron();
    expect(await listVersions(env.MODELS, model)).toEqual([1, 2]);
    expect((await stateOf(model)).candidate?.version).toBe(2);
  });

  it("each run trains on at most maxRowsPerRun rows", async () => {
    const model = "online-bounded";
    await onlineModel(model, { maxRowsPerRun: 100 });
    await labelAll(model, await replay(model, learnFrom.slice(0, 160), { prefix: "bounded" }));
    await cron();
    const v2 = await readManifest(env.MODELS, model, 2);
    expect(v2?.lineage?.data.feedbackRows).toBe(100);
  });
});
