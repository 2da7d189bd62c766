/**
 * What a graph says about itself: its inputs and outputs as vane's tensor specs (name, dtype, fixed
 * and symbolic dims) and the operator sets it imports. `vane import` writes these into the manifest
 * and `vane publish` checks a manifest against them.
 */
import { UnprocessableError } from "../../core/errors.js";
import type { TensorDType, TensorSpec } from "../../core/tensor.js";
import { DataType, type ModelProto } from "./model.js";

export interface GraphSignature {
  inputs: TensorSpec[];
  outputs: TensorSpec[];
  /** Operator set version by domain ("ai.onnx" for the default one). */
  opsets: Record<string, number>;
  producer: string;
}

const DTYPES = new Map<number, TensorDType>([
  [DataType.FLOAT, "float32"],
  [DataType.INT64, "int64"],
  [DataType.INT32, "int32"],
  [DataType.INT8, "int8"],
  [DataType.UINT8, "uint8"],
  [DataType.BOOL, "bool"],
]);

const DTYPE_NAMES: Record<number, string> = Object.fromEntries(
  Object.entries(DataType).map(([name, code]) => [code, name.toLowerCase()]),
);

type ValueInfo = NonNullable<NonNullable<ModelProto["graph"]>["input"]>[number];

function specOf(value: ValueInfo, role: "input" | "output"): TensorSpec {
  const name = value.name ?? "";
  const type = value.type;
  const tensor = type?.tensorType;
  if (!tensor) {
    const form = type?.sequenceType ? "a sequence" : type?.mapType ? "a map" : "not a tensor";
    throw new UnprocessableError(
      `${role} ${name} is ${form}; vane serves tensor ${role}s only (a scikit-learn model converted with ZipMap: convert it with zipmap=False)`,
    );
  }
  const dtype = DTYPES.get(Number(tensor.elemType));
  if (!dtype) {
    const found = DTYPE_NAMES[Number(tensor.elemType)] ?? `data type ${tensor.elemType}`;
    throw new UnprocessableError(
      `${role} ${name} is ${found}; vane carries float32, int64, int32, int8, uint8 and bool tensors (cast it in the graph)`,
    );
  }
  if (!tensor.shape) {
    throw new UnprocessableError(
      `${role} ${name} declares no shape; export it with one (dynamic axes named)`,
    );
  }
  const shape = (tensor.shape.dim ?? []).map((dim, axis) => {
    if (dim.dimParam) return dim.dimParam;
    if (dim.dimValue !== null && dim.dimValue !== undefined) return Number(dim.dimValue);
    // An unnamed dynamic axis: the first is the batch by every exporter's convention.
    return axis === 0 ? "batch" : `${name}_${axis}`;
  });
  return { name, dtype, shape };
}

export function graphSignature(model: ModelProto): GraphSignature {
  const graph = model.graph;
  if (!graph) throw new UnprocessableError("the model has no graph");
  const initializers = new Set((graph.initializer ?? []).map((tensor) => tensor.name));
  // Older exporters list initializers among the inputs too; those are weights, not inputs.
  const inputs = (graph.input ?? []).filter((input) => !initializers.has(input.name));
  if (inputs.length === 0) throw new UnprocessableError("the graph takes no inputs");
  const opsets: Record<string, number> = {};
  for (const entry of model.opsetImport ?? []) opsets[entry.domain || "ai.onnx"] = Number(entry.version);
  return {
    inputs: inputs.map((input) => specOf(input, "input")),
    outputs: (graph.output ?? []).map((output) => specOf(output, "output")),
    opsets,
    producer: [model.producerName, model.producerVersion].filter(Boolean).join(" "),
  };
}
