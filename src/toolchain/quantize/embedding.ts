/**
 * Embedding tables as int8 rows, dequantized after the lookup: Gather picks int8 rows and their
 * scales (one per row, or one for the table), and only the rows gathered are turned back into float.
 * Unlike DequantizeLinear in front of the Gather, which the Worker's session options would fold into
 * a float table at load, the table stays int8 in the session's memory too.
 */

import { type QuantizationScheme, type QuantizedWeight, quantizeWeight } from "../../core/quantize-params.js";
import type { EmbeddingTable } from "../onnx/embedding-tables.js";
import type { NameAllocator } from "../onnx/graph.js";
import {
  DataType,
  intAttribute,
  makeNode,
  type NodeProto,
  readFloat32,
  type TensorProto,
} from "../onnx/model.js";
import { type StoredQuantizedWeight, storeQuantizedWeight } from "./rewrite.js";

export interface EmbeddingRewrite {
  /** For each Gather reading the table, the nodes that replace it. */
  replacements: Map<NodeProto, NodeProto[]>;
  initializers: TensorProto[];
  quantized: QuantizedWeight;
  dims: number[];
}

/** Per row: out = (float(q[ids]) - zero[ids]) * scale[ids], with scale and zero stored as [rows, 1]. */
function perRowLookup(gather: NodeProto, stored: StoredQuantizedWeight, names: NameAllocator): NodeProto[] {
  const [, ids = ""] = gather.input ?? [];
  const output = gather.output?.[0] ?? "";
  const fresh = (base: string) => names.fresh(base);
  const rows = fresh(`${output}_int8`);
  const rowsFloat = fresh(`${output}_rows`);
  const scales = fresh(`${output}_row_scale`);
  const nodes = [
    makeNode("Gather", [stored.values, ids], [rows], [], fresh(`${rows}_node`)),
    makeNode("Cast", [rows], [rowsFloat], [intAttribute("to", DataType.FLOAT)], fresh(`${rowsFloat}_node`)),
    makeNode("Gather", [stored.scale, ids], [scales], [], fresh(`${scales}_node`)),
  ];
  let centred = rowsFloat;
  if (stored.zeroPoint) {
    const zero = fresh(`${output}_row_zero_point`);
    const zeroFloat = fresh(`${output}_row_zero_float`);
    centred = fresh(`${output}_centred`);
    nodes.push(
      makeNode("Gather", [stored.zeroPoint, ids], [zero], [], fresh(`${zero}_node`)),
      makeNode("Cast", [zero], [zeroFloat], [intAttribute("to", DataType.FLOAT)], fresh(`${zeroFloat}_node`)),
      makeNode("Sub", [rowsFloat, zeroFloat], [centred], [], fresh(`${centred}_node`)),
    );
  }
  nodes.push(makeNode("Mul", [centred, scales], [output], [], gather.name || fresh(`${output}_node`)));
  return nodes;
}

/** Per tensor: out = DequantizeLinear(q[ids], scale, zero), DequantizeLinear on the gathered rows only. */
function perTensorLookup(
  gather: NodeProto,
  stored: StoredQuantizedWeight,
  names: NameAllocator,
): NodeProto[] {
  const [, ids = ""] = gather.input ?? [];
  const output = gather.output?.[0] ?? "";
  const rows = names.fresh(`${output}_int8`);
  const zeroPoint = stored.zeroPoint ? [stored.zeroPoint] : [];
  return [
    makeNode("Gather", [stored.values, ids], [rows], [], names.fresh(`${rows}_node`)),
    makeNode(
      "DequantizeLinear",
      [rows, stored.scale, ...zeroPoint],
      [output],
      [],
      gather.name || names.fresh(`${output}_node`),
    ),
  ];
}

export function embeddingRewrite(
  table: EmbeddingTable,
  scheme: QuantizationScheme,
  names: NameAllocator,
): EmbeddingRewrite {
  const perRow = scheme.granularity === "per-channel";
  const quantized = quantizeWeight(readFloat32(table.tensor), table.dims, scheme, 0);
  const stored = storeQuantizedWeight(names, table.name, table.dims, quantized, quantized.scale, perRow, [
    table.dims[0],
    1,
  ]);
  const lookup = perRow ? perRowLookup : perTensorLookup;
  const replacements = new Map(table.users.map((gather) => [gather, lookup(gather, stored, names)]));
  return { replacements, initializers: stored.tensors, quantized, dims: table.dims };
}
