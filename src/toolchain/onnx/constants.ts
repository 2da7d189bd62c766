/**
 * Moving constant tensors out of `Constant` nodes into graph initializers. Some exporters (Paddle2ONNX,
 * PaddleOCR's models) store every weight this way; the quantizer and pruner read initializers, so
 * without this step they would see no weights at all. The graph computes exactly what it did before.
 */
import { isDefaultDomain } from "./graph.js";
import {
  type AttributeProto,
  DataType,
  type GraphProto,
  type ModelProto,
  type NodeProto,
  type TensorProto,
  valueInfo,
} from "./model.js";

/** The tensor a Constant node holds, or undefined for forms that are not dense tensors (sparse_value). */
function constantTensor(attribute: AttributeProto, name: string): TensorProto | undefined {
  switch (attribute.name) {
    case "value":
      return attribute.t ? { ...attribute.t, name } : undefined;
    case "value_float":
      return { name, dims: [], dataType: DataType.FLOAT, floatData: [Number(attribute.f ?? 0)] };
    case "value_floats":
      return {
        name,
        dims: [attribute.floats?.length ?? 0],
        dataType: DataType.FLOAT,
        floatData: (attribute.floats ?? []).map(Number),
      };
    case "value_int":
      return { name, dims: [], dataType: DataType.INT64, int64Data: [attribute.i ?? 0] };
    case "value_ints":
      return {
        name,
        dims: [attribute.ints?.length ?? 0],
        dataType: DataType.INT64,
        int64Data: attribute.ints ?? [],
      };
    case "value_string":
      return { name, dims: [], dataType: DataType.STRING, stringData: attribute.s ? [attribute.s] : [] };
    case "value_strings":
      return {
        name,
        dims: [attribute.strings?.length ?? 0],
        dataType: DataType.STRING,
        stringData: attribute.strings ?? [],
      };
    default:
      return undefined;
  }
}

function liftable(node: NodeProto, outputs: Set<string>): TensorProto | undefined {
  if (!isDefaultDomain(node) || node.opType !== "Constant") return undefined;
  const [output] = node.output ?? [];
  // A graph output produced by an initializer is legal but handled unevenly by runtimes; leave it.
  if (!output || outputs.has(output) || node.attribute?.length !== 1) return undefined;
  return constantTensor(node.attribute[0], output);
}

/**
 * Replaces each top-level Constant node by an initializer of the same name and returns the names
 * moved. Subgraph Constants stay where they are: the compression passes only rewrite the top level.
 */
export function liftConstants(model: ModelProto): string[] {
  const graph = model.graph as GraphProto;
  const outputs = new Set((graph.output ?? []).map((o) => o.name ?? ""));
  const lifted: TensorProto[] = [];
  graph.node = (graph.node ?? []).filter((node) => {
    const tensor = liftable(node, outputs);
    if (tensor) lifted.push(tensor);
    return !tensor;
  });
  graph.initializer = [...(graph.initializer ?? []), ...lifted];
  // Before IR version 4 every initializer also had to be declared as a graph input.
  if (Number(model.irVersion) < 4) {
    const inputs = lifted.map((t) => valueInfo(t.name ?? "", t.dataType ?? 0, (t.dims ?? []).map(Number)));
    graph.input = [...(graph.input ?? []), ...inputs];
  }
  return lifted.map((t) => t.name ?? "");
}
