/**
 * Raising a model's default opset so that newly inserted ops (DequantizeLinear with an axis needs 13)
 * are valid. Raising the opset re-interprets every existing node under the newer operator versions, so
 * it is only done when each op present keeps its meaning up to opset 13.
 */
import { defaultOpset, intAttributeOf, isDefaultDomain, nestedNodes } from "./graph.js";
import type { GraphProto, ModelProto, NodeProto } from "./model.js";

/** The highest opset the table below vouches for. */
const MAX_UPGRADE_OPSET = 13;

/**
 * For each op: the lowest opset from which every later version up to 13 only adds types, optional
 * inputs or attributes with backward-compatible defaults. Ops whose signature or semantics changed
 * (Softmax's axis at 13, Squeeze/Unsqueeze/ReduceSum/Split moving attributes to inputs at 13, Pad and
 * Clip at 11, Slice and TopK at 10, Dropout at 12, ...) start at the version of that change; ops not
 * listed are never re-interpreted.
 */
const STABLE_FROM: Record<string, number> = {
  Abs: 6,
  Acos: 7,
  Add: 7,
  And: 7,
  ArgMax: 1,
  ArgMin: 1,
  Asin: 7,
  Atan: 7,
  AveragePool: 7,
  BatchNormalization: 9,
  Cast: 6,
  Ceil: 6,
  Celu: 12,
  Clip: 11,
  Concat: 4,
  Constant: 1,
  ConstantOfShape: 9,
  Conv: 1,
  Cos: 7,
  CumSum: 11,
  DequantizeLinear: 10,
  Div: 7,
  Dropout: 12,
  DynamicQuantizeLinear: 11,
  Einsum: 12,
  Elu: 6,
  Equal: 7,
  Erf: 9,
  Exp: 6,
  Expand: 8,
  Flatten: 1,
  Floor: 6,
  Gather: 1,
  GatherElements: 11,
  Gemm: 7,
  GlobalAveragePool: 1,
  GlobalMaxPool: 1,
  Greater: 7,
  GreaterOrEqual: 12,
  HardSigmoid: 6,
  Identity: 1,
  InstanceNormalization: 6,
  IsInf: 10,
  IsNaN: 9,
  LeakyRelu: 6,
  Less: 7,
  LessOrEqual: 12,
  Log: 6,
  LRN: 1,
  MatMul: 1,
  MatMulInteger: 10,
  Max: 8,
  MaxPool: 1,
  Mean: 8,
  Min: 8,
  Mul: 7,
  Neg: 6,
  NonZero: 9,
  Not: 1,
  OneHot: 11,
  Or: 7,
  Pad: 11,
  Pow: 7,
  QuantizeLinear: 10,
  Range: 11,
  Reciprocal: 6,
  ReduceL1: 1,
  ReduceL2: 1,
  ReduceLogSumExp: 1,
  ReduceMax: 1,
  ReduceMean: 1,
  ReduceMin: 1,
  ReduceProd: 1,
  Relu: 6,
  Reshape: 5,
  ScatterElements: 11,
  Selu: 6,
  Shape: 1,
  Sigmoid: 6,
  Sign: 9,
  Sin: 7,
  Slice: 10,
  Softplus: 1,
  Softsign: 1,
  Sqrt: 6,
  Sub: 7,
  Sum: 8,
  Tan: 7,
  Tanh: 6,
  Tile: 6,
  TopK: 10,
  Transpose: 1,
  Where: 9,
  Xor: 7,
};

/** The IR version each opset first appeared in; ONNX Runtime rejects an opset newer than the IR version. */
const MIN_IR_VERSION: Record<number, number> = { 10: 5, 11: 6, 12: 7, 13: 7 };

/**
 * The default-domain op types (subgraphs included) that would change meaning if the model's default
 * opset were raised to `target`; empty when no upgrade is needed or it is safe.
 */
export function opsetUpgradeBlockers(model: ModelProto, target: number): string[] {
  if (target > MAX_UPGRADE_OPSET)
    throw new RangeError(`opset upgrades are vetted up to ${MAX_UPGRADE_OPSET}`);
  const current = defaultOpset(model);
  if (current >= target) return [];
  const graph = model.graph;
  const nodes = [...(graph?.node ?? []), ...(graph ? nestedNodes(graph).map((n) => n.node) : [])];
  const ranks = graph ? declaredRanks(graph) : new Map<string, number>();
  const blockers = new Set<string>();
  for (const node of nodes) {
    if (!isDefaultDomain(node)) continue;
    const stableFrom = STABLE_FROM[node.opType ?? ""];
    if (stableFrom !== undefined && current >= stableFrom) continue;
    if (target <= 13 && normalizesLastAxis(node, ranks)) continue;
    blockers.add(node.opType ?? "");
  }
  return [...blockers].sort();
}

/** Ranks of the tensors whose shape the graph declares (inputs, outputs, value_info). */
function declaredRanks(graph: GraphProto): Map<string, number> {
  const ranks = new Map<string, number>();
  for (const info of [...(graph.input ?? []), ...(graph.output ?? []), ...(graph.valueInfo ?? [])]) {
    const dims = info.type?.tensorType?.shape?.dim;
    if (info.name && dims) ranks.set(info.name, dims.length);
  }
  return ranks;
}

/**
 * Softmax, LogSoftmax and Hardmax before 13 flatten the input to 2-D at `axis` and normalise the
 * second part; from 13 they normalise along `axis` alone. Both agree when `axis` is the last one.
 */
function normalizesLastAxis(node: NodeProto, ranks: Map<string, number>): boolean {
  if (!["Softmax", "LogSoftmax", "Hardmax"].includes(node.opType ?? "")) return false;
  const axis = intAttributeOf(node, "axis", 1);
  if (axis === -1) return true;
  const rank = ranks.get(node.input?.[0] ?? "") ?? ranks.get(node.output?.[0] ?? "");
  return rank !== undefined && axis === rank - 1;
}

/** Raises the default opset (and the IR version with it) to at least `target`. */
export function raiseDefaultOpset(model: ModelProto, target: number): void {
  if (defaultOpset(model) >= target) return;
  const imports = model.opsetImport.filter((o) => o.domain && o.domain !== "ai.onnx");
  model.opsetImport = [{ domain: "", version: target }, ...imports] as ModelProto["opsetImport"];
  const minimum = MIN_IR_VERSION[target] ?? 7;
  if (Number(model.irVersion) < minimum) model.irVersion = minimum;
}
