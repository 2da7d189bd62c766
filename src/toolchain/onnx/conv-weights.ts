/**
 * Finds the weights of Conv and ConvTranspose nodes a quantizer may rewrite: float32 initializers of
 * rank 3 or more read as the W input by exactly one such node. Output channels are axis 0 of a Conv
 * weight [M, C/group, k...] and axis 1 of a ConvTranspose weight [C, M/group, k...].
 */
import { isDefaultDomain, nestedNodes, nodeLabel } from "./graph.js";
import type { GraphProto, NodeProto, TensorProto } from "./model.js";
import { checkWeight, type SkippedWeight, skipList, weightContext } from "./weights.js";

export interface ConvWeight {
  name: string;
  tensor: TensorProto;
  node: NodeProto;
  dims: number[];
  /** The axis of the output channels. */
  channelAxis: number;
}

export function isConvNode(node: NodeProto): boolean {
  return isDefaultDomain(node) && (node.opType === "Conv" || node.opType === "ConvTranspose");
}

export function findConvWeights(graph: GraphProto): {
  weights: ConvWeight[];
  skipped: SkippedWeight[];
  /** Conv and ConvTranspose nodes anywhere in the model, subgraphs included. */
  convNodes: number;
} {
  const context = weightContext(graph);
  const { skipped, skip } = skipList();
  const weights: ConvWeight[] = [];
  const convs = (graph.node ?? []).filter(isConvNode);
  for (const node of convs) {
    const w = node.input?.[1] ?? "";
    if (!context.initializers.has(w) && !context.sparse.has(w) && !context.constants.has(w)) {
      skip(node, `its weight "${w}" is computed at run time, not an initializer`, w);
      continue;
    }
    const check = checkWeight(
      context,
      w,
      (rank) => rank >= 3,
      "3-D and higher",
      (use) => use.kind === "input" && use.slot === 1 && isConvNode(use.node),
    );
    if (!check.ok) {
      skip(node, check.reason, w);
      continue;
    }
    if (check.users.length > 1) {
      skip(
        node,
        `weight "${w}" is shared by ${check.users.length} nodes (${check.users.map(nodeLabel).join(", ")})`,
        w,
      );
      continue;
    }
    const channelAxis = node.opType === "ConvTranspose" ? 1 : 0;
    weights.push({ name: w, tensor: check.tensor, node, dims: check.dims, channelAxis });
  }
  const nested = nestedNodes(graph).filter(({ node }) => isConvNode(node));
  for (const { node, owner } of nested) {
    skip(node, `it is inside the subgraph of ${nodeLabel(owner)}; only top-level nodes are rewritten`);
  }
  return { weights, skipped, convNodes: convs.length + nested.length };
}
