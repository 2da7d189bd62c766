/**
 * Conv and ConvTranspose weights as int8 + DequantizeLinear in front of the node, per output channel
 * or per tensor; activations stay float. Chosen over ConvInteger (DynamicQuantizeLinear + ConvInteger
 * + rescale) for both styles: in onnxruntime-web's wasm build both run, but this form is smaller
 * (no runtime quantization nodes, the bias stays in the Conv), its error is the weight's alone, the
 * Worker's session options fold it back to a float Conv at load, and ConvTranspose has no integer
 * form at all (bench/quantize.ts measures the two).
 */

import { type QuantizationScheme, quantizeWeight } from "../../core/quantize-params.js";
import type { ConvWeight } from "../onnx/conv-weights.js";
import type { NameAllocator } from "../onnx/graph.js";
import { readFloat32 } from "../onnx/model.js";
import { dequantizeNode, type Rewrite, storeQuantizedWeight } from "./rewrite.js";

export function convRewrite(weight: ConvWeight, scheme: QuantizationScheme, names: NameAllocator): Rewrite {
  const { node, dims, channelAxis } = weight;
  const perChannel = scheme.granularity === "per-channel";
  const quantized = quantizeWeight(readFloat32(weight.tensor), dims, scheme, channelAxis);
  const stored = storeQuantizedWeight(names, weight.name, dims, quantized, quantized.scale, perChannel);
  const dequantized = names.fresh(`${weight.name}_dequantized`);
  const dequantize = dequantizeNode(names, stored, dequantized, perChannel ? channelAxis : undefined);
  const input = [...(node.input ?? [])];
  input[1] = dequantized;
  node.input = input;
  return { nodes: [dequantize, node], initializers: stored.tensors, quantized, dims };
}
