/**
 * Graph inspection and rewriting helpers shared by the quantizer and the pruner: attribute reads,
 * who consumes which tensor (including from inside subgraphs), fresh names, and the default opset.
 */
import type { AttributeProto, GraphProto, ModelProto, NodeProto } from "./model.js";

export function isDefaultDomain(node: NodeProto): boolean {
  return !node.domain || node.domain === "ai.onnx";
}

export function nodeLabel(node: NodeProto): string {
  return node.name ? `${node.opType} "${node.name}"` : `${node.opType} (output "${node.output?.[0] ?? "?"}")`;
}

function findAttribute(node: NodeProto, name: string): AttributeProto | undefined {
  return node.attribute?.find((a) => a.name === name);
}

export function intAttributeOf(node: NodeProto, name: string, fallback: number): number {
  const attribute = findAttribute(node, name);
  return attribute?.i === undefined || attribute.i === null ? fallback : Number(attribute.i);
}

export function floatAttributeOf(node: NodeProto, name: string, fallback: number): number {
  const attribute = findAttribute(node, name);
  return attribute?.f === undefined || attribute.f === null ? fallback : Number(attribute.f);
}

/** Subgraphs held by a node's attributes (If branches, Loop and Scan bodies). */
export function subgraphsOf(node: NodeProto): GraphProto[] {
  const graphs: GraphProto[] = [];
  for (const attribute of node.attribute ?? []) {
    if (attribute.g) graphs.push(attribute.g);
    for (const graph of attribute.graphs ?? []) graphs.push(graph);
  }
  return graphs;
}

/** One use of a tensor: an input slot of a top-level node, a subgraph that reads it, or a graph output. */
export type TensorUse =
  | { kind: "input"; node: NodeProto; slot: number }
  | { kind: "subgraph"; node: NodeProto }
  | { kind: "graph-output" };

/**
 * Every use of every tensor name in the top-level graph. A subgraph may read outer tensors by name,
 * so any name a subgraph node reads counts as a use by the node that owns the subgraph; a local name
 * that merely shadows an outer one is over-counted, which only makes callers more cautious.
 */
export function tensorUses(graph: GraphProto): Map<string, TensorUse[]> {
  const uses = new Map<string, TensorUse[]>();
  const add = (name: string, use: TensorUse) => {
    if (!name) return;
    const list = uses.get(name);
    if (list) list.push(use);
    else uses.set(name, [use]);
  };
  for (const node of graph.node ?? []) {
    (node.input ?? []).forEach((name, slot) => {
      add(name, { kind: "input", node, slot });
    });
    const inner = new Set<string>();
    for (const subgraph of subgraphsOf(node)) collectReads(subgraph, inner);
    for (const name of inner) add(name, { kind: "subgraph", node });
  }
  for (const output of graph.output ?? []) add(output.name ?? "", { kind: "graph-output" });
  return uses;
}

function collectReads(graph: GraphProto, into: Set<string>): void {
  for (const node of graph.node ?? []) {
    for (const name of node.input ?? []) if (name) into.add(name);
    for (const subgraph of subgraphsOf(node)) collectReads(subgraph, into);
  }
  for (const output of graph.output ?? []) if (output.name) into.add(output.name);
}

/** Nodes inside subgraphs, with the top-level node that owns them. */
export function nestedNodes(graph: GraphProto): Array<{ node: NodeProto; owner: NodeProto }> {
  const found: Array<{ node: NodeProto; owner: NodeProto }> = [];
  const walk = (inner: GraphProto, owner: NodeProto) => {
    for (const node of inner.node ?? []) {
      found.push({ node, owner });
      for (const subgraph of subgraphsOf(node)) walk(subgraph, owner);
    }
  };
  for (const node of graph.node ?? []) for (const subgraph of subgraphsOf(node)) walk(subgraph, node);
  return found;
}

/** Hands out tensor and node names that collide with nothing already in the graph, subgraphs included. */
export class NameAllocator {
  private readonly taken = new Set<string>();

  constructor(graph: GraphProto) {
    this.addGraph(graph);
  }

  private addGraph(graph: GraphProto): void {
    for (const list of [graph.input, graph.output, graph.valueInfo, graph.initializer]) {
      for (const item of list ?? []) if (item.name) this.taken.add(item.name);
    }
    for (const sparse of graph.sparseInitializer ?? [])
      if (sparse.values?.name) this.taken.add(sparse.values.name);
    for (const node of graph.node ?? []) {
      if (node.name) this.taken.add(node.name);
      for (const name of [...(node.input ?? []), ...(node.output ?? [])]) if (name) this.taken.add(name);
      for (const subgraph of subgraphsOf(node)) this.addGraph(subgraph);
    }
  }

  fresh(base: string): string {
    let name = base;
    for (let i = 1; this.taken.has(name); i++) name = `${base}_${i}`;
    this.taken.add(name);
    return name;
  }
}

/** The version of the default ("ai.onnx") operator set the model imports, or 0 if it imports none. */
export function defaultOpset(model: ModelProto): number {
  const entry = model.opsetImport?.find((o) => !o.domain || o.domain === "ai.onnx");
  return entry ? Number(entry.version) : 0;
}
