/**
 * int8 quantization of the weights of any ONNX model: MatMul and Gemm (weight-only QDQ or dynamic),
 * Conv and ConvTranspose (int8 + DequantizeLinear, per output channel), and Gather embedding tables
 * (int8 rows, dequantized after the lookup). Weights the rewrite cannot handle safely, and MatMuls
 * of two activations (attention), are left as they are and reported with the reason.
 */
import { UnprocessableError } from "../core/errors.js";
import type { Granularity, QuantizationScheme, QuantizedWeight } from "../core/quantize-params.js";
import { type ConvWeight, findConvWeights } from "./onnx/conv-weights.js";
import { type EmbeddingTable, findEmbeddingTables } from "./onnx/embedding-tables.js";
import {
  defaultOpset,
  isDefaultDomain,
  NameAllocator,
  nestedNodes,
  nodeLabel,
  tensorUses,
} from "./onnx/graph.js";
import { normalizeModel } from "./onnx/load.js";
import {
  encodeModel,
  type GraphProto,
  type ModelProto,
  type NodeProto,
  readFloat32,
  type TensorProto,
} from "./onnx/model.js";
import { opsetUpgradeBlockers, raiseDefaultOpset } from "./onnx/opset.js";
import { findLinearWeights, type LinearWeight, type SkippedWeight, whyNoWeights } from "./onnx/weights.js";
import { convRewrite } from "./quantize/conv.js";
import { type ActivationCache, dynamicRewrite } from "./quantize/dynamic.js";
import { embeddingRewrite } from "./quantize/embedding.js";
import { weightOnlyRewrite } from "./quantize/weight-only.js";

export type { Granularity } from "../core/quantize-params.js";
export type { SkippedWeight } from "./onnx/weights.js";

export type QuantizeStyle = "weight-only" | "dynamic";
export const QUANTIZE_STYLES: readonly QuantizeStyle[] = ["weight-only", "dynamic"];
export const GRANULARITIES: readonly Granularity[] = ["per-channel", "per-tensor"];

export interface QuantizeOptions extends QuantizationScheme {
  style: QuantizeStyle;
}

export interface QuantizedWeightReport {
  name: string;
  /** The node that reads it, e.g. `Gemm "fc1"` (the first, for a table several Gathers read). */
  node: string;
  op: string;
  /** The nodes that now compute with it, e.g. `DequantizeLinear -> Conv`. */
  pattern: string;
  /** Float weight dims as stored in the input model. */
  shape: number[];
  granularity: Granularity;
  dtype: "int8" | "uint8";
  scale: { min: number; max: number };
  maxAbsError: number;
  bytesBefore: number;
  bytesAfter: number;
}

/** What raising the opset changed; `after` equals `before` when nothing was raised. */
export interface OpsetChange {
  before: number;
  after: number;
  irVersion: { before: number; after: number };
  /** The rewrite that needed the higher opset, e.g. `DequantizeLinear with per-channel scales (Conv "c1")`. */
  neededBy?: string;
  /** Op types now read under the new opset; each is vetted to keep its meaning (src/toolchain/onnx/opset.ts). */
  reinterpreted: string[];
}

export interface QuantizeReport {
  style: QuantizeStyle;
  granularity: Granularity;
  symmetric: boolean;
  opset: OpsetChange;
  weights: QuantizedWeightReport[];
  skipped: SkippedWeight[];
  bytesBefore: number;
  bytesAfter: number;
}

/** Why a model could not be quantized (nothing eligible, or an opset that cannot be raised safely). */
export class QuantizeError extends UnprocessableError {
  constructor(
    message: string,
    readonly skipped: SkippedWeight[] = [],
  ) {
    super(message);
  }
}

/** One weight to rewrite, whatever reads it. */
type Candidate =
  | { kind: "linear"; weight: LinearWeight }
  | { kind: "conv"; weight: ConvWeight }
  | { kind: "embedding"; weight: EmbeddingTable };

function candidateName(candidate: Candidate): string {
  return candidate.weight.name;
}

