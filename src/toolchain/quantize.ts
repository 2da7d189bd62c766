/**
 * int8 quantization of the MatMul and Gemm weights of any ONNX model, weight-only (QDQ) or dynamic.
 * Weights the rewrite cannot handle safely are left as they are and reported with the reason.
 */
import { defaultOpset, NameAllocator, nodeLabel, tensorUses } from "./onnx/graph.js";
import { normalizeModel } from "./onnx/load.js";
import { encodeModel, type GraphProto, type NodeProto, readFloat32 } from "./onnx/model.js";
import { opsetUpgradeBlockers, raiseDefaultOpset } from "./onnx/opset.js";
import { findLinearWeights, type LinearWeight, type SkippedWeight, whyNoWeights } from "./onnx/weights.js";
import { type ActivationCache, dynamicRewrite } from "./quantize/dynamic.js";
import type { Granularity, QuantizationScheme } from "./quantize/params.js";
import type { Rewrite } from "./quantize/rewrite.js";
import { weightOnlyRewrite } from "./quantize/weight-only.js";

export type { SkippedWeight } from "./onnx/weights.js";
export type { Granularity } from "./quantize/params.js";

export type QuantizeStyle = "weight-only" | "dynamic";
export const QUANTIZE_STYLES: readonly QuantizeStyle[] = ["weight-only", "dynamic"];
export const GRANULARITIES: readonly Granularity[] = ["per-channel", "per-tensor"];

export interface QuantizeOptions extends QuantizationScheme {
  style: QuantizeStyle;
}

export interface QuantizedWeightReport {
  name: string;
  /** The node that reads it, e.g. `Gemm "fc1"`. */
  node: string;
  op: string;
  /** Float weight dims as stored in the input model. */
  shape: number[];
  granularity: Granularity;
  dtype: "int8" | "uint8";
  scale: { min: number; max: number };
  maxAbsError: number;
  bytesBefore: number;
  bytesAfter: number;
}

export interface QuantizeReport {
  style: QuantizeStyle;
  granularity: Granularity;
  symmetric: boolean;
  opset: { before: number; after: number };
  weights: QuantizedWeightReport[];
  skipped: SkippedWeight[];
  bytesBefore: number;
  bytesAfter: number;
}

/** Why a model could not be quantized (nothing eligible, or an opset that cannot be raised safely). */
export class QuantizeError extends Error {
  override name = "QuantizeError";

  constructor(
    message: string,
    readonly skipped: SkippedWeight[] = [],
  ) {
    super(message);
  }
}

/** DequantizeLinear with a per-axis scale needs 13; DynamicQuantizeLinear 11; per-tensor DequantizeLinear 10. */
function requiredOpset(options: QuantizeOptions): number {
  if (options.style === "dynamic") return 11;
  return options.granularity === "per-channel" ? 13 : 10;
}

function hasFiniteValues(weight: LinearWeight): boolean {
  return readFloat32(weight.tensor).every(Number.isFinite);
}

/** Names read anywhere in the graph: nodes (and their subgraphs) and graph outputs. */
function readNames(graph: GraphProto): Set<string> {
  return new Set(tensorUses(graph).keys());
}

export function quantizeModel(
  bytes: Uint8Array,
  options: QuantizeOptions,
): { bytes: Uint8Array; report: QuantizeReport } {
  const { model } = normalizeModel(bytes);
  const graph = model.graph as GraphProto;
  const search = findLinearWeights(graph, "skip");
  const skipped = [...search.skipped];
  const weights = search.weights.filter((weight) => {
    if (hasFiniteValues(weight)) return true;
    skipped.push({
      node: nodeLabel(weight.users[0]),
      weight: weight.name,
      reason: "weight holds NaN or Infinity",
    });
    return false;
  });
  if (weights.length === 0) {
    throw new QuantizeError(`nothing to quantize: ${whyNoWeights(graph, { ...search, skipped })}`, skipped);
  }

  const before = defaultOpset(model);
  const target = requiredOpset(options);
  const blockers = opsetUpgradeBlockers(model, target);
  if (blockers.length > 0) {
    const hint =
      options.style === "weight-only" && options.granularity === "per-channel"
        ? "; per-tensor weight-only quantization needs only opset 10"
        : "";
    throw new QuantizeError(
      `${options.style} ${options.granularity} quantization needs opset ${target} but the model uses opset ${before}, ` +
        `and raising it would change the meaning of ${blockers.join(", ")}${hint}`,
    );
  }
  raiseDefaultOpset(model, target);

  const names = new NameAllocator(graph);
  const activations: ActivationCache = new Map();
  const rewrites = new Map<NodeProto, { weight: LinearWeight; rewrite: Rewrite }>();
  const byNode = new Map(weights.map((w) => [w.users[0], w]));
  const readBefore = readNames(graph);
  // In graph order, so a shared activation quantization is emitted before its first reader.
  for (const node of graph.node ?? []) {
    const weight = byNode.get(node);
    if (!weight) continue;
    const rewrite =
      options.style === "dynamic"
        ? dynamicRewrite(weight, options, names, activations)
        : weightOnlyRewrite(weight, options, names);
    rewrites.set(node, { weight, rewrite });
  }

  graph.node = (graph.node ?? []).flatMap((node) => rewrites.get(node)?.rewrite.nodes ?? [node]);
  const added = new Map(
    [...rewrites.values()].map(({ weight, rewrite }) => [weight.name, rewrite.initializers]),
  );
  graph.initializer = (graph.initializer ?? []).flatMap((t) => [t, ...(added.get(t.name ?? "") ?? [])]);
  // Drop only what this rewrite made unread (the float weights); pre-existing unused tensors stay.
  const readAfter = readNames(graph);
  const orphaned = new Set([...readBefore].filter((name) => !readAfter.has(name)));
  graph.initializer = graph.initializer.filter((t) => !orphaned.has(t.name ?? ""));
  graph.valueInfo = (graph.valueInfo ?? []).filter((v) => !orphaned.has(v.name ?? ""));

  const output = encodeModel(model);
  const report: QuantizeReport = {
    style: options.style,
    granularity: options.granularity,
    symmetric: options.symmetric,
    opset: { before, after: defaultOpset(model) },
    weights: [...rewrites.values()].map(({ weight, rewrite }) =>
      weightReport(weight, rewrite, options.granularity),
    ),
    skipped,
    bytesBefore: bytes.byteLength,
    bytesAfter: output.byteLength,
  };
  return { bytes: output, report };
}

function weightReport(
  weight: LinearWeight,
  rewrite: Rewrite,
  granularity: Granularity,
): QuantizedWeightReport {
  const { quantized } = rewrite;
  const count = weight.dims[0] * weight.dims[1];
  const zeroPointBytes = quantized.dtype === "uint8" ? 1 : 0;
  return {
    name: weight.name,
    node: nodeLabel(weight.users[0]),
    op: weight.users[0].opType ?? "",
    shape: [...weight.dims],
    granularity,
    dtype: quantized.dtype,
    scale: {
      min: quantized.scale.reduce((a, b) => Math.min(a, b)),
      max: quantized.scale.reduce((a, b) => Math.max(a, b)),
    },
    maxAbsError: quantized.maxAbsError,
    bytesBefore: count * 4,
    bytesAfter: count + quantized.scale.length * (4 + zeroPointBytes),
  };
}
