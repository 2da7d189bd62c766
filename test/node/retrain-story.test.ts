/**
 * The retraining loop as an operator runs it, against a real local Worker (wrangler dev, miniflare's
 * R2, KV, D1 and Queue): spam v1 (2002 mail), keeping features of the requests that get feedback,
 * answers 400 mails of 2003; their labels come back as feedback; `vane feedback export` downloads the
 * kept rows, `vane retrain` fine-tunes v1 on them, `vane publish` makes the result a shadow candidate,
 * and after more 2003 mail the scheduled run promotes it. The same loop fed flipped labels makes a
 * candidate the scheduled run rejects.
 */
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Email, LABELS, loadSplits } from "../../src/toolchain/data.js";
import { cliEnv, startTestWorker, type TestWorker } from "./local-worker.js";
import { predictLabelled, routeShadow, scheduledDecision, sendLabels } from "./retrain-loop.js";
import { REPO, vane } from "./run-cli.js";

const PORT = 8841;
const STORY = "retrain-story";
const FLIPPED = "retrain-flipped";
const FEEDBACK_MAILS = 400;
const BATCH = 10;
const KEEP_FEATURES = { keep: "features", retentionDays: 30, maxRows: 10_000 } as const;

let worker: TestWorker;
let feedbackMails: Email[];
let judgedMails: Email[];

const cli = (args: string[]) => worker.vane(args);
const offline = (args: string[]) => vane(args, REPO, cliEnv());

const asRows = (mails: readonly Email[]) =>
  mails.map((mail) => ({ instance: { text: mail.text }, label: LABELS[mail.label] }));

/** Predicts the mails, BATCH per request (`<prefix>-<n>`), and waits until the Worker logged them all. */
const predict = (model: string, mails: readonly Email[], prefix: string, versions: number[]) =>
  predictLabelled(worker, model, asRows(mails), { prefix, versions, batch: BATCH });

interface Loop {
  exported: { rows: number; labels: string[] };
  retrained: { heldOut: { parent: { accuracy: number }; child: { accuracy: number } } };
  published: string;
}

/** Feedback on v1's answers, exported, retrained into v2 and published as a shadow candidate of every request. */
async function retrainLoop(model: string, flip: boolean): Promise<Loop> {
  const answered = await predict(model, feedbackMails, `${model}-feedback`, [1]);
  const labels = flip
    ? answered.map((a) => ({ ...a, label: a.label === "spam" ? "ham" : "spam" }))
    : answered;
  expect((await sendLabels(worker, model, labels)).matched).toBe(FEEDBACK_MAILS);
  const exportFile = join(worker.persistTo, `${model}-export.jsonl`);
  const exported = await cli(["feedback", "export", model, "--out", exportFile, "--json"]);
  expect(exported.code).toBe(0);
  const out = join(worker.persistTo, `${model}-v2`);
  const retrained = await offline([
    "retrain",
    "--from",
    join(REPO, "models/spam/1"),
    "--feedback",
    exportFile,
    "--out",
    out,
    "--json",
  ]);
  expect(retrained.code).toBe(0);
  const published = await offline([
    "publish",
    out,
    "--name",
    model,
    "--version",
    "2",
    "--mode",
    "shadow",
    "--share",
    "1",
    "--persist-to",
    worker.persistTo,
  ]);
  expect(published.code).toBe(0);
  await routeShadow(worker, model);
  return {
    exported: JSON.parse(exported.stdout),
    retrained: JSON.parse(retrained.stdout),
    published: published.stdout,
  };
}

/** Fresh 2003 mail through active v1 and shadow v2, true labels back, then one scheduled run's decision on v2. */
async function judge(model: string) {
  const answered = await predict(model, judgedMails, `${model}-judged`, [1, 2]);
  expect((await sendLabels(worker, model, answered)).matched).toBe(judgedMails.length);
  return scheduledDecision(worker, model, 2);
}

