/**
 * Finds the weights of MatMul and Gemm nodes that a compression pass may rewrite: 2-D float32
 * initializers read as the B operand, and nothing else. Everything else is reported with the reason
 * it was left alone, so a user can tell "nothing to do" from "the tool did not understand".
 */
import {
  intAttributeOf,
  isDefaultDomain,
  nestedNodes,
  nodeLabel,
  subgraphsOf,
  type TensorUse,
  tensorUses,
} from "./graph.js";
import { DataType, type GraphProto, type NodeProto, onnx, type TensorProto, tensorDims } from "./model.js";

export interface LinearWeight {
  name: string;
  tensor: TensorProto;
  /** The MatMul/Gemm nodes reading the weight as B (one unless shared weights were allowed). */
  users: NodeProto[];
  /** Stored dims: [N, K] when the (first) reader is a Gemm with transB=1, else [K, N]. */
  dims: [number, number];
  transposed: boolean;
  /** Inner (reduction) size and output channels of the effective [K, N] weight. */
  k: number;
  n: number;
}

export interface SkippedWeight {
  /** The node concerned, e.g. `MatMul "fc1"`. */
  node: string;
  weight?: string;
  reason: string;
}

export interface WeightSearch {
  weights: LinearWeight[];
  skipped: SkippedWeight[];
  /** MatMul and Gemm nodes anywhere in the model, subgraphs included. */
  linearNodes: number;
}

function isLinearNode(node: NodeProto): boolean {
  return isDefaultDomain(node) && (node.opType === "MatMul" || node.opType === "Gemm");
}

function describeUse(use: TensorUse): string {
  if (use.kind === "graph-output") return "a graph output";
  if (use.kind === "subgraph") return `the subgraph of ${nodeLabel(use.node)}`;
  const domain = isDefaultDomain(use.node) ? "" : ` (domain ${use.node.domain})`;
  return `${nodeLabel(use.node)}${domain} as input ${use.slot}`;
}

function holdsData(tensor: TensorProto, count: number): boolean {
  return (tensor.rawData?.length ?? 0) === count * 4 || (tensor.floatData?.length ?? 0) === count;
}

/** What a graph offers the weight finders: its initializers and who reads each tensor. */
export interface WeightContext {
  initializers: Map<string, TensorProto>;
  graphInputs: Set<string>;
  sparse: Set<string>;
  constants: Set<string>;
  uses: Map<string, TensorUse[]>;
}

export function weightContext(graph: GraphProto): WeightContext {
  return {
    initializers: new Map((graph.initializer ?? []).map((t) => [t.name ?? "", t])),
    graphInputs: new Set((graph.input ?? []).map((i) => i.name ?? "")),
    sparse: new Set((graph.sparseInitializer ?? []).map((s) => s.values?.name ?? "")),
    constants: new Set(
      (graph.node ?? [])
        .filter((n) => isDefaultDomain(n) && n.opType === "Constant")
        .flatMap((n) => n.output ?? []),
    ),
    uses: tensorUses(graph),
  };
}

export type WeightCheck =
  | { ok: true; tensor: TensorProto; dims: number[]; users: NodeProto[] }
  | { ok: false; reason: string };

/**
 * Whether initializer `name` is a float32 weight of rank `ranks` that a rewrite may replace: it holds
 * its data, cannot be swapped at run time, and every reader is a use the rewrite knows (`ownUse`).
 * A name that is no initializer at all is reported by the caller, which knows what the slot means.
 */
export function checkWeight(
  context: WeightContext,
  name: string,
  ranks: (rank: number) => boolean,
  rankText: string,
  ownUse: (use: TensorUse) => boolean,
): WeightCheck {
  const tensor = context.initializers.get(name);
  if (!tensor) {
    if (context.sparse.has(name)) return { ok: false, reason: `weight "${name}" is a sparse initializer` };
    if (context.constants.has(name))
      return { ok: false, reason: `weight "${name}" comes from a Constant node, not an initializer` };
    return { ok: false, reason: `"${name}" is not an initializer` };
  }
  if (context.graphInputs.has(name))
    return { ok: false, reason: `weight "${name}" is also a graph input, so it can be replaced at run time` };
  if (tensor.dataType !== DataType.FLOAT) {
    const type = DataType[tensor.dataType ?? 0] ?? tensor.dataType;
    return { ok: false, reason: `weight "${name}" is ${type}, not float32` };
  }
  if (tensor.dataLocation === onnx.TensorProto.DataLocation.EXTERNAL)
    return { ok: false, reason: `weight "${name}" is stored as external data (loadModel inlines it)` };
  const dims = tensorDims(tensor);
  if (!ranks(dims.length))
    return {
      ok: false,
      reason: `weight "${name}" has shape [${dims.join(", ")}]; only ${rankText} weights are handled`,
    };
  const count = dims.reduce((a, b) => a * b, 1);
  if (count === 0) return { ok: false, reason: `weight "${name}" is empty (shape [${dims.join(", ")}])` };
  if (!holdsData(tensor, count))
    return { ok: false, reason: `weight "${name}" holds no data for its shape [${dims.join(", ")}]` };
  const readers = context.uses.get(name) ?? [];
  const foreign = readers.filter((u) => !ownUse(u));
  if (foreign.length > 0) {
    const what = foreign.map(describeUse).join(", ");
    return { ok: false, reason: `weight "${name}" also feeds ${what}, which compression does not rewrite` };
  }
  return { ok: true, tensor, dims, users: readers.flatMap((u) => (u.kind === "input" ? [u.node] : [])) };
}

