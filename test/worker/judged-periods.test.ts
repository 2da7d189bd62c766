/**
 * A version is judged only on predictions made while it held the role being judged, from the exact
 * time it took that role: not on labels from before, even within the same drift window.
 */
import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { readAccuracy } from "../../src/drift/feedback.js";
import { fixtures, putShippedVersion, putState } from "./fixtures.js";
import {
  accuracyOf,
  admin,
  auditLog,
  cron,
  labelAll,
  replay,
  stateOf,
  withoutQueue,
} from "./promotion-fixture.js";

const mail2003 = fixtures.replay["2003"];
/** The end-to-end runs replay hundreds of predictions each. */
const SLOW_MS = 180_000;
const reference = (version: number) => {
  const labels = fixtures.replayReference[`spam@${version}`]["2003"];
  if (!labels) throw new Error(`no reference for spam@${version} on 2003`);
  return labels;
};

async function twoVersions(model: string, policy: Record<string, number>) {
  await putShippedVersion("spam", 1, model);
  await putShippedVersion("spam", 2, model);
  await putState({ name: model, active: 1, policy });
}

/**
 * v1 (trained on 2002 mail) answers the 2003 mail as the active version, worse than v2 does once an
 * operator promotes v2; then the operator promotes v1 back, on probation against v2.
 */
async function promotedBack(model: string) {
  await twoVersions(model, { minFeedback: 100 });
  await labelAll(model, await replay(model, mail2003, { prefix: `${model}-v1` }));
  expect((await admin("POST", `/models/${model}/promote`, { version: 2 })).status).toBe(200);
  await labelAll(model, await replay(model, mail2003, { prefix: `${model}-v2` }));
  expect((await admin("POST", `/models/${model}/promote`, { version: 1 })).status).toBe(200);
}

describe("a version an operator promotes back", () => {
  it(
    "is not rolled back by the next scheduled run on its labels from before the promotion",
    async () => {
      const MODEL = "promoted-back";
      await promotedBack(MODEL);
      await cron();
      expect((await auditLog(MODEL))[0]).toMatchObject({ actor: "admin", action: "promote", version: 1 });
      expect(await stateOf(MODEL)).toMatchObject({ active: 1, probation: { version: 1, replaced: 2 } });
    },
    SLOW_MS,
  );

  it(
    "is judged on exactly the predictions it made once promoted",
    async () => {
      const MODEL = "promoted-back-judged";
      await promotedBack(MODEL);
      await labelAll(MODEL, await replay(MODEL, mail2003, { prefix: `${MODEL}-v1-again` }));
      await cron();
      const [rollback] = await auditLog(MODEL);
      expect(rollback).toMatchObject({ actor: "scheduler", action: "rollback", version: 1 });
      expect(rollback.numbers.probation).toMatchObject({
        live: { labels: 120, accuracy: accuracyOf(reference(1), mail2003) },
        baseline: { labels: 120, accuracy: accuracyOf(reference(2), mail2003) },
      });
    },
    SLOW_MS,
  );
});

describe("a canary candidate registered after the active version's labels", () => {
  const MODEL = "canary-late";

  beforeAll(async () => {
    await twoVersions(MODEL, { minSamples: 40, minFeedback: 40 });
    await labelAll(
      MODEL,
      await replay(MODEL, mail2003.slice(0, 48), { prefix: "early", bindings: withoutQueue }),
    );
    expect(
      (await admin("POST", `/models/${MODEL}/candidate`, { version: 2, mode: "canary", share: 1 })).status,
    ).toBe(200);
    const late = await replay(MODEL, mail2003.slice(48, 96), { prefix: "late", bindings: withoutQueue });
    expect(late.every((a) => a.role === "candidate")).toBe(true);
    await labelAll(MODEL, late);
  });

  it("is not compared with them: the run waits for active labels made since", async () => {
    await cron(withoutQueue);
    expect((await auditLog(MODEL)).map((r) => r.action)).toEqual(["register_candidate"]);
    expect(await stateOf(MODEL)).toMatchObject({ active: 1, candidate: { version: 2, mode: "canary" } });
  });
});

describe("a canary candidate and the active version answering side by side", () => {
  const MODEL = "canary-side-by-side";

  it(
    "are compared on the labels of the predictions each made since the registration",
    async () => {
      await twoVersions(MODEL, { minSamples: 25, minFeedback: 25 });
      await labelAll(
        MODEL,
        await replay(MODEL, mail2003.slice(0, 40), { prefix: "before", bindings: withoutQueue }),
      );
      expect(
        (await admin("POST", `/models/${MODEL}/candidate`, { version: 2, mode: "canary", share: 0.5 }))
          .status,
      ).toBe(200);
      const since = await replay(MODEL, mail2003.slice(0, 80), {
        prefix: "since",
        batch: 1,
        bindings: withoutQueue,
      });
      await labelAll(MODEL, since);
      await cron(withoutQueue);
      const [promotion] = await auditLog(MODEL);
      const answered = (role: string) => since.filter((a) => a.role === role);
      const right = (answers: typeof since) => answers.filter((a) => a.label === a.mail.label).length;
      expect(promotion).toMatchObject({ actor: "scheduler", action: "promote", version: 2 });
      expect(promotion.numbers.comparison).toMatchObject({
        basis: "unpaired",
        candidate: {
          labels: answered("candidate").length,
          accuracy: right(answered("candidate")) / answered("candidate").length,
        },
        active: {
          labels: answered("active").length,
          accuracy: right(answered("active")) / answered("active").length,
        },
      });
    },
    SLOW_MS,
  );
});

describe("feedback windows written before labels kept their prediction times", () => {
  const MODEL = "legacy-feedback";
  const legacy = (start: number, count: number, correct: number) => ({
    model: MODEL,
    version: 1,
    role: "active",
    start,
    seconds: 600,
    count,
    correct,
    confidenceSum: count * 0.9,
    pairedCorrect: 0,
    seen: "",
  });

  it("count whole when they lie inside the period, and not at all when it starts within them", async () => {
    const start = 1_796_000_400_000;
    await env.MODELS.put(
      `drift/feedback/${MODEL}/1/00${start}-active.json`,
      JSON.stringify(legacy(start, 10, 4)),
    );
    const next = start + 600_000;
    await env.MODELS.put(
      `drift/feedback/${MODEL}/1/00${next}-active.json`,
      JSON.stringify(legacy(next, 20, 15)),
    );
    const accuracy = await readAccuracy(env.MODELS, MODEL, 1, {
      since: start + 1,
      roles: ["active"],
      windowSeconds: 600,
    });
    expect(accuracy).toMatchObject({ labels: 20, correct: 15, accuracy: 0.75 });
  });
});
