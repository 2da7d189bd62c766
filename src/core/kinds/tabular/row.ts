/**
 * A dataset file's row as a tabular instance: the spec's columns only (a label or date column beside
 * them is no concern of the model's), numeric cells as numbers, categorical ones as text, missing
 * cells as null. A numeric cell that holds no number stays as written, for the featurizer to refuse
 * naming it.
 */
import { isMissing, numberOf, type RawCell, textOf } from "./cells.js";
import type { TabularInstance, TabularSpec } from "./schema.js";

export function tabularInstance(spec: TabularSpec, row: Readonly<Record<string, RawCell>>): TabularInstance {
  const instance: TabularInstance = {};
  for (const column of spec.columns) {
    const cell = row[column.name];
    if (isMissing(cell)) instance[column.name] = null;
    else if (column.type === "categorical") instance[column.name] = textOf(cell as RawCell);
    else instance[column.name] = numberOf(cell as RawCell) ?? cell;
  }
  return instance;
}
