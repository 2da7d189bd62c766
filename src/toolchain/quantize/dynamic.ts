/**
 * Dynamic quantization, the scheme of onnxruntime's quantize_dynamic: each activation is quantized to
 * uint8 at run time (DynamicQuantizeLinear), multiplied by the 8-bit weight in integer arithmetic
 * (MatMulInteger), and scaled back to float by activation scale x weight scale. This exact node
 * pattern is what onnxruntime fuses into its DynamicQuantizeMatMul kernel.
 *
 * Symmetric weights are stored as uint8 with zero point 128 rather than int8 with zero point 0: the
 * same 255 levels, but a uint8 x uint8 product. onnxruntime's x86 kernel for uint8 x int8 sums pairs
 * of products into int16 (VPMADDUBSW), which saturates on CPUs without VNNI (AVX2 only) and gave
 * errors ten times the quantization bound; uint8 x uint8 widens first and is exact everywhere.
 */

import { type QuantizationScheme, type QuantizedWeight, quantizeWeight } from "../../core/quantize-params.js";
import { floatAttributeOf, intAttributeOf, type NameAllocator } from "../onnx/graph.js";
import {
  DataType,
  float32Tensor,
  intAttribute,
  intsAttribute,
  makeNode,
  type NodeProto,
} from "../onnx/model.js";
import type { LinearWeight } from "../onnx/weights.js";
import { type Rewrite, storeQuantizedWeight, weightAsKN } from "./rewrite.js";

interface QuantizedActivation {
  values: string;
  scale: string;
  zeroPoint: string;
}

const UNSIGNED_ZERO_POINT = 128;

/** Symmetric int8 values v as uint8 v + 128 with zero point 128: the same weights, dequantized. */
function asUnsigned(quantized: QuantizedWeight): QuantizedWeight {
  if (quantized.dtype === "uint8") return quantized;
  return {
    dtype: "uint8",
    values: Uint8Array.from(quantized.values, (v) => v + UNSIGNED_ZERO_POINT),
    zeroPoint: new Uint8Array(quantized.scale.length).fill(UNSIGNED_ZERO_POINT),
    scale: quantized.scale,
    maxAbsError: quantized.maxAbsError,
  };
}

/** Quantized activations already computed, so several MatMuls reading one tensor share one quantization. */
export type ActivationCache = Map<string, QuantizedActivation>;

export function dynamicRewrite(
  weight: LinearWeight,
  scheme: QuantizationScheme,
  names: NameAllocator,
  activations: ActivationCache,
): Rewrite {
  const [node] = weight.users;
  const isGemm = node.opType === "Gemm";
  const [input = "", , bias] = node.input ?? [];
  const output = node.output?.[0] ?? "";
  const transA = isGemm && intAttributeOf(node, "transA", 0) !== 0;
  const alpha = isGemm ? floatAttributeOf(node, "alpha", 1) : 1;
  const beta = isGemm ? floatAttributeOf(node, "beta", 1) : 1;
  const nodes: NodeProto[] = [];
  const fresh = (base: string) => names.fresh(base);

  const cacheKey = `${transA ? "T" : "N"}:${input}`;
  let activation = activations.get(cacheKey);
  if (!activation) {
    let source = input;
    if (transA) {
      source = fresh(`${input}_transposed`);
      nodes.push(
        makeNode("Transpose", [input], [source], [intsAttribute("perm", [1, 0])], fresh(`${source}_node`)),
      );
    }
    activation = {
      values: fresh(`${source}_quantized`),
      scale: fresh(`${source}_scale`),
      zeroPoint: fresh(`${source}_zero_point`),
    };
    const outputs = [activation.values, activation.scale, activation.zeroPoint];
    nodes.push(makeNode("DynamicQuantizeLinear", [source], outputs, [], fresh(`${activation.values}_node`)));
    activations.set(cacheKey, activation);
  }

  const perChannel = scheme.granularity === "per-channel";
  const dims: [number, number] = [weight.k, weight.n];
  const quantized = asUnsigned(quantizeWeight(weightAsKN(weight), dims, scheme, 1));
  // Gemm's alpha rides on the weight scale, which the output is multiplied by anyway.
  const scale = alpha === 1 ? quantized.scale : quantized.scale.map((s) => s * alpha);
  const stored = storeQuantizedWeight(names, weight.name, dims, quantized, scale, perChannel);

  const integer = fresh(`${output}_int32`);
  const asFloat = fresh(`${output}_float`);
  const combinedScale = fresh(`${output}_scale`);
  const scaled = bias ? fresh(`${output}_unbiased`) : output;
  const weightZeroPoint = stored.zeroPoint ? [stored.zeroPoint] : [];
  nodes.push(
    makeNode(
      "MatMulInteger",
      [activation.values, stored.values, activation.zeroPoint, ...weightZeroPoint],
      [integer],
      [],
      fresh(`${integer}_node`),
    ),
    makeNode("Cast", [integer], [asFloat], [intAttribute("to", DataType.FLOAT)], fresh(`${asFloat}_node`)),
    makeNode("Mul", [activation.scale, stored.scale], [combinedScale], [], fresh(`${combinedScale}_node`)),
    makeNode("Mul", [asFloat, combinedScale], [scaled], [], fresh(`${scaled}_node`)),
  );
  const initializers = [...stored.tensors];
  if (bias) {
    let addend = bias;
    if (beta !== 1) {
      const betaName = fresh(`${output}_beta`);
      addend = fresh(`${bias}_times_beta`);
      initializers.push(float32Tensor(betaName, [], [beta]));
      nodes.push(makeNode("Mul", [bias, betaName], [addend], [], fresh(`${addend}_node`)));
    }
    nodes.push(makeNode("Add", [scaled, addend], [output], [], fresh(`${output}_node`)));
  }
  return { nodes, initializers, quantized, dims };
}
