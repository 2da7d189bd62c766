/**
 * Reading and writing ONNX protobuf for the toolchain (Node only: onnx-proto's protobufjs is not
 * part of the Worker bundle). Builders and tensor codecs used by the exporter, quantizer and pruner.
 */

import onnxProto from "onnx-proto";
import { UnprocessableError } from "../../core/errors.js";

export const { onnx } = onnxProto;
export type ModelProto = onnxProto.onnx.ModelProto;
export type GraphProto = onnxProto.onnx.IGraphProto;
export type NodeProto = onnxProto.onnx.INodeProto;
export type TensorProto = onnxProto.onnx.ITensorProto;
export type AttributeProto = onnxProto.onnx.IAttributeProto;

export const DataType = onnx.TensorProto.DataType;
export const DEFAULT_OPSET = 17;
const IR_VERSION = 8;

/** Bytes or files that are not a complete, readable ONNX model. */
export class OnnxFormatError extends UnprocessableError {}

/** Decodes ONNX bytes; throws OnnxFormatError for anything that is not a model with a graph. */
export function decodeModel(bytes: Uint8Array): ModelProto {
  let model: ModelProto;
  try {
    model = onnx.ModelProto.decode(bytes);
  } catch (error) {
    throw new OnnxFormatError(`not a valid ONNX model: ${(error as Error).message}`);
  }
  if (!model.graph?.node || model.graph.node.length === 0) {
    throw new OnnxFormatError("not a valid ONNX model: it has no graph nodes");
  }
  return model;
}

export function encodeModel(model: onnxProto.onnx.IModelProto): Uint8Array {
  return onnx.ModelProto.encode(model).finish();
}

export function makeModel(graph: GraphProto, opset = DEFAULT_OPSET): onnxProto.onnx.IModelProto {
  return {
    irVersion: IR_VERSION,
    producerName: "vane",
    opsetImport: [{ domain: "", version: opset }],
    graph,
  };
}

export function makeNode(
  opType: string,
  inputs: string[],
  outputs: string[],
  attributes: AttributeProto[] = [],
  name = `${opType}_${outputs[0]}`,
): NodeProto {
  return { opType, input: inputs, output: outputs, attribute: attributes, name };
}

export function intAttribute(name: string, value: number): AttributeProto {
  return { name, type: onnx.AttributeProto.AttributeType.INT, i: value };
}

export function intsAttribute(name: string, values: number[]): AttributeProto {
  return { name, type: onnx.AttributeProto.AttributeType.INTS, ints: values };
}

export function floatAttribute(name: string, value: number): AttributeProto {
  return { name, type: onnx.AttributeProto.AttributeType.FLOAT, f: value };
}

/** A graph input or output; string dims are symbolic (e.g. "batch"). */
export function valueInfo(name: string, elemType: number, dims: Array<number | string>) {
  return {
    name,
    type: {
      tensorType: {
        elemType,
        shape: { dim: dims.map((d) => (typeof d === "number" ? { dimValue: d } : { dimParam: d })) },
      },
    },
  };
}

/** Float32 initializer stored as raw little-endian bytes (the compact form exporters use). */
export function float32Tensor(name: string, dims: number[], data: ArrayLike<number>): TensorProto {
  const values = Float32Array.from(data);
  return { name, dims, dataType: DataType.FLOAT, rawData: bytesOf(values) };
}

export function int8Tensor(name: string, dims: number[], data: Int8Array): TensorProto {
  return { name, dims, dataType: DataType.INT8, rawData: bytesOf(data) };
}

export function uint8Tensor(name: string, dims: number[], data: Uint8Array): TensorProto {
  return { name, dims, dataType: DataType.UINT8, rawData: bytesOf(data) };
}

export function int64Tensor(name: string, dims: number[], data: number[]): TensorProto {
  return { name, dims, dataType: DataType.INT64, int64Data: data };
}

function bytesOf(view: ArrayBufferView): Uint8Array {
  return new Uint8Array(view.buffer.slice(view.byteOffset, view.byteOffset + view.byteLength));
}

export function tensorDims(tensor: TensorProto): number[] {
  return (tensor.dims ?? []).map(Number);
}

/** Float32 values of an initializer, whether stored in raw_data or float_data. */
export function readFloat32(tensor: TensorProto): Float32Array {
  if (tensor.dataType !== DataType.FLOAT) {
    throw new OnnxFormatError(`initializer ${tensor.name} is not float32 (data type ${tensor.dataType})`);
  }
  const count = tensorDims(tensor).reduce((a, b) => a * b, 1);
  if (tensor.rawData && tensor.rawData.length > 0) {
    const raw = tensor.rawData;
    const copy = new Uint8Array(raw.byteLength);
    copy.set(raw);
    return new Float32Array(copy.buffer, 0, count);
  }
  if (tensor.floatData && tensor.floatData.length === count) return Float32Array.from(tensor.floatData);
  throw new OnnxFormatError(`initializer ${tensor.name} holds no data (external data is read by loadModel)`);
}
