/**
 * One online update without bindings (src/core/online-update.ts): spam v1, trained on 2002 mail,
 * fine-tuned on 2003 mail as the Worker keeps it (sparse hashed-text feedback rows).
 */
import { readFileSync } from "node:fs";
import { beforeAll, describe, expect, it } from "vitest";
import { encodeFeatures, type FeedbackRow } from "../../src/core/feedback-row.js";
import { Manifest } from "../../src/core/manifest.js";
import { fineTuneOnline, usableRows } from "../../src/core/online-update.js";
import { UpdateSpec } from "../../src/core/update-spec.js";
import { LABELS, loadSplits } from "../../src/toolchain/data.js";
import { openSession } from "../../src/toolchain/runtimes.js";
import { textBatch } from "../text-batch.js";

const manifest = Manifest.parse(JSON.parse(readFileSync("models/spam/1/manifest.json", "utf8")));
const v1 = new Uint8Array(readFileSync("models/spam/1/model.onnx"));
const update = UpdateSpec.parse({ mode: "online", maxRowsPerRun: 500, learningRate: 0.05, epochs: 3 });

let rows: FeedbackRow[] = [];
beforeAll(async () => {
  const { train } = await loadSplits("2003", { seed: 1 });
  rows = train.slice(0, 400).map((mail, i) => ({
    requestId: `user-${i}`,
    index: 0,
    time: "2026-12-01T22:00:00.000Z",
    version: 1,
    label: LABELS[mail.label],
    features: encodeFeatures(
      textBatch(manifest, [mail.text]).feeds.features.data as Float32Array,
      [4096],
      true,
    ),
  }));
});

describe("an online update of spam v1 on 2003 mail", () => {
  it("fits the held-out rows better than v1, judged with its re-quantized weights", () => {
    const outcome = fineTuneOnline(v1, manifest, rows, update);
    expect(outcome.kind).toBe("updated");
    expect(outcome.trainRows + outcome.heldOutRows).toBe(400);
    expect(outcome.metrics.heldOutLogLoss).toBeLessThan(outcome.metrics.parentHeldOutLogLoss);
    expect(outcome.metrics.heldOutAccuracy).toBeGreaterThanOrEqual(outcome.metrics.parentHeldOutAccuracy);
    expect(outcome.metrics.bestEpoch).toBeGreaterThan(0);
  });

  it("holds out the same rows whatever order they come in", () => {
    const forward = fineTuneOnline(v1, manifest, rows, update);
    const reversed = fineTuneOnline(v1, manifest, [...rows].reverse(), update);
    expect(reversed.heldOutRows).toBe(forward.heldOutRows);
  });

  it("writes bytes whose outputs under onnxruntime-web are the check's", async () => {
    const outcome = fineTuneOnline(v1, manifest, rows, update);
    if (outcome.kind !== "updated") throw new Error(outcome.reason);
    const session = await openSession("web", outcome.bytes);
    const { check } = outcome;
    const outputs = await session.run({
      features: { dtype: "float32", dims: [check.rows, 4096], data: check.features },
    });
    await session.release();
    const computed = Array.from(outputs.probabilities.data as Float32Array);
    expect(computed.length).toBe(check.rows * 2);
    expect(Math.max(...computed.map((v, i) => Math.abs(v - check.outputs[i])))).toBeLessThan(1e-5);
  });

  it("trains only on rows with features of the input's width and a label the model has", () => {
    const [row] = rows;
    const usable = usableRows(manifest, [
      row,
      { ...row, requestId: "no-features", features: undefined },
      { ...row, requestId: "other-label", label: "phishing" },
      { ...row, requestId: "other-width", features: { dims: [1024], indices: [3], values: [1] } },
    ]);
    expect(usable.map((r) => r.requestId)).toEqual([row.requestId]);
  });
});
