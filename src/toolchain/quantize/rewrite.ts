/** What a quantization rewrite produces, and the initializers every style stores for a weight. */

import { type QuantizedWeight, transpose } from "../../core/quantize-params.js";
import type { NameAllocator } from "../onnx/graph.js";
import {
  float32Tensor,
  int8Tensor,
  intAttribute,
  makeNode,
  type NodeProto,
  readFloat32,
  type TensorProto,
  uint8Tensor,
} from "../onnx/model.js";
import type { LinearWeight } from "../onnx/weights.js";

export interface Rewrite {
  /** Nodes that take the place of the original node, in execution order. */
  nodes: NodeProto[];
  /** New initializers (the float weight is dropped once nothing reads it). */
  initializers: TensorProto[];
  quantized: QuantizedWeight;
  /** Dims of the stored integer weight. */
  dims: number[];
}

/**
 * The weight as the effective row-major [K, N]: a transB Gemm weight is transposed, because
 * MatMulInteger needs [K, N] and onnxruntime fuses DequantizeLinear into its 8-bit matmul only for
 * an untransposed weight (otherwise it dequantizes the whole weight on every run).
 */
export function weightAsKN(weight: LinearWeight): Float32Array {
  const data = readFloat32(weight.tensor);
  return weight.transposed ? transpose(data, weight.dims[0], weight.dims[1]) : data;
}

export interface StoredQuantizedWeight {
  tensors: TensorProto[];
  values: string;
  scale: string;
  /** Absent for symmetric weights: a missing zero point means 0 to DequantizeLinear and MatMulInteger. */
  zeroPoint?: string;
}

/**
 * Stores the integer weight, its scale and (asymmetric only) zero point. Per-channel scales and zero
 * points are 1-D with one value per channel (or `channelDims`); per-tensor ones are scalars.
 */
export function storeQuantizedWeight(
  names: NameAllocator,
  weight: string,
  dims: number[],
  quantized: QuantizedWeight,
  scale: Float32Array,
  perChannel: boolean,
  channelDims = [scale.length],
): StoredQuantizedWeight {
  const values = names.fresh(`${weight}_quantized`);
  const scaleName = names.fresh(`${weight}_scale`);
  const paramDims = perChannel ? channelDims : [];
  if (quantized.dtype === "int8") {
    const tensors = [int8Tensor(values, dims, quantized.values), float32Tensor(scaleName, paramDims, scale)];
    return { tensors, values, scale: scaleName };
  }
  const zeroPoint = names.fresh(`${weight}_zero_point`);
  const tensors = [
    uint8Tensor(values, dims, quantized.values),
    float32Tensor(scaleName, paramDims, scale),
    uint8Tensor(zeroPoint, paramDims, quantized.zeroPoint),
  ];
  return { tensors, values, scale: scaleName, zeroPoint };
}

/** DequantizeLinear of a stored weight; `axis` for per-channel scales (opset 13), none for per-tensor. */
export function dequantizeNode(
  names: NameAllocator,
  stored: StoredQuantizedWeight,
  output: string,
  axis: number | undefined,
): NodeProto {
  const inputs = [stored.values, stored.scale, ...(stored.zeroPoint ? [stored.zeroPoint] : [])];
  const attributes = axis === undefined ? [] : [intAttribute("axis", axis)];
  return makeNode("DequantizeLinear", inputs, [output], attributes, names.fresh(`${output}_node`));
}
