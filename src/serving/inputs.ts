/**
 * Turns a validated predict body into ORT feeds for one manifest, checking everything the model
 * would otherwise choke on (names, dims, element counts, dtypes, non-finite floats, limits), and
 * naming the offending field when it refuses.
 */

import { ApiError } from "../api/problem.js";
import type { Limits } from "../config.js";
import type { Manifest, TensorDType, TensorSpec } from "../core/manifest.js";
import { textFeatures } from "../core/text-features.js";
import { onnxRuntime } from "./ort-runtime.js";
import type { Feeds } from "./session-cache.js";

export interface TensorInput {
  dims: number[];
  data: Array<number | boolean>;
  dtype?: TensorDType;
}

export interface TextInstance {
  text: string;
}

export interface PreparedBatch {
  feeds: Feeds;
  size: number;
  /** Token hashes and feature rows per text instance (drift features need them); absent for tensor input. */
  tokenHashes?: Uint32Array[];
  rows?: Float32Array[];
}

export function prepareTexts(manifest: Manifest, instances: TextInstance[], limits: Limits): PreparedBatch {
  const spec = manifest.preprocessing;
  if (!spec) {
    throw ApiError.badRequest(
      "instances",
      `model ${manifest.name}@${manifest.version} takes raw tensors: send "inputs" instead`,
    );
  }
  checkBatchSize("instances", instances.length, limits);
  instances.forEach((instance, i) => {
    if (instance.text.length > limits.maxTextChars) {
      throw ApiError.badRequest(
        `instances[${i}].text`,
        `text has ${instance.text.length} characters, the limit is ${limits.maxTextChars}`,
      );
    }
  });
  const matrix = new Float32Array(instances.length * spec.buckets);
  const tokenHashes: Uint32Array[] = [];
  const rows: Float32Array[] = [];
  instances.forEach((instance, row) => {
    const features = textFeatures(spec, instance.text);
    matrix.set(features.vector, row * spec.buckets);
    tokenHashes.push(features.tokenHashes);
    rows.push(features.vector);
  });
  const ort = onnxRuntime();
  return {
    feeds: { [spec.input]: new ort.Tensor("float32", matrix, [instances.length, spec.buckets]) },
    size: instances.length,
    tokenHashes,
    rows,
  };
}

export function prepareTensors(
  manifest: Manifest,
  inputs: Record<string, TensorInput>,
  limits: Limits,
): PreparedBatch {
  for (const name of Object.keys(inputs)) {
    if (!manifest.inputs.some((spec) => spec.name === name)) {
      const expected = manifest.inputs.map((spec) => spec.name).join(", ");
      throw ApiError.badRequest(
        `inputs.${name}`,
        `the model has no input named ${name} (it takes ${expected})`,
      );
    }
  }
  const feeds: Feeds = {};
  let size = 0;
  for (const spec of manifest.inputs) {
    const input = inputs[spec.name];
    if (!input) throw ApiError.badRequest(`inputs.${spec.name}`, "required input is missing");
    feeds[spec.name] = toTensor(spec, input, limits);
    size = Math.max(size, input.dims[0] ?? 1);
  }
  return { feeds, size };
}

function checkBatchSize(field: string, size: number, limits: Limits): void {
  if (size === 0) throw ApiError.badRequest(field, "the batch is empty");
  if (size > limits.maxBatch) {
    throw ApiError.badRequest(field, `the batch has ${size} instances, the limit is ${limits.maxBatch}`);
  }
}

function toTensor(spec: TensorSpec, input: TensorInput, limits: Limits) {
  const field = `inputs.${spec.name}`;
  if (input.dtype !== undefined && input.dtype !== spec.dtype) {
    throw ApiError.badRequest(`${field}.dtype`, `the model takes ${spec.dtype}, not ${input.dtype}`);
  }
  if (input.dims.length !== spec.shape.length) {
    throw ApiError.badRequest(
      `${field}.dims`,
      `expected ${spec.shape.length} dimensions [${spec.shape.join(", ")}], got [${input.dims.join(", ")}]`,
    );
  }
  input.dims.forEach((dim, axis) => {
    const expected = spec.shape[axis];
    if (typeof expected === "number" && dim !== expected) {
      throw ApiError.badRequest(
        `${field}.dims[${axis}]`,
        `expected ${expected} (shape [${spec.shape.join(", ")}]), got ${dim}`,
      );
    }
  });
  if (typeof spec.shape[0] === "string") checkBatchSize(`${field}.dims[0]`, input.dims[0], limits);
  const count = input.dims.reduce((a, b) => a * b, 1);
  if (count !== input.data.length) {
    throw ApiError.badRequest(
      `${field}.data`,
      `dims [${input.dims.join(", ")}] need ${count} elements, got ${input.data.length}`,
    );
  }
  const ort = onnxRuntime();
  return new ort.Tensor(spec.dtype, encode(spec.dtype, input.data, `${field}.data`), input.dims);
}

const INTEGER_RANGES: Partial<Record<TensorDType, [number, number]>> = {
  int8: [-128, 127],
  uint8: [0, 255],
  int32: [-2147483648, 2147483647],
  int64: [Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER],
};

function encode(dtype: TensorDType, data: Array<number | boolean>, field: string) {
  const numbers = data.map((value, i) => {
    if (dtype === "bool") {
      if (typeof value === "boolean") return value ? 1 : 0;
      if (value === 0 || value === 1) return value;
      throw ApiError.badRequest(`${field}[${i}]`, "bool tensors take true, false, 0 or 1");
    }
    if (typeof value !== "number")
      throw ApiError.badRequest(`${field}[${i}]`, `${dtype} tensors take numbers`);
    if (!Number.isFinite(value))
      throw ApiError.badRequest(`${field}[${i}]`, "NaN and infinity are not accepted");
    const range = INTEGER_RANGES[dtype];
    if (range && (!Number.isInteger(value) || value < range[0] || value > range[1])) {
      throw ApiError.badRequest(`${field}[${i}]`, `${value} is not a valid ${dtype}`);
    }
    return value;
  });
  switch (dtype) {
    case "float32":
      return Float32Array.from(numbers);
    case "int64":
      return BigInt64Array.from(numbers, (n) => BigInt(n));
    case "int32":
      return Int32Array.from(numbers);
    case "int8":
      return Int8Array.from(numbers);
    case "uint8":
    case "bool":
      return Uint8Array.from(numbers);
  }
}
