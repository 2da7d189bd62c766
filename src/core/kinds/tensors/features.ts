/**
 * Request tensors -> feeds, checking everything the model would otherwise choke on (names, dims,
 * element counts, dtypes, values outside the dtype, limits, sizes that disagree on an axis two
 * inputs share, and the bounds the graph sets: ids past an embedding table, a sequence past a
 * position table) and naming the offending field.
 */

import { InvalidInputError } from "../../errors.js";
import {
  ELEMENT_BYTES,
  elementCount,
  fromBytes,
  type HostTensor,
  type TensorData,
  type TensorDType,
  type TensorSpec,
} from "../../tensor.js";
import { checkBatch, type FeatureBatch, type InputLimits } from "../kind.js";
import type { TensorInput } from "./schema.js";

const INTEGER_RANGES: Partial<Record<TensorDType, [number, number]>> = {
  int8: [-128, 127],
  uint8: [0, 255],
  int32: [-2147483648, 2147483647],
  int64: [Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER],
};

const FLOAT32_MAX = 3.4028234663852886e38;

export function tensorBatch(
  specs: readonly TensorSpec[],
  inputs: Readonly<Record<string, TensorInput>>,
  limits: InputLimits,
): FeatureBatch {
  for (const name of Object.keys(inputs)) {
    if (!specs.some((spec) => spec.name === name)) {
      const expected = specs.map((spec) => spec.name).join(", ");
      throw InvalidInputError.field(
        `inputs.${name}`,
        `the model has no input named ${name} (it takes ${expected})`,
      );
    }
  }
  const feeds: Record<string, HostTensor> = {};
  /** The first size given to each named axis, and by which input. */
  const axes = new Map<string, { size: number; input: string }>();
  let size = 0;
  for (const spec of specs) {
    const input = inputs[spec.name];
    if (!input) throw InvalidInputError.field(`inputs.${spec.name}`, "required input is missing");
    const tensor = toTensor(spec, input, limits);
    checkSharedAxes(spec, input.dims, axes);
    checkBounds(spec, tensor, input.b64 !== undefined ? "b64" : "data");
    feeds[spec.name] = tensor;
    size = Math.max(size, input.dims[0] ?? 1);
  }
  return { feeds, size, drift: () => ({}) };
}

/** ONNX binds one size to each dim name: inputs that share an axis's name must agree on it. */
function checkSharedAxes(
  spec: TensorSpec,
  dims: readonly number[],
  axes: Map<string, { size: number; input: string }>,
): void {
  spec.shape.forEach((name, axis) => {
    if (typeof name !== "string") return;
    const first = axes.get(name);
    if (!first) {
      axes.set(name, { size: dims[axis], input: spec.name });
    } else if (first.size !== dims[axis]) {
      throw InvalidInputError.field(
        `inputs.${spec.name}.dims[${axis}]`,
        `${dims[axis]}, but inputs.${first.input} has ${first.size} on the axis they share (${name})`,
      );
    }
  });
}

function checkBounds(spec: TensorSpec, tensor: HostTensor, form: "data" | "b64"): void {
  const field = `inputs.${spec.name}`;
  for (const { axis, max, reason } of spec.bounds?.axes ?? []) {
    const dim = tensor.dims[axis];
    if (dim > max) {
      throw InvalidInputError.field(
        `${field}.dims[${axis}]`,
        `${dim} is more than the model takes (${max}): ${reason}`,
      );
    }
  }
  const values = spec.bounds?.values;
  if (!values) return;
  for (let i = 0; i < tensor.data.length; i++) {
    const value = Number(tensor.data[i]);
    if (value < values.min || value > values.max) {
      throw InvalidInputError.field(
        `${field}.${form}[${i}]`,
        `${value} is outside ${values.min}..${values.max}: ${values.reason}`,
      );
    }
  }
}

