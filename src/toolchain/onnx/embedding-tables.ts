/**
 * Finds embedding tables a quantizer may rewrite: 2-D float32 initializers [rows, width] read only
 * as the data input of Gather nodes along axis 0 (token, item or user embeddings). Gathers over
 * activations (shape arithmetic, say) are not weights and are not reported.
 */
import { intAttributeOf, isDefaultDomain, type TensorUse } from "./graph.js";
import { DataType, type GraphProto, type NodeProto, type TensorProto } from "./model.js";
import { checkWeight, type SkippedWeight, skipList, weightContext } from "./weights.js";

export interface EmbeddingTable {
  name: string;
  tensor: TensorProto;
  /** The Gather nodes reading it (several when one table serves several id inputs). */
  users: NodeProto[];
  dims: [number, number];
}

/**
 * Tables with fewer rows stay float. Measured on the zoo's encoder: quantizing its 2-row token type
 * table alone moved the logits by 6e-2, the 1000-row word and 64-row position tables together by 3e-3.
 */
export const MIN_TABLE_ROWS = 16;

function isGather(node: NodeProto): boolean {
  return isDefaultDomain(node) && node.opType === "Gather";
}

/** Axis 0 (or -2 for a 2-D table): the Gather picks rows. */
const gathersRows = (node: NodeProto) => [0, -2].includes(intAttributeOf(node, "axis", 0));
const isRowGather = (use: TensorUse) =>
  use.kind === "input" && use.slot === 0 && isGather(use.node) && gathersRows(use.node);

export function findEmbeddingTables(graph: GraphProto): {
  tables: EmbeddingTable[];
  skipped: SkippedWeight[];
  /** Gather nodes whose data is a float initializer. */
  lookups: number;
} {
  const context = weightContext(graph);
  const { skipped, skip } = skipList();
  const tables = new Map<string, EmbeddingTable>();
  let lookups = 0;
  for (const node of (graph.node ?? []).filter(isGather)) {
    const data = node.input?.[0] ?? "";
    const tensor = context.initializers.get(data);
    // Only float tables are candidates; an int64 shape table gathered by index is not a weight.
    if (!tensor || tensor.dataType !== DataType.FLOAT) continue;
    lookups++;
    if (tables.has(data)) continue;
    if (!gathersRows(node)) {
      const axis = intAttributeOf(node, "axis", 0);
      skip(node, `it gathers "${data}" along axis ${axis}; only row (axis 0) lookups are rewritten`, data);
      continue;
    }
    const check = checkWeight(context, data, (rank) => rank === 2, "2-D", isRowGather);
    if (!check.ok) {
      skip(node, check.reason, data);
      continue;
    }
    if (check.dims[0] < MIN_TABLE_ROWS) {
      const reason =
        `table "${data}" has only ${check.dims[0]} rows: a table that small (token types, segments) is ` +
        "added to every position, so its rounding error would not average out, for a few hundred bytes";
      skip(node, reason, data);
      continue;
    }
    tables.set(data, { name: data, tensor, users: check.users, dims: [check.dims[0], check.dims[1]] });
  }
  return { tables: [...tables.values()], skipped, lookups };
}
