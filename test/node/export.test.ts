import type onnxProto from "onnx-proto";
import * as ort from "onnxruntime-node";
import { beforeAll, describe, expect, it } from "vitest";
import { textFeatureMatrix } from "../../src/core/kinds/hashed-text/features.js";
import type { Model } from "../../src/core/learn/network.js";
import { initialNetwork } from "../../src/core/learn/network.js";
import { predictOutputs, predictProbabilities } from "../../src/core/learn/predict.js";
import { denseRows } from "../../src/core/learn/rows.js";
import { loadSplits } from "../../src/toolchain/data.js";
import { exportOnnx, modelFromOnnx, readExportedModel } from "../../src/toolchain/export.js";
import {
  DataType,
  decodeModel,
  encodeModel,
  float32Tensor,
  makeModel,
  makeNode,
  OnnxFormatError,
  valueInfo,
} from "../../src/toolchain/onnx/model.js";
import { predictProba } from "../../src/toolchain/train/model.js";
import { featurizeSplits } from "../../src/toolchain/train/pipeline.js";
import { DEFAULT_SPEC } from "../../src/toolchain/train/record.js";
import { trainModel } from "../../src/toolchain/train/trainer.js";

type IValueInfoProto = onnxProto.onnx.IValueInfoProto;

let texts: string[];
let logistic: Model;
let mlp: Model;

beforeAll(async () => {
  const splits = await loadSplits("2002", { seed: 11, limit: 300 });
  const data = featurizeSplits(DEFAULT_SPEC, splits);
  logistic = trainModel(data, { arch: "logistic", epochs: 10, seed: 2 }).model;
  mlp = trainModel(data, { arch: "mlp", hidden: 16, epochs: 10, seed: 2 }).model;
  texts = splits.test.map((email) => email.text);
});

async function runOnnx(bytes: Uint8Array, features: Float32Array, rows: number): Promise<Float32Array> {
  const session = await ort.InferenceSession.create(bytes);
  const input = new ort.Tensor("float32", features, [rows, DEFAULT_SPEC.buckets]);
  return (await session.run({ features: input })).probabilities.data as Float32Array;
}

function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  expect(a.length).toBe(b.length);
  return a.reduce((max, value, i) => Math.max(max, Math.abs(value - b[i])), 0);
}

describe("exportOnnx under onnxruntime-node", () => {
  it("computes the TypeScript forward pass of logistic regression on real emails", async () => {
    const features = textFeatureMatrix(DEFAULT_SPEC, texts);
    const onnx = await runOnnx(exportOnnx(logistic), features, texts.length);
    expect(maxAbsDiff(onnx, predictProba(logistic, features))).toBeLessThan(1e-5);
  });

  it("computes the TypeScript forward pass of the MLP on real emails", async () => {
    const features = textFeatureMatrix(DEFAULT_SPEC, texts);
    const onnx = await runOnnx(exportOnnx(mlp), features, texts.length);
    expect(maxAbsDiff(onnx, predictProba(mlp, features))).toBeLessThan(1e-5);
  });

  it("accepts any batch size, including one email", async () => {
    const features = textFeatureMatrix(DEFAULT_SPEC, texts.slice(0, 1));
    const onnx = await runOnnx(exportOnnx(mlp), features, 1);
    expect(maxAbsDiff(onnx, predictProba(mlp, features))).toBeLessThan(1e-5);
  });
});