function firstReader(candidate: Candidate): NodeProto {
  return candidate.kind === "conv" ? candidate.weight.node : candidate.weight.users[0];
}

/**
 * The opset a rewrite needs and why: DequantizeLinear with a per-axis scale 13, DynamicQuantizeLinear
 * 11, per-tensor DequantizeLinear 10; a per-row table lookup (Gather, Cast, broadcasting Mul) 7.
 */
function opsetNeed(candidate: Candidate, options: QuantizeOptions): { opset: number; op: string } {
  const perChannel = options.granularity === "per-channel";
  if (candidate.kind === "linear" && options.style === "dynamic")
    return { opset: 11, op: "DynamicQuantizeLinear" };
  if (candidate.kind === "embedding" && perChannel) return { opset: 7, op: "Mul with broadcasting" };
  return perChannel
    ? { opset: 13, op: "DequantizeLinear with per-channel scales" }
    : { opset: 10, op: "DequantizeLinear" };
}

function requiredOpset(
  candidates: Candidate[],
  options: QuantizeOptions,
): { opset: number; neededBy?: string } {
  let required: { opset: number; neededBy?: string } = { opset: 0 };
  for (const candidate of candidates) {
    const need = opsetNeed(candidate, options);
    if (need.opset > required.opset)
      required = { opset: need.opset, neededBy: `${need.op} (${nodeLabel(firstReader(candidate))})` };
  }
  return required;
}

/** Default-domain op types anywhere in the model, the ones a raised opset re-reads. */
function defaultDomainOps(graph: GraphProto): string[] {
  const nodes = [...(graph.node ?? []), ...nestedNodes(graph).map((n) => n.node)];
  return [...new Set(nodes.filter(isDefaultDomain).map((n) => n.opType ?? ""))].sort();
}

function raiseOpsetFor(model: ModelProto, candidates: Candidate[], options: QuantizeOptions): OpsetChange {
  const before = defaultOpset(model);
  const irBefore = Number(model.irVersion);
  const { opset: target, neededBy } = requiredOpset(candidates, options);
  const blockers = opsetUpgradeBlockers(model, target);
  if (blockers.length > 0) {
    const perTensor = requiredOpset(candidates, { ...options, granularity: "per-tensor" }).opset;
    const hint =
      options.granularity === "per-channel" && opsetUpgradeBlockers(model, perTensor).length === 0
        ? `; per-tensor ${options.style} quantization needs only opset ${perTensor}`
        : "";
    throw new QuantizeError(
      `${options.style} ${options.granularity} quantization needs opset ${target} for ${neededBy} but the model uses opset ${before}, ` +
        `and raising it would change the meaning of ${blockers.join(", ")}${hint}`,
    );
  }
  const reinterpreted = target > before ? defaultDomainOps(model.graph as GraphProto) : [];
  raiseDefaultOpset(model, target);
  const after = defaultOpset(model);
  return {
    before,
    after,
    irVersion: { before: irBefore, after: Number(model.irVersion) },
    ...(after > before && neededBy ? { neededBy } : {}),
    reinterpreted,
  };
}

function tensorOf(candidate: Candidate): TensorProto {
  return candidate.weight.tensor;
}

/** Names read anywhere in the graph: nodes (and their subgraphs) and graph outputs. */
function readNames(graph: GraphProto): Set<string> {
  return new Set(tensorUses(graph).keys());
}

function candidatesOf(graph: GraphProto): {
  candidates: Candidate[];
  skipped: SkippedWeight[];
  candidateNodes: number;
} {
  const linear = findLinearWeights(graph, "skip");
  const conv = findConvWeights(graph);
  const embedding = findEmbeddingTables(graph);
  const all: Candidate[] = [
    ...linear.weights.map((weight) => ({ kind: "linear" as const, weight })),
    ...conv.weights.map((weight) => ({ kind: "conv" as const, weight })),
    ...embedding.tables.map((weight) => ({ kind: "embedding" as const, weight })),
  ];
  const skipped = [...linear.skipped, ...conv.skipped, ...embedding.skipped];
  const candidates = all.filter((candidate) => {
    if (readFloat32(tensorOf(candidate)).every(Number.isFinite)) return true;
    skipped.push({
      node: nodeLabel(firstReader(candidate)),
      weight: candidateName(candidate),
      reason: "weight holds NaN or Infinity",
    });
    return false;
  });
  return { candidates, skipped, candidateNodes: linear.linearNodes + conv.convNodes + embedding.lookups };
}