/** Reports each (weight, reason) once, however many nodes hit it. */
export function skipList(): {
  skipped: SkippedWeight[];
  skip: (node: NodeProto, reason: string, weight?: string) => void;
} {
  const skipped: SkippedWeight[] = [];
  const reported = new Set<string>();
  const skip = (node: NodeProto, reason: string, weight?: string) => {
    const key = `${weight ?? nodeLabel(node)}\u0000${reason}`;
    if (reported.has(key)) return;
    reported.add(key);
    skipped.push({ node: nodeLabel(node), ...(weight === undefined ? {} : { weight }), reason });
  };
  return { skipped, skip };
}

const isLinearWeightUse = (u: TensorUse) => u.kind === "input" && u.slot === 1 && isLinearNode(u.node);

/**
 * @param shared "skip": a weight read by several nodes is reported and left alone (rewriting it would
 *   need one rewrite per reader); "allow": it is returned once with all its MatMul/Gemm readers.
 */
export function findLinearWeights(graph: GraphProto, shared: "skip" | "allow"): WeightSearch {
  const context = weightContext(graph);
  const weights = new Map<string, LinearWeight>();
  const { skipped, skip } = skipList();

  const linear = (graph.node ?? []).filter(isLinearNode);
  for (const node of linear) {
    const [a = "", b = ""] = node.input ?? [];
    if (!context.initializers.has(b) && !context.sparse.has(b) && !context.constants.has(b)) {
      if (context.initializers.has(a)) {
        skip(
          node,
          `its constant operand "${a}" is the left input; only right-hand (B) weights are handled`,
          a,
        );
      } else if (context.graphInputs.has(b))
        skip(node, `its B input "${b}" is a graph input, not an initializer`, b);
      else
        skip(node, "both inputs are activations (as in attention's QK^T and scores x V): there is no weight");
      continue;
    }
    const check = checkWeight(context, b, (rank) => rank === 2, "2-D", isLinearWeightUse);
    if (!check.ok) {
      skip(node, check.reason, b);
      continue;
    }
    const { tensor, dims, users } = check;
    if (users.length > 1 && shared === "skip") {
      skip(node, `weight "${b}" is shared by ${users.length} nodes (${users.map(nodeLabel).join(", ")})`, b);
      continue;
    }
    if (weights.has(b)) continue;
    const transposed = node.opType === "Gemm" && intAttributeOf(node, "transB", 0) !== 0;
    const [k, n] = transposed ? [dims[1], dims[0]] : [dims[0], dims[1]];
    weights.set(b, { name: b, tensor, users, dims: [dims[0], dims[1]], transposed, k, n });
  }

  const nested = nestedNodes(graph).filter(({ node }) => isLinearNode(node));
  for (const { node, owner } of nested) {
    skip(node, `it is inside the subgraph of ${nodeLabel(owner)}; only top-level nodes are rewritten`);
  }
  return { weights: [...weights.values()], skipped, linearNodes: linear.length + nested.length };
}

function opTypes(graph: GraphProto): string[] {
  const types = new Set<string>();
  const walk = (g: GraphProto) => {
    for (const node of g.node ?? []) {
      types.add(isDefaultDomain(node) ? (node.opType ?? "") : `${node.opType} (${node.domain})`);
      for (const subgraph of subgraphsOf(node)) walk(subgraph);
    }
  };
  walk(graph);
  return [...types].sort();
}

/**
 * Why a search found no weight to rewrite, for an error message. `candidates` names the node kinds
 * searched ("MatMul or Gemm"); `candidateNodes` counts them in the model.
 */
export function whyNoWeights(
  graph: GraphProto,
  search: { candidateNodes: number; skipped: SkippedWeight[] },
  candidates: string,
): string {
  if (search.candidateNodes === 0) {
    return `the model has no ${candidates} node (its ops: ${opTypes(graph).join(", ")})`;
  }
  return search.skipped.map((s) => `${s.node}: ${s.reason}`).join("; ");
}