describe("exported graph", () => {
  it("takes float32 features [batch, buckets] and gives probabilities [batch, 2]", () => {
    const graph = decodeModel(exportOnnx(logistic)).graph;
    const summary = (info: IValueInfoProto) => [
      info.name,
      info.type?.tensorType?.elemType,
      info.type?.tensorType?.shape?.dim?.map((dim) => dim.dimParam || Number(dim.dimValue)),
    ];
    expect({ input: graph?.input?.map(summary), output: graph?.output?.map(summary) }).toEqual({
      input: [["features", DataType.FLOAT, ["batch", 4096]]],
      output: [["probabilities", DataType.FLOAT, ["batch", 2]]],
    });
  });

  it("uses opset 17", () => {
    expect(decodeModel(exportOnnx(logistic)).opsetImport?.map((opset) => Number(opset.version))).toEqual([
      17,
    ]);
  });

  it("is Gemm -> Softmax for logistic regression", () => {
    expect(decodeModel(exportOnnx(logistic)).graph?.node?.map((node) => node.opType)).toEqual([
      "Gemm",
      "Softmax",
    ]);
  });

  it("is Gemm -> Relu -> Gemm -> Softmax for the MLP", () => {
    expect(decodeModel(exportOnnx(mlp)).graph?.node?.map((node) => node.opType)).toEqual([
      "Gemm",
      "Relu",
      "Gemm",
      "Softmax",
    ]);
  });

  it("takes its input name from the feature spec", async () => {
    const session = await ort.InferenceSession.create(exportOnnx(logistic, "emails"));
    expect([session.inputNames, session.outputNames]).toEqual([["emails"], ["probabilities"]]);
  });
});

describe("modelFromOnnx", () => {
  it("reads back exactly the exported weights", () => {
    expect(modelFromOnnx(exportOnnx(mlp))).toEqual(mlp);
  });

  it("rejects a graph the exporter did not write", () => {
    const foreign = encodeModel(
      makeModel({
        name: "matmul",
        node: [makeNode("MatMul", ["x", "w"], ["y"])],
        initializer: [float32Tensor("w", [2, 2], [1, 0, 0, 1])],
        input: [valueInfo("x", DataType.FLOAT, ["batch", 2])],
        output: [valueInfo("y", DataType.FLOAT, ["batch", 2])],
      }),
    );
    expect(() => modelFromOnnx(foreign)).toThrow(OnnxFormatError);
  });
});

describe("exportOnnx beyond two classes", () => {
  // Seeded random weights: what matters is that the graph computes what the learner does.
  const mlp5 = initialNetwork({ arch: "mlp", hidden: 6, seed: 4 }, 3, 5).toModel();
  const features = denseRows(Float32Array.from([0.5, -1, 2, 0, 1.5, 0, -0.25, 3, 1]), 3);

  async function run(bytes: Uint8Array, output: string): Promise<Float32Array> {
    const session = await ort.InferenceSession.create(bytes);
    const input = new ort.Tensor("float32", features.values, [features.rows, features.cols]);
    return (await session.run({ rows: input }))[output].data as Float32Array;
  }

  it("gives the probabilities of five classes the learner computes", async () => {
    const onnx = await run(exportOnnx(mlp5, "rows"), "probabilities");
    expect(maxAbsDiff(onnx, predictProbabilities(mlp5, features))).toBeLessThan(1e-6);
  });

  it("gives a regressor's values from a value output with no softmax", async () => {
    const regressor = initialNetwork({ arch: "mlp", hidden: 6, seed: 4 }, 3, 1).toModel();
    const bytes = exportOnnx(regressor, "rows", "linear");
    expect(decodeModel(bytes).graph?.node?.map((node) => node.opType)).toEqual(["Gemm", "Relu", "Gemm"]);
    expect(maxAbsDiff(await run(bytes, "value"), predictOutputs(regressor, features))).toBeLessThan(1e-5);
  });

  it("reads back the model and its head", () => {
    const regressor = initialNetwork({ arch: "mlp", hidden: 6, seed: 4 }, 3, 1).toModel();
    expect(readExportedModel(exportOnnx(mlp5))).toEqual({ model: mlp5, head: "softmax" });
    expect(readExportedModel(exportOnnx(regressor, "rows", "linear"))).toEqual({
      model: regressor,
      head: "linear",
    });
  });

  it("refuses a five-class model where a two-class one is expected", () => {
    expect(() => modelFromOnnx(exportOnnx(mlp5))).toThrow("expected 2 output classes, found 5");
  });
});
