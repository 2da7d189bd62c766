/**
 * Bounds a graph puts on its inputs that their dtypes and shapes do not say, read from the graph by
 * `vane import` into the manifest's input specs (see InputBounds):
 *  - an integer input that indexes an embedding table (Gather on an initializer, through casts and
 *    reshapes) takes 0..rows-1;
 *  - a symbolic axis whose size slices a fixed table (a position-id buffer cut to the sequence
 *    length), or is the limit of a Range that indexes one (positions 0..n-1), is at most the table's
 *    length; every input that shares the axis's name shares the bound, since ONNX binds one size to
 *    one dim_param.
 * Outside them onnxruntime fails inside the graph at a node; checked before the run, the request is
 * refused naming the input.
 */
import type { InputBounds, TensorSpec } from "../../core/tensor.js";
import { intAttributeOf, nodeLabel } from "./graph.js";
import {
  DataType,
  type GraphProto,
  type ModelProto,
  type NodeProto,
  type TensorProto,
  tensorDims,
} from "./model.js";

/** Operators whose first input's values pass to their output unchanged (in another shape or type). */
const VALUE_PRESERVING = new Set([
  "Identity",
  "Cast",
  "Reshape",
  "Unsqueeze",
  "Squeeze",
  "Flatten",
  "Expand",
]);
const INTEGER = new Set(["int64", "int32", "int8", "uint8"]);

interface Tables {
  initializers: Map<string, TensorProto>;
  producers: Map<string, NodeProto>;
  consumers: Map<string, NodeProto[]>;
}

function tablesOf(graph: GraphProto): Tables {
  const initializers = new Map((graph.initializer ?? []).map((t) => [t.name ?? "", t]));
  const producers = new Map<string, NodeProto>();
  const consumers = new Map<string, NodeProto[]>();
  for (const node of graph.node ?? []) {
    for (const output of node.output ?? []) producers.set(output, node);
    for (const input of node.input ?? []) consumers.set(input, [...(consumers.get(input) ?? []), node]);
  }
  return { initializers, producers, consumers };
}

/** A constant integer tensor's values (an initializer), or null when it is computed. */
function constantInts(tables: Tables, name: string | undefined): number[] | null {
  const tensor = name ? tables.initializers.get(name) : undefined;
  if (!tensor || (tensor.dataType !== DataType.INT64 && tensor.dataType !== DataType.INT32)) return null;
  if (tensor.rawData && tensor.rawData.length > 0) {
    const raw = tensor.rawData.slice();
    return tensor.dataType === DataType.INT64
      ? Array.from(new BigInt64Array(raw.buffer, 0, raw.length / 8), Number)
      : Array.from(new Int32Array(raw.buffer, 0, raw.length / 4));
  }
  const values = tensor.dataType === DataType.INT64 ? tensor.int64Data : tensor.int32Data;
  return (values ?? []).map((v) => Number(typeof v === "object" && v !== null ? v.toString() : v));
}

/** The dims of a weight table: an initializer, or one dequantized (vane quantize's int8 tables). */
function tableDims(tables: Tables, name: string | undefined): { name: string; dims: number[] } | null {
  if (!name) return null;
  const tensor = tables.initializers.get(name);
  if (tensor) return { name, dims: tensorDims(tensor) };
  const producer = tables.producers.get(name);
  if (producer?.opType === "DequantizeLinear") return tableDims(tables, producer.input?.[0]);
  return null;
}

/** The value back through value-preserving operators to where it was made. */
function origin(tables: Tables, name: string): { name: string; node: NodeProto | undefined } {
  let current = name;
  for (let node = tables.producers.get(current); node && VALUE_PRESERVING.has(node.opType ?? ""); ) {
    current = node.input?.[0] ?? "";
    node = tables.producers.get(current);
  }
  return { name: current, node: tables.producers.get(current) };
}

/** Which input axis a one-element shape value is the size of (Shape, then Gather or Slice of it). */
function axisOf(
  tables: Tables,
  inputs: ReadonlySet<string>,
  name: string,
): { input: string; axis: number } | null {
  const { node } = origin(tables, name);
  if (!node) return null;
  if (node.opType === "Shape") {
    const input = node.input?.[0] ?? "";
    const start = intAttributeOf(node, "start", 0);
    const end = intAttributeOf(node, "end", start + 1);
    return inputs.has(input) && start >= 0 && end === start + 1 ? { input, axis: start } : null;
  }
  if (node.opType === "Gather" || node.opType === "Slice") {
    const shape = origin(tables, node.input?.[0] ?? "").node;
    if (shape?.opType !== "Shape" || !inputs.has(shape.input?.[0] ?? "")) return null;
    const index = constantInts(tables, node.input?.[1]);
    if (index?.length !== 1 || index[0] < 0) return null;
    if (node.opType === "Slice") {
      const end = constantInts(tables, node.input?.[2]);
      if (!end || end[0] !== index[0] + 1) return null;
    }
    return { input: shape.input?.[0] ?? "", axis: intAttributeOf(shape, "start", 0) + index[0] };
  }
  return null;
}