let story: Loop;
let flipped: Loop;

beforeAll(async () => {
  worker = await startTestWorker(PORT, [
    { name: STORY, versions: [1], feedbackData: KEEP_FEATURES },
    { name: FLIPPED, versions: [1], feedbackData: KEEP_FEATURES },
  ]);
  const splits = await loadSplits("2003", { seed: 1 });
  // Feedback from the 2003 training split, judged on its test split: no mail is in both.
  feedbackMails = splits.train.filter((mail) => mail.text.length <= 50_000).slice(0, FEEDBACK_MAILS);
  judgedMails = splits.test.filter((mail) => mail.text.length <= 50_000).slice(0, 300);
  story = await retrainLoop(STORY, false);
  flipped = await retrainLoop(FLIPPED, true);
}, 600_000);

afterAll(async () => {
  await worker?.dispose();
});

describe("retraining from the edge's feedback", () => {
  it("exports one row per labelled instance, with both labels", () => {
    expect(story.exported).toMatchObject({ model: STORY, rows: FEEDBACK_MAILS, labels: ["ham", "spam"] });
  });

  it("retrains a v2 that beats v1 on the held-out feedback by more than 3 points", () => {
    const { parent, child } = story.retrained.heldOut;
    expect(child.accuracy - parent.accuracy).toBeGreaterThan(0.03);
  });

  it("publishes v2 with its lineage, which the Worker shows", async () => {
    const detail = (await (await fetch(`${worker.url}/v1/models/${STORY}`)).json()) as {
      versions: Array<{
        version: number;
        lineage?: { parent?: { version: number }; method: string; data: { feedbackRows: number } };
      }>;
    };
    const v2 = detail.versions.find((v) => v.version === 2);
    expect(v2?.lineage).toMatchObject({
      parent: { version: 1 },
      method: "retrain",
      data: { feedbackRows: FEEDBACK_MAILS },
    });
  });

  it("is promoted by the scheduled run once it is more accurate than v1 on fresh 2003 mail", async () => {
    const { decision, state } = await judge(STORY);
    expect({
      action: decision?.action,
      version: decision?.version,
      active: state.active,
    }).toEqual({
      action: "promote",
      version: 2,
      active: 2,
    });
  }, 300_000);

  it("retrained on flipped labels, looks better than v1 on its own flipped held-out feedback", () => {
    const { parent, child } = flipped.retrained.heldOut;
    expect(child.accuracy).toBeGreaterThan(parent.accuracy);
  });

  it("is rejected by the scheduled run when it was retrained on flipped labels", async () => {
    const { decision, state } = await judge(FLIPPED);
    expect({
      action: decision?.action,
      version: decision?.version,
      active: state.active,
    }).toEqual({
      action: "reject",
      version: 2,
      active: 1,
    });
  }, 300_000);
});

describe("vane feedback export", () => {
  it("writes the rows vane retrain reads, the features v1 was fed", async () => {
    const lines = (await readFile(join(worker.persistTo, `${STORY}-export.jsonl`), "utf8"))
      .trim()
      .split("\n");
    const first = JSON.parse(lines[0]);
    expect({
      lines: lines.length,
      version: first.version,
      dims: first.features.dims,
      instance: first.instance,
    }).toEqual({
      lines: FEEDBACK_MAILS,
      version: 1,
      dims: [4096],
      instance: undefined,
    });
  });

  it("refuses a --since that is not a time, without calling the Worker", async () => {
    const run = await cli(["feedback", "export", STORY, "--since", "yesterday"]);
    expect([run.code, run.stderr.trim()]).toEqual([
      2,
      'vane feedback export: --since must be an ISO 8601 time, got "yesterday"',
    ]);
  });

  it("exits 3 for a model the Worker does not have", async () => {
    const run = await cli(["feedback", "export", "no-such-model"]);
    expect(run.code).toBe(3);
  });
});
