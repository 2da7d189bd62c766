/**
 * Weight-only (QDQ) quantization: the weight is stored as 8-bit integers and a DequantizeLinear node
 * restores float32 weights in front of the MatMul or Gemm, so activations stay float.
 */

import { type QuantizationScheme, quantizeWeight } from "../../core/quantize-params.js";
import type { NameAllocator } from "../onnx/graph.js";
import type { LinearWeight } from "../onnx/weights.js";
import { dequantizeNode, type Rewrite, storeQuantizedWeight, weightAsKN } from "./rewrite.js";

export function weightOnlyRewrite(
  weight: LinearWeight,
  scheme: QuantizationScheme,
  names: NameAllocator,
): Rewrite {
  const [node] = weight.users;
  const perChannel = scheme.granularity === "per-channel";
  const dims: [number, number] = [weight.k, weight.n];
  const quantized = quantizeWeight(weightAsKN(weight), dims, scheme, 1);
  const stored = storeQuantizedWeight(names, weight.name, dims, quantized, quantized.scale, perChannel);
  const dequantized = names.fresh(`${weight.name}_dequantized`);
  // Channels are the columns of the [K, N] weight.
  const dequantize = dequantizeNode(names, stored, dequantized, perChannel ? 1 : undefined);
  const input = [...(node.input ?? [])];
  input[1] = dequantized;
  node.input = input;
  // The weight is stored as [K, N] now, so the Gemm no longer transposes it.
  if (weight.transposed) node.attribute = (node.attribute ?? []).filter((a) => a.name !== "transB");
  return { nodes: [dequantize, node], initializers: stored.tensors, quantized, dims };
}