interface Applied {
  candidate: Candidate;
  replacements: Map<NodeProto, NodeProto[]>;
  initializers: TensorProto[];
  quantized: QuantizedWeight;
  dims: number[];
  pattern: string;
}

function rewrite(
  candidate: Candidate,
  options: QuantizeOptions,
  names: NameAllocator,
  activations: ActivationCache,
): Applied {
  if (candidate.kind === "embedding") {
    const result = embeddingRewrite(candidate.weight, options, names);
    const pattern =
      options.granularity === "per-channel"
        ? "Gather int8 rows x row scales"
        : "Gather int8 rows -> DequantizeLinear";
    return { candidate, ...result, pattern };
  }
  const node = firstReader(candidate);
  const result =
    candidate.kind === "conv"
      ? convRewrite(candidate.weight, options, names)
      : options.style === "dynamic"
        ? dynamicRewrite(candidate.weight, options, names, activations)
        : weightOnlyRewrite(candidate.weight, options, names);
  const pattern =
    candidate.kind === "linear" && options.style === "dynamic"
      ? "DynamicQuantizeLinear + MatMulInteger"
      : `DequantizeLinear -> ${node.opType}`;
  return {
    candidate,
    replacements: new Map([[node, result.nodes]]),
    initializers: result.initializers,
    quantized: result.quantized,
    dims: result.dims,
    pattern,
  };
}

export function quantizeModel(
  bytes: Uint8Array,
  options: QuantizeOptions,
): { bytes: Uint8Array; report: QuantizeReport } {
  const { model } = normalizeModel(bytes);
  const graph = model.graph as GraphProto;
  const { candidates, skipped, candidateNodes } = candidatesOf(graph);
  if (candidates.length === 0) {
    const why = whyNoWeights(
      graph,
      { candidateNodes, skipped },
      "MatMul, Gemm, Conv, ConvTranspose or embedding Gather",
    );
    throw new QuantizeError(`nothing to quantize: ${why}`, skipped);
  }
  const opset = raiseOpsetFor(model, candidates, options);

  const names = new NameAllocator(graph);
  const activations: ActivationCache = new Map();
  const byNode = new Map(candidates.map((c) => [firstReader(c), c]));
  const readBefore = readNames(graph);
  const applied: Applied[] = [];
  // In graph order, so a shared activation quantization is emitted before its first reader.
  for (const node of graph.node ?? []) {
    const candidate = byNode.get(node);
    if (candidate) applied.push(rewrite(candidate, options, names, activations));
  }
  const replacements = new Map(applied.flatMap((a) => [...a.replacements]));
  graph.node = (graph.node ?? []).flatMap((node) => replacements.get(node) ?? [node]);
  const added = new Map(applied.map((a) => [candidateName(a.candidate), a.initializers]));
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
    opset,
    weights: applied.map((a) => weightReport(a, options.granularity)),
    skipped,
    bytesBefore: bytes.byteLength,
    bytesAfter: output.byteLength,
  };
  return { bytes: output, report };
}

function weightReport(applied: Applied, granularity: Granularity): QuantizedWeightReport {
  const { quantized, candidate } = applied;
  const node = firstReader(candidate);
  const count = tensorOf(candidate).dims?.reduce<number>((n, d) => n * Number(d), 1) ?? 0;
  const zeroPointBytes = quantized.dtype === "uint8" ? 1 : 0;
  return {
    name: candidateName(candidate),
    node: nodeLabel(node),
    op: node.opType ?? "",
    pattern: applied.pattern,
    shape: (tensorOf(candidate).dims ?? []).map(Number),
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
