/**
 * Runs in Node (from global-setup.ts): real rows of vega-datasets' weather.csv read by the dataset
 * module, their matrix as the trainer gets it (datasetMatrix), and a model whose output is its input
 * (an Identity graph), published under the tabular spec fitted on the train split: what the Worker
 * answers is the matrix the Worker's featurizer made, to compare with the trainer's.
 */
import { createHash } from "node:crypto";
import type { TabularSpec } from "../../src/core/kinds/tabular/schema.js";
import { Manifest } from "../../src/core/manifest.js";
import { datasetMatrix, loadDataset } from "../../src/toolchain/dataset/index.js";
import { DataType, encodeModel, makeModel, makeNode, valueInfo } from "../../src/toolchain/onnx/model.js";

export const WEATHER_CSV = "node_modules/vega-datasets/data/weather.csv";
const ROWS = 8;

export interface TabularFixture {
  manifest: Manifest;
  files: Record<string, string>;
  /** Rows of the Seattle test split as instances (one with its temp_max missing), and the trainer's matrix of them. */
  instances: Array<Record<string, number | string | null>>;
  matrix: number[];
  width: number;
}

function identityModel(input: string, width: number): Uint8Array {
  return encodeModel(
    makeModel({
      name: "tabular-identity",
      node: [makeNode("Identity", [input], ["fed"])],
      input: [valueInfo(input, DataType.FLOAT, ["batch", width])],
      output: [valueInfo("fed", DataType.FLOAT, ["batch", width])],
    }),
  );
}

export async function tabularFixture(): Promise<TabularFixture> {
  const dataset = await loadDataset(WEATHER_CSV, {
    label: "weather",
    exclude: ["date"],
    split: { by: "time", column: "date", validationFrom: "2014-07-01", testFrom: "2015-01-01" },
  });
  const test = dataset.splits.test.slice(0, ROWS);
  test[3] = { ...test[3], features: { ...test[3].features, temp_max: null } };
  const spec = dataset.spec as TabularSpec;
  const { matrix, width } = datasetMatrix({ ...dataset, splits: { ...dataset.splits, test } }, "test");
  const model = identityModel(spec.input, width);
  const manifest = Manifest.parse({
    name: "weather-features",
    version: 1,
    createdAt: new Date().toISOString(),
    model: {
      file: "model.onnx",
      sha256: createHash("sha256").update(model).digest("hex"),
      bytes: model.length,
    },
    inputs: [{ name: spec.input, dtype: "float32", shape: ["batch", width] }],
    outputs: [{ name: "fed", dtype: "float32", shape: ["batch", width] }],
    input: spec,
    task: { kind: "raw" },
  });
  return {
    manifest,
    files: { "model.onnx": Buffer.from(model).toString("base64") },
    instances: test.map((row) => row.features),
    matrix: Array.from(matrix),
    width,
  };
}