/** Every Gather whose indices are `name` or pass unchanged from it, with its table. */
function gathersFrom(tables: Tables, name: string): Array<{ node: NodeProto; rows: number; table: string }> {
  const found: Array<{ node: NodeProto; rows: number; table: string }> = [];
  const seen = new Set<string>();
  const visit = (value: string) => {
    if (seen.has(value)) return;
    seen.add(value);
    for (const node of tables.consumers.get(value) ?? []) {
      if (VALUE_PRESERVING.has(node.opType ?? "") && node.input?.[0] === value) {
        for (const output of node.output ?? []) visit(output);
      } else if (node.opType === "Gather" && node.input?.[1] === value) {
        const table = tableDims(tables, node.input?.[0]);
        const axis = intAttributeOf(node, "axis", 0);
        const rows = table?.dims[axis < 0 ? table.dims.length + axis : axis];
        if (table && rows !== undefined && rows > 0) found.push({ node, rows, table: table.name });
      }
    }
  };
  visit(name);
  return found;
}

interface AxisBound {
  input: string;
  axis: number;
  max: number;
  reason: string;
}

/** Sizes bounded by a table: Slice(table, 0, size) and Gather(table, Range(0, size)). */
function axisBounds(tables: Tables, inputs: ReadonlySet<string>, graph: GraphProto): AxisBound[] {
  const bounds: AxisBound[] = [];
  for (const node of graph.node ?? []) {
    if (node.opType === "Slice") {
      const table = tableDims(tables, node.input?.[0]);
      const starts = constantInts(tables, node.input?.[1]);
      const axes = node.input?.[3] ? constantInts(tables, node.input[3]) : [0];
      const size = axisOf(tables, inputs, node.input?.[2] ?? "");
      if (!table || !size || starts?.length !== 1 || starts[0] !== 0 || axes?.length !== 1) continue;
      const sliced = axes[0] < 0 ? table.dims.length + axes[0] : axes[0];
      const length = table.dims[sliced];
      if (length === undefined) continue;
      bounds.push({
        ...size,
        max: length,
        reason: `${nodeLabel(node)} cuts ${table.name}, ${length} long, to this length`,
      });
    } else if (node.opType === "Range") {
      const start = constantInts(tables, node.input?.[0]);
      const size = axisOf(tables, inputs, node.input?.[1] ?? "");
      if (!size || start?.length !== 1 || start[0] !== 0) continue;
      for (const gather of gathersFrom(tables, node.output?.[0] ?? "")) {
        bounds.push({
          ...size,
          max: gather.rows,
          reason: `positions 0..n-1 of this axis index the ${gather.rows} rows of ${gather.table} (${nodeLabel(gather.node)})`,
        });
      }
    }
  }
  return bounds;
}

/** The graph's inputs with the bounds it puts on them. */
export function withInputBounds(model: ModelProto, inputs: readonly TensorSpec[]): TensorSpec[] {
  const graph = model.graph;
  if (!graph) return [...inputs];
  const tables = tablesOf(graph);
  const names = new Set(inputs.map((input) => input.name));
  const found = axisBounds(tables, names, graph);
  // An axis's bound holds for every input axis of the same name.
  const byName = new Map<string, AxisBound>();
  for (const bound of found) {
    const dim = inputs.find((input) => input.name === bound.input)?.shape[bound.axis];
    const known = typeof dim === "string" ? byName.get(dim) : undefined;
    if (typeof dim === "string" && (!known || bound.max < known.max)) byName.set(dim, bound);
  }
  return inputs.map((input) => {
    const bounds: InputBounds = {};
    if (INTEGER.has(input.dtype)) {
      const gathers = gathersFrom(tables, input.name);
      if (gathers.length > 0) {
        const tightest = gathers.reduce((a, b) => (b.rows < a.rows ? b : a));
        bounds.values = {
          min: 0,
          max: tightest.rows - 1,
          reason: `it indexes the ${tightest.rows} rows of ${tightest.table} (${nodeLabel(tightest.node)})`,
        };
      }
    }
    const axes = input.shape.flatMap((dim, axis) => {
      const bound = typeof dim === "string" ? byName.get(dim) : undefined;
      if (!bound) return [];
      const via = bound.input === input.name ? "" : ` (axis ${dim}, shared with ${bound.input})`;
      return [{ axis, max: bound.max, reason: `${bound.reason}${via}` }];
    });
    if (axes.length > 0) bounds.axes = axes;
    return Object.keys(bounds).length > 0 ? { ...input, bounds } : input;
  });
}
