import * as ort from "onnxruntime-node";
import { beforeAll, describe, expect, it } from "vitest";
import { UnprocessableError } from "../../src/core/errors.js";
import { type DatasetSplits, summarizeSplits } from "../../src/toolchain/data.js";
import { exportOnnx, modelFromOnnx } from "../../src/toolchain/export.js";
import { applyMask, fineTunePruned, magnitudeMask } from "../../src/toolchain/train/finetune.js";
import { loadRecordSplits, type TrainRun, trainCollection } from "../../src/toolchain/train/pipeline.js";
import { TrainingRecord } from "../../src/toolchain/train/record.js";

let run: TrainRun;
let splits: DatasetSplits;

beforeAll(async () => {
  run = await trainCollection({
    collection: "2002",
    limit: 300,
    training: { arch: "mlp", hidden: 8, epochs: 8, seed: 4 },
  });
  splits = await loadRecordSplits(run.record);
});

const zerosPerLayer = (bytes: Uint8Array) =>
  modelFromOnnx(bytes).layers.map((layer) => layer.weight.filter((value) => value === 0).length);

describe("fineTunePruned", () => {
  it("writes ONNX whose weight matrices have the requested sparsity", () => {
    const result = fineTunePruned(run.onnx, run.record, splits, 0.8, { epochs: 2 });
    // round(0.8 * 4096 * 8) and round(0.8 * 8 * 2)
    expect(zerosPerLayer(result.onnx)).toEqual([26214, 13]);
  });

  it("keeps the zeros of a model pruned elsewhere when no sparsity is given", () => {
    const pruned = exportOnnx(applyMask(run.model, magnitudeMask(run.model, 0.6, "global")));
    const result = fineTunePruned(pruned, run.record, splits, null, { epochs: 2 });
    expect(zerosPerLayer(result.onnx)).toEqual(zerosPerLayer(pruned));
  });

  it("writes a model onnxruntime runs", async () => {
    const result = fineTunePruned(run.onnx, run.record, splits, 0.5, { epochs: 1 });
    const session = await ort.InferenceSession.create(result.onnx);
    const output = await session.run({
      features: new ort.Tensor("float32", new Float32Array(2 * 4096), [2, 4096]),
    });
    expect(output.probabilities.dims).toEqual([2, 2]);
  });

  it("records the fine-tuning run in a valid training record", () => {
    const result = fineTunePruned(run.onnx, run.record, splits, 0.5, { epochs: 2, patience: 2 });
    const record = TrainingRecord.parse(JSON.parse(JSON.stringify(result.record)));
    expect({
      sparsity: record.fineTuning?.sparsity,
      epochs: record.fineTuning?.hyperparameters.epochs,
      learningRate: record.fineTuning?.hyperparameters.learningRate,
      testCount: record.metrics.test.count,
    }).toEqual({ sparsity: 0.5, epochs: 2, learningRate: 0.003, testCount: splits.test.length });
  });

  it("rejects a model whose width differs from the record's spec", () => {
    const record = { ...run.record, spec: { ...run.record.spec, buckets: 1024 } };
    expect(() => fineTunePruned(run.onnx, record, splits, 0.5)).toThrow(/4096 features/);
  });
});

describe("loadRecordSplits", () => {
  it("rebuilds the split a record was trained on", () => {
    expect(summarizeSplits(splits).digests).toEqual(run.record.data.digests);
  });

  it("refuses a split that differs from the recorded one", async () => {
    const record = { ...run.record, data: { ...run.record.data, seed: run.record.data.seed + 1 } };
    await expect(loadRecordSplits(record)).rejects.toThrow(UnprocessableError);
  });
});
