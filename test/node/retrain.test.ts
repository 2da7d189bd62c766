/**
 * `vane retrain` on real data: the shipped spam v1 (trained on 2002 mail) fine-tuned on 400 labelled
 * 2003 mails as the Worker exports them, with a replay share of its 2002 training split.
 */
import { cp, readdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { textFeatures } from "../../src/core/kinds/hashed-text/features.js";
import { type Email, LABELS, loadSplits } from "../../src/toolchain/data.js";
import { classificationMetrics } from "../../src/toolchain/metrics.js";
import { nodeClassifier } from "../../src/toolchain/onnx-runner.js";
import { DEFAULT_SPEC, TrainingRecord } from "../../src/toolchain/train/record.js";
import { exportLine as feedbackLine, RetrainScratch, readManifest } from "./feedback-export.js";
import type { CliRun } from "./run-cli.js";

const PARENT = "models/spam/1";
const FEEDBACK_ROWS = 400;

let scratch: RetrainScratch;
let feedback2003: Email[];
let test2003: Email[];

/** One export line per mail, as the Worker writes it for a model that keeps features (or instances). */
function exportLine(
  mail: Email,
  i: number,
  keep: "features" | "instance",
  label: string = LABELS[mail.label],
) {
  if (keep === "instance") return feedbackLine(`user-17-${i}`, i, label, { instance: { text: mail.text } });
  const vector = textFeatures(DEFAULT_SPEC, mail.text).vector;
  const indices: number[] = [];
  const values: number[] = [];
  vector.forEach((value, j) => {
    if (value === 0) return;
    indices.push(j);
    values.push(value);
  });
  return feedbackLine(`user-17-${i}`, i, label, {
    features: { dims: [DEFAULT_SPEC.buckets], indices, values },
  });
}

function retrain(feedback: string, out: string): Promise<CliRun> {
  return scratch.retrain(["--from", PARENT], feedback, out);
}

async function accuracyOn(dir: string, mails: readonly Email[]): Promise<number> {
  const classifier = await nodeClassifier(await readFile(join(dir, "model.onnx")), DEFAULT_SPEC);
  const probabilities = await classifier.predict(mails.map((mail) => mail.text));
  await classifier.release();
  const labels = mails.map((mail) => mail.label);
  return classificationMetrics(
    labels,
    labels.map((_, i) => probabilities[i * 2 + 1]),
  ).accuracy;
}

let features: CliRun;
let featuresOut: string;

beforeAll(async () => {
  scratch = await RetrainScratch.create("vane-retrain-");
  // Feedback comes from the 2003 training split; the 2003 test split stays unseen by every model here.
  const splits = await loadSplits("2003", { seed: 1 });
  feedback2003 = splits.train.slice(0, FEEDBACK_ROWS);
  test2003 = splits.test;
  const path = await scratch.writeExport(
    "features.jsonl",
    feedback2003.map((mail, i) => exportLine(mail, i, "features")),
  );
  featuresOut = scratch.path("features");
  features = await retrain(path, "features");
});

afterAll(async () => {
  await scratch.remove();
});

describe("vane retrain of spam v1 on 2003 feedback", () => {
  it("exits 0 and writes a version directory vane publish takes", async () => {
    expect([features.code, features.stderr.includes("vane retrain:")]).toEqual([0, false]);
    expect((await readdir(featuresOut)).sort()).toEqual([
      "drift.json",
      "manifest.json",
      "model.onnx",
      "profile.json",
      "training.json",
    ]);
  });

  it("splits the feedback 64/16/20 per label and replays 30% of the tuning rows from the 2002 split", () => {
    const result = JSON.parse(features.stdout);
    expect({ feedback: result.feedback.sizes, replay: result.replay }).toEqual({
      feedback: { train: 256, validation: 64, test: 80 },
      replay: { share: 0.3, train: 110, validation: 27 },
    });
  });

  it("beats v1 on the held-out feedback by more than 3 points", () => {
    const { heldOut } = JSON.parse(features.stdout);
    expect(heldOut.child.accuracy - heldOut.parent.accuracy).toBeGreaterThan(0.03);
  });

  it("beats v1 on the whole 2003 test split, which no feedback came from", async () => {
    const parent = await accuracyOn(PARENT, test2003);
    const child = await accuracyOn(featuresOut, test2003);
    expect(child - parent).toBeGreaterThan(0.03);
  });

  it("keeps v1's accuracy on its own 2002 test split within one point (replay)", () => {
    const { parentTest } = JSON.parse(features.stdout);
    expect(Math.abs(parentTest.child.accuracy - parentTest.parent.accuracy)).toBeLessThan(0.01);
  });

  it("names v1 as the parent in the training record", async () => {
    const record = TrainingRecord.parse(
      JSON.parse(await readFile(join(featuresOut, "training.json"), "utf8")),
    );
    expect(record.retraining?.parent).toEqual({
      name: "spam",
      version: 1,
      sha256: (await readManifest(PARENT)).model.sha256,
    });
  });

  it("writes the lineage into the manifest: parent, feedback window, row counts, held-out accuracies", async () => {
    const manifest = await readManifest(featuresOut);
    const { heldOut } = JSON.parse(features.stdout);
    expect({ ...manifest.lineage, createdAt: undefined }).toEqual({
      parent: { version: 1 },
      method: "retrain",
      createdAt: undefined,
      data: {
        from: "2026-12-01T09:00:00.000Z",
        to: "2026-12-01T09:06:39.000Z",
        feedbackRows: 400,
        replayRows: 137,
        heldOutRows: 80,
      },
      metrics: expect.objectContaining({
        heldOutAccuracy: heldOut.child.accuracy,
        parentHeldOutAccuracy: heldOut.parent.accuracy,
      }),
    });
  });

  it("writes the next version, int8 like its parent", async () => {
    const manifest = await readManifest(featuresOut);
    expect({
      name: manifest.name,
      version: manifest.version,
      quantization: (manifest.training.compression as { quantization: unknown }).quantization,
    }).toEqual({
      name: "spam",
      version: 2,
      quantization: { style: "weight-only", granularity: "per-channel", symmetric: true },
    });
  });
});

describe("vane retrain on other exports", () => {
  it("trains the same weights from the texts of a model that keeps instances", async () => {
    const path = await scratch.writeExport(
      "instances.jsonl",
      feedback2003.map((mail, i) => exportLine(mail, i, "instance")),
    );
    const run = await retrain(path, "instances");
    expect(run.code).toBe(0);
    expect(
      Buffer.compare(
        await readFile(join(scratch.path("instances"), "model.onnx")),
        await readFile(join(featuresOut, "model.onnx")),
      ),
    ).toBe(0);
  });

  it("keeps asking for the feedback data its parent asked for", async () => {
    const parent = scratch.path("parent-keeping");
    await cp(PARENT, parent, { recursive: true });
    const manifest = JSON.parse(await readFile(join(parent, "manifest.json"), "utf8"));
    const feedbackData = { keep: "features", retentionDays: 30, maxRows: 10000 };
    await writeFile(join(parent, "manifest.json"), JSON.stringify({ ...manifest, feedbackData }));
    const lines = feedback2003.slice(0, 60).map((mail, i) => exportLine(mail, i, "features"));
    const run = await scratch.retrain(
      ["--from", parent],
      await scratch.writeExport("keeping.jsonl", lines),
      "keeping",
    );
    expect(run.code).toBe(0);
    expect((await readManifest(scratch.path("keeping"))).feedbackData).toEqual(feedbackData);
  });

  it("makes a model worse than v1 on the 2003 test split from flipped labels", async () => {
    const flipped = feedback2003.map((mail, i) => exportLine(mail, i, "features", LABELS[1 - mail.label]));
    const run = await retrain(await scratch.writeExport("flipped.jsonl", flipped), "flipped");
    expect(run.code).toBe(0);
    const parent = await accuracyOn(PARENT, test2003);
    expect(await accuracyOn(scratch.path("flipped"), test2003)).toBeLessThan(parent - 0.1);
  });

  it("refuses a label the parent does not have, naming the line", async () => {
    const lines = feedback2003.slice(0, 20).map((mail, i) => exportLine(mail, i, "features"));
    lines[6] = exportLine(feedback2003[6], 6, "features", "phishing");
    const run = await retrain(await scratch.writeExport("unknown-label.jsonl", lines), "unknown-label");
    expect([run.code, run.stderr.trim().split("\n").at(-1)]).toEqual([
      3,
      `vane retrain: ${scratch.path("unknown-label.jsonl")}:7.label: "phishing" is not one of ham, spam`,
    ]);
  });

  it("refuses rows that carry neither features nor the instance", async () => {
    const lines = [feedbackLine("user-17", 0, "spam", {})];
    const run = await retrain(await scratch.writeExport("bare.jsonl", lines), "bare");
    expect([
      run.code,
      run.stderr.includes(`bare.jsonl:1: carries neither features nor a text instance`),
    ]).toEqual([3, true]);
  });

  it("refuses a malformed line, naming its number", async () => {
    const lines = [exportLine(feedback2003[0], 0, "features"), '{"requestId": "user-17"'];
    const run = await retrain(await scratch.writeExport("broken.jsonl", lines), "broken");
    expect([run.code, run.stderr.includes("broken.jsonl:2: not JSON")]).toEqual([3, true]);
  });
});
