/**
 * `vane retrain` of a model trained on a dataset file (src/toolchain/retrain/dataset-retrain.ts): the
 * Seattle weather classifier (tabular, as `vane train --data` writes it, float or int8) retrained on
 * New York's 2015 days kept as feedback instances.
 */
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { InvalidInputError } from "../../src/core/errors.js";
import type { FeedbackRow } from "../../src/core/feedback-row.js";
import { Manifest } from "../../src/core/manifest.js";
import { sha256Hex } from "../../src/toolchain/manifest.js";
import { decodeModel } from "../../src/toolchain/onnx/model.js";
import { quantizeModel } from "../../src/toolchain/quantize.js";
import { retrainDatasetModel } from "../../src/toolchain/retrain/dataset-retrain.js";
import { DEFAULT_QUANTIZATION } from "../../src/toolchain/retrain/retrain.js";
import { TRAINING_RUN_FILE } from "../../src/toolchain/train/dataset-run.js";
import { newYorkDays, seattleWeatherRun, WEATHER_CSV } from "../weather-days.js";

let root: string;
let floatDir: string;
let int8Dir: string;
let feedback: FeedbackRow[];

const ops = (onnx: Uint8Array) => (decodeModel(onnx).graph?.node ?? []).map((node) => node.opType);

async function writeVersion(dir: string, manifest: Manifest, onnx: Uint8Array, record: unknown) {
  await writeFile(join(dir, "model.onnx"), onnx);
  await writeFile(join(dir, "manifest.json"), JSON.stringify(manifest));
  await writeFile(join(dir, TRAINING_RUN_FILE), JSON.stringify(record));
}

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), "vane-retrain-dataset-"));
  const run = await seattleWeatherRun();
  floatDir = await mkdtemp(join(root, "float-"));
  await writeVersion(floatDir, run.manifest, run.onnx, run.record);
  const served = quantizeModel(run.onnx, DEFAULT_QUANTIZATION).bytes;
  int8Dir = await mkdtemp(join(root, "int8-"));
  const int8Manifest = Manifest.parse({
    ...run.manifest,
    model: { ...run.manifest.model, sha256: sha256Hex(served), bytes: served.byteLength },
    training: { ...run.manifest.training, compression: { quantization: DEFAULT_QUANTIZATION } },
  });
  await writeVersion(int8Dir, int8Manifest, served, run.record);
  feedback = (await newYorkDays("2015")).map((day, i) => ({
    requestId: `user-17:${day.date}`,
    index: 0,
    time: new Date(Date.UTC(2026, 11, 1, 0, i)).toISOString(),
    version: 1,
    label: day.label,
    instance: day.instance,
  }));
});

afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

describe("vane retrain of a tabular model", () => {
  it("warm-starts from an int8 parent's own weights: untrained, the child answers as the parent", async () => {
    const result = await retrainDatasetModel({
      from: int8Dir,
      feedback,
      feedbackSource: "feedback.jsonl",
      training: { epochs: 1, learningRate: 1e-12 },
    });
    const { heldOut, parentTest } = result.record.retraining;
    expect({ heldOut: heldOut.child, parentTest: parentTest.child }).toEqual({
      heldOut: heldOut.parent,
      parentTest: parentTest.parent,
    });
  });

  it("stores the child of an int8 parent int8, in the parent's scheme", async () => {
    const result = await retrainDatasetModel({ from: int8Dir, feedback, feedbackSource: "feedback.jsonl" });
    expect(result.quantization).toEqual(DEFAULT_QUANTIZATION);
    expect(ops(result.served)).toContain("DequantizeLinear");
  });

  it("stores the child of a float parent float", async () => {
    const result = await retrainDatasetModel({ from: floatDir, feedback, feedbackSource: "feedback.jsonl" });
    expect([result.quantization, ops(result.served)]).toEqual([null, ["Gemm", "Softmax"]]);
  });

  it("replays a share of the parent's Seattle training split, rebuilt from its file", async () => {
    const result = await retrainDatasetModel({
      from: floatDir,
      feedback,
      feedbackSource: "feedback.jsonl",
      replayShare: 0.3,
    });
    const { feedback: rows, replay } = result.record.retraining;
    expect(replay.train).toBe(Math.round((0.3 / 0.7) * rows.sizes.train));
    expect(result.reference.instances).toHaveLength(rows.sizes.train + replay.train);
  });

  it("refuses to replay from a file that is not the one the parent was trained on", async () => {
    const dir = await mkdtemp(join(root, "moved-"));
    const record = JSON.parse(await readFile(join(floatDir, TRAINING_RUN_FILE), "utf8"));
    const manifest = Manifest.parse(JSON.parse(await readFile(join(floatDir, "manifest.json"), "utf8")));
    await writeVersion(dir, manifest, await readFile(join(floatDir, "model.onnx")), {
      ...record,
      data: { ...record.data, sha256: "0".repeat(64) },
    });
    await expect(
      retrainDatasetModel({ from: dir, feedback, feedbackSource: "feedback.jsonl" }),
    ).rejects.toThrow(`${WEATHER_CSV} is not the file the parent was trained on (its sha256 differs)`);
  });

  it("refuses a kind of weather the parent does not know, naming the line", async () => {
    const rows = [{ ...feedback[0], label: "hail" }, ...feedback.slice(1)];
    const refused = await retrainDatasetModel({
      from: floatDir,
      feedback: rows,
      feedbackSource: "feedback.jsonl",
    }).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(InvalidInputError);
    expect((refused as InvalidInputError).errors).toEqual([
      { field: "feedback.jsonl:1.label", message: '"hail" is not one of drizzle, fog, rain, snow, sun' },
    ]);
  });
});
