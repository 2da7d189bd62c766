/**
 * The fixture model zoo (models/zoo, made by scripts/zoo/make_zoo.py): where each fixture lives, its
 * sample request and onnxruntime's (Python) outputs for it, as tensors either onnxruntime build takes.
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type * as ortWeb from "onnxruntime-web";

export const ZOO_DIR = new URL("../../models/zoo/", import.meta.url).pathname;
export const ZOO_FIXTURES = [
  "mlp",
  "cnn",
  "encoder",
  "constants",
  "multi",
  "sklearn",
  "large",
  "upsampler",
] as const;
export type ZooFixture = (typeof ZOO_FIXTURES)[number];

/** A tensor as sample.json and expected.json write it. */
export interface TensorJson {
  dims: number[];
  dtype: "float32" | "int64" | "int32" | "bool";
  data: number[];
}

export const modelPath = (fixture: ZooFixture): string => join(ZOO_DIR, fixture, "model.onnx");
export const externalDataPath = (fixture: ZooFixture): string => join(ZOO_DIR, fixture, "model.onnx.data");
export const hasExternalData = (fixture: ZooFixture): boolean => existsSync(externalDataPath(fixture));

function readTensors(
  fixture: ZooFixture,
  file: string,
  key: "inputs" | "outputs",
): Record<string, TensorJson> {
  return JSON.parse(readFileSync(join(ZOO_DIR, fixture, file), "utf8"))[key];
}

export const sampleInputs = (fixture: ZooFixture) => readTensors(fixture, "sample.json", "inputs");
export const expectedOutputs = (fixture: ZooFixture) => readTensors(fixture, "expected.json", "outputs");

type Ort = Pick<typeof ortWeb, "Tensor">;

export function toOrtTensor(ort: Ort, tensor: TensorJson): ortWeb.Tensor {
  switch (tensor.dtype) {
    case "float32":
      return new ort.Tensor("float32", Float32Array.from(tensor.data), tensor.dims);
    case "int64":
      return new ort.Tensor("int64", BigInt64Array.from(tensor.data, BigInt), tensor.dims);
    case "int32":
      return new ort.Tensor("int32", Int32Array.from(tensor.data), tensor.dims);
    case "bool":
      return new ort.Tensor("bool", Uint8Array.from(tensor.data), tensor.dims);
  }
}

export function toOrtFeeds(ort: Ort, tensors: Record<string, TensorJson>): Record<string, ortWeb.Tensor> {
  return Object.fromEntries(
    Object.entries(tensors).map(([name, tensor]) => [name, toOrtTensor(ort, tensor)]),
  );
}

/** An onnxruntime output as plain numbers (int64 values in these fixtures are small). */
export function outputNumbers(tensor: ortWeb.Tensor): number[] {
  return Array.from(tensor.data as ArrayLike<number | bigint>, Number);
}
