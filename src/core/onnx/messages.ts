/**
 * ONNX's messages over the protobuf wire format (./wire.ts): a model's graph, its nodes with their
 * int and float attributes, its initializers and their values, and a model with some initializers'
 * data replaced and every other byte copied as it was.
 */
import { elementCount } from "../tensor.js";
import {
  isLengthDelimited,
  MessageWriter,
  OnnxWireError,
  readFields,
  text,
  varints,
  type WireField,
} from "./wire.js";

/** ONNX TensorProto.DataType values read here. */
export const FLOAT = 1;
export const UINT8 = 2;
export const INT8 = 3;

/** Field numbers of the ONNX messages read here. */
const MODEL_GRAPH = 7;
const GRAPH_NODE = 1;
const GRAPH_INITIALIZER = 5;
const NODE_INPUT = 1;
const NODE_OUTPUT = 2;
const NODE_OP_TYPE = 4;
const NODE_ATTRIBUTE = 5;
const ATTRIBUTE_NAME = 1;
const ATTRIBUTE_F = 2;
const ATTRIBUTE_I = 3;
const TENSOR_DIMS = 1;
const TENSOR_DATA_TYPE = 2;
const TENSOR_FLOAT_DATA = 4;
const TENSOR_INT32_DATA = 5;
const TENSOR_NAME = 8;
const TENSOR_RAW_DATA = 9;
const TENSOR_EXTERNAL_DATA = 13;

export interface Tensor {
  name: string;
  dims: number[];
  dataType: number;
  fields: WireField[];
  /** The TensorProto's bytes the fields were read from. */
  bytes: Uint8Array;
}

export interface Node {
  opType: string;
  inputs: string[];
  outputs: string[];
  ints: Map<string, number>;
  floats: Map<string, number>;
}

function readTensor(bytes: Uint8Array): Tensor {
  const fields = readFields(bytes);
  const name = fields.find((f) => f.field === TENSOR_NAME);
  const dataType = fields.find((f) => f.field === TENSOR_DATA_TYPE);
  return {
    name: name ? text(name.value) : "",
    dims: varints(fields, TENSOR_DIMS),
    dataType: dataType?.varint ?? 0,
    fields,
    bytes,
  };
}

function readNode(bytes: Uint8Array): Node {
  const fields = readFields(bytes);
  const strings = (field: number) => fields.filter((f) => f.field === field).map((f) => text(f.value));
  const node: Node = {
    opType: strings(NODE_OP_TYPE)[0] ?? "",
    inputs: strings(NODE_INPUT),
    outputs: strings(NODE_OUTPUT),
    ints: new Map(),
    floats: new Map(),
  };
  for (const attribute of fields.filter((f) => f.field === NODE_ATTRIBUTE)) {
    const parts = readFields(attribute.value);
    const name = parts.find((f) => f.field === ATTRIBUTE_NAME);
    if (!name) continue;
    const i = parts.find((f) => f.field === ATTRIBUTE_I);
    const f = parts.find((p) => p.field === ATTRIBUTE_F);
    if (i) node.ints.set(text(name.value), i.varint);
    if (f)
      node.floats.set(
        text(name.value),
        new DataView(f.value.buffer, f.value.byteOffset, 4).getFloat32(0, true),
      );
  }
  return node;
}

