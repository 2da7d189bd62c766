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

/**
 * @param shared "skip": a weight read by several nodes is reported and left alone (rewriting it would
 *   need one rewrite per reader); "allow": it is returned once with all its MatMul/Gemm readers.
 */
export function findLinearWeights(graph: GraphProto, shared: "skip" | "allow"): WeightSearch {
  const initializers = new Map((graph.initializer ?? []).map((t) => [t.name ?? "", t]));
  const graphInputs = new Set((graph.input ?? []).map((i) => i.name ?? ""));
  const sparse = new Set((graph.sparseInitializer ?? []).map((s) => s.values?.name ?? ""));
  const constants = new Set(
    (graph.node ?? [])
      .filter((n) => isDefaultDomain(n) && n.opType === "Constant")
      .flatMap((n) => n.output ?? []),
  );
  const uses = tensorUses(graph);
  const weights = new Map<string, LinearWeight>();
  const skipped: SkippedWeight[] = [];
  const reported = new Set<string>();
  const skip = (node: NodeProto, reason: string, weight?: string) => {
    const key = `${weight ?? nodeLabel(node)}\u0000${reason}`;
    if (reported.has(key)) return;
    reported.add(key);
    skipped.push({ node: nodeLabel(node), ...(weight === undefined ? {} : { weight }), reason });
  };

  const linear = (graph.node ?? []).filter(isLinearNode);
  for (const node of linear) {
    const [a = "", b = ""] = node.input ?? [];
    const tensor = initializers.get(b);
    if (!tensor) {
      if (sparse.has(b)) skip(node, `weight "${b}" is a sparse initializer`, b);
      else if (constants.has(b))
        skip(node, `weight "${b}" comes from a Constant node, not an initializer`, b);
      else if (initializers.has(a)) {
        skip(
          node,
          `its constant operand "${a}" is the left input; only right-hand (B) weights are handled`,
          a,
        );
      } else if (graphInputs.has(b)) skip(node, `its B input "${b}" is a graph input, not an initializer`, b);
      else skip(node, "both inputs are activations");
      continue;
    }
    if (graphInputs.has(b)) {
      skip(node, `weight "${b}" is also a graph input, so it can be replaced at run time`, b);
      continue;
    }
    if (tensor.dataType !== DataType.FLOAT) {
      skip(node, `weight "${b}" is ${DataType[tensor.dataType ?? 0] ?? tensor.dataType}, not float32`, b);
      continue;
    }
    if (tensor.dataLocation === onnx.TensorProto.DataLocation.EXTERNAL) {
      skip(node, `weight "${b}" is stored as external data (loadModel inlines it)`, b);
      continue;
    }
    const dims = tensorDims(tensor);
    if (dims.length !== 2) {
      skip(node, `weight "${b}" has shape [${dims.join(", ")}]; only 2-D weights are handled`, b);
      continue;
    }
    if (dims[0] * dims[1] === 0) {
      skip(node, `weight "${b}" is empty (shape [${dims.join(", ")}])`, b);
      continue;
    }
    if (!holdsData(tensor, dims[0] * dims[1])) {
      skip(node, `weight "${b}" holds no data for its shape [${dims.join(", ")}]`, b);
      continue;
    }
    const readers = uses.get(b) ?? [];
    const foreign = readers.filter((u) => !(u.kind === "input" && u.slot === 1 && isLinearNode(u.node)));
    if (foreign.length > 0) {
      const what = foreign.map(describeUse).join(", ");
      skip(node, `weight "${b}" also feeds ${what}, which compression does not rewrite`, b);
      continue;
    }
    const users = readers.flatMap((u) => (u.kind === "input" ? [u.node] : []));
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

/** Why a search found no weight to rewrite, for an error message. */
export function whyNoWeights(
  graph: GraphProto,
  search: { linearNodes: number; skipped: SkippedWeight[] },
): string {
  if (search.linearNodes === 0) {
    return `the model has no MatMul or Gemm node (its ops: ${opTypes(graph).join(", ")})`;
  }
  return search.skipped.map((s) => `${s.node}: ${s.reason}`).join("; ");
}