function toTensor(spec: TensorSpec, input: TensorInput, limits: InputLimits): HostTensor {
  const field = `inputs.${spec.name}`;
  if (input.dtype !== undefined && input.dtype !== spec.dtype) {
    throw InvalidInputError.field(`${field}.dtype`, `the model takes ${spec.dtype}, not ${input.dtype}`);
  }
  if (input.dims.length !== spec.shape.length) {
    throw InvalidInputError.field(
      `${field}.dims`,
      `expected ${spec.shape.length} dimensions [${spec.shape.join(", ")}], got [${input.dims.join(", ")}]`,
    );
  }
  input.dims.forEach((dim, axis) => {
    const expected = spec.shape[axis];
    if (typeof expected === "number" && dim !== expected) {
      throw InvalidInputError.field(
        `${field}.dims[${axis}]`,
        `expected ${expected} (shape [${spec.shape.join(", ")}]), got ${dim}`,
      );
    }
  });
  if (typeof spec.shape[0] === "string") checkBatch(`${field}.dims[0]`, input.dims[0], limits);
  const count = elementCount(input.dims);
  const data =
    input.b64 !== undefined
      ? decodeBase64(spec.dtype, input.b64, count, `${field}.b64`)
      : encode(spec.dtype, input.data ?? [], count, `${field}.data`);
  return { dtype: spec.dtype, dims: input.dims, data };
}

function decodeBase64(dtype: TensorDType, b64: string, count: number, field: string): TensorData {
  let binary: string;
  try {
    binary = atob(b64);
  } catch {
    throw InvalidInputError.field(field, "is not valid base64");
  }
  const expected = count * ELEMENT_BYTES[dtype];
  if (binary.length !== expected) {
    throw InvalidInputError.field(
      field,
      `dims need ${count} ${dtype} elements (${expected} bytes), got ${binary.length} bytes`,
    );
  }
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  const data = fromBytes(dtype, bytes);
  checkValues(dtype, data, field);
  return data;
}

/** Values a dtype cannot hold: non-finite floats, bools other than 0 and 1. */
function checkValues(dtype: TensorDType, data: TensorData, field: string): void {
  if (dtype === "float32") {
    const floats = data as Float32Array;
    for (let i = 0; i < floats.length; i++) {
      if (!Number.isFinite(floats[i]))
        throw InvalidInputError.field(`${field}[${i}]`, "NaN and infinity are not accepted");
    }
  } else if (dtype === "bool") {
    const flags = data as Uint8Array;
    for (let i = 0; i < flags.length; i++) {
      if (flags[i] > 1) throw InvalidInputError.field(`${field}[${i}]`, "bool tensors take bytes 0 or 1");
    }
  } else if (dtype === "int64") {
    const ints = data as BigInt64Array;
    for (let i = 0; i < ints.length; i++) {
      const v = ints[i];
      if (v > BigInt(Number.MAX_SAFE_INTEGER) || v < BigInt(Number.MIN_SAFE_INTEGER)) {
        throw InvalidInputError.field(
          `${field}[${i}]`,
          `${v} is outside the integers vane carries exactly (±2^53-1)`,
        );
      }
    }
  }
}

function encode(
  dtype: TensorDType,
  values: ReadonlyArray<number | boolean>,
  count: number,
  field: string,
): TensorData {
  if (count !== values.length) {
    throw InvalidInputError.field(field, `dims need ${count} elements, got ${values.length}`);
  }
  const numbers = values.map((value, i) => {
    if (dtype === "bool") {
      if (typeof value === "boolean") return value ? 1 : 0;
      if (value === 0 || value === 1) return value;
      throw InvalidInputError.field(`${field}[${i}]`, "bool tensors take true, false, 0 or 1");
    }
    if (typeof value !== "number")
      throw InvalidInputError.field(`${field}[${i}]`, `${dtype} tensors take numbers`);
    if (!Number.isFinite(value))
      throw InvalidInputError.field(`${field}[${i}]`, "NaN and infinity are not accepted");
    if (dtype === "float32" && Math.abs(value) > FLOAT32_MAX) {
      throw InvalidInputError.field(`${field}[${i}]`, `${value} overflows float32 (largest ${FLOAT32_MAX})`);
    }
    const range = INTEGER_RANGES[dtype];
    if (range && (!Number.isInteger(value) || value < range[0] || value > range[1])) {
      throw InvalidInputError.field(`${field}[${i}]`, `${value} is not a valid ${dtype}`);
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