/** A tensor's elements as numbers (raw_data, float_data or int32_data, as writers store them). */
export function tensorValues(tensor: Tensor): Float64Array {
  if (tensor.fields.some((f) => f.field === TENSOR_EXTERNAL_DATA)) {
    throw new OnnxWireError(`initializer ${tensor.name} keeps its data outside the model`);
  }
  const count = elementCount(tensor.dims);
  const raw = tensor.fields.find((f) => f.field === TENSOR_RAW_DATA)?.value;
  const values = new Float64Array(count);
  if (raw) {
    const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
    const width = tensor.dataType === FLOAT ? 4 : 1;
    if (raw.byteLength !== count * width)
      throw new OnnxWireError(`initializer ${tensor.name} has ${raw.byteLength} bytes`);
    for (let i = 0; i < count; i++) {
      values[i] =
        tensor.dataType === FLOAT
          ? view.getFloat32(i * 4, true)
          : tensor.dataType === INT8
            ? view.getInt8(i)
            : view.getUint8(i);
    }
    return values;
  }
  if (tensor.dataType === FLOAT) {
    const packed = tensor.fields.filter((f) => f.field === TENSOR_FLOAT_DATA);
    let at = 0;
    for (const f of packed) {
      const view = new DataView(f.value.buffer, f.value.byteOffset, f.value.byteLength);
      const n = isLengthDelimited(f) ? f.value.byteLength / 4 : 1;
      for (let k = 0; k < n && at < count; k++) values[at++] = view.getFloat32(k * 4, true);
    }
    if (at !== count) throw new OnnxWireError(`initializer ${tensor.name} has ${at} of ${count} values`);
    return values;
  }
  // int8 and uint8 without raw_data are widened into int32_data.
  const ints = varints(tensor.fields, TENSOR_INT32_DATA);
  if (ints.length !== count)
    throw new OnnxWireError(`initializer ${tensor.name} has ${ints.length} of ${count} values`);
  values.set(ints);
  return values;
}

export interface Graph {
  nodes: Node[];
  initializers: Map<string, Tensor>;
}

/** The graph of a ModelProto: its nodes and its initializers by name. */
export function readGraph(model: Uint8Array): Graph {
  const graphField = readFields(model).find((f) => f.field === MODEL_GRAPH);
  if (!graphField) throw new OnnxWireError("not a valid ONNX model: it has no graph");
  const fields = readFields(graphField.value);
  const nodes = fields.filter((f) => f.field === GRAPH_NODE).map((f) => readNode(f.value));
  const initializers = new Map(
    fields
      .filter((f) => f.field === GRAPH_INITIALIZER)
      .map((f) => {
        const tensor = readTensor(f.value);
        return [tensor.name, tensor] as const;
      }),
  );
  return { nodes, initializers };
}

/** Values as little-endian float32, the layout of a float tensor's raw_data. */
export function float32Bytes(values: ArrayLike<number>): Uint8Array {
  const bytes = new Uint8Array(values.length * 4);
  const view = new DataView(bytes.buffer);
  for (let i = 0; i < values.length; i++) view.setFloat32(i * 4, values[i], true);
  return bytes;
}

/** The tensor as read with its values replaced (as raw_data, the other data fields dropped). */
function withData(tensor: Tensor, dataType: number, data: Uint8Array): Uint8Array {
  const writer = new MessageWriter().varint(TENSOR_DATA_TYPE, dataType);
  const dataFields = new Set([TENSOR_FLOAT_DATA, TENSOR_INT32_DATA, TENSOR_RAW_DATA, TENSOR_DATA_TYPE]);
  for (const field of tensor.fields) {
    if (!dataFields.has(field.field)) writer.raw(tensor.bytes.subarray(field.start, field.end));
  }
  return writer.bytes(TENSOR_RAW_DATA, data).finish();
}

/** An initializer's new data and the type it is stored as. */
export interface InitializerData {
  dataType: number;
  data: Uint8Array;
}

/** `model` with the named initializers' data replaced; every other field is copied byte for byte. */
export function replaceInitializers(
  model: Uint8Array,
  replaced: ReadonlyMap<string, InitializerData>,
): Uint8Array {
  const modelWriter = new MessageWriter();
  for (const field of readFields(model)) {
    if (field.field !== MODEL_GRAPH) {
      modelWriter.raw(model.subarray(field.start, field.end));
      continue;
    }
    const graphWriter = new MessageWriter();
    for (const part of readFields(field.value)) {
      const whole = field.value.subarray(part.start, part.end);
      if (part.field !== GRAPH_INITIALIZER) {
        graphWriter.raw(whole);
        continue;
      }
      const tensor = readTensor(part.value);
      const replacement = replaced.get(tensor.name);
      if (!replacement) {
        graphWriter.raw(whole);
        continue;
      }
      graphWriter.bytes(GRAPH_INITIALIZER, withData(tensor, replacement.dataType, replacement.data));
    }
    modelWriter.bytes(MODEL_GRAPH, graphWriter.finish());
  }
  return modelWriter.finish();
}
