/**
 * The tabular kind's drift values of one row, per named column: a numeric column's value as sent, a
 * categorical (or discrete numeric) column's category, and what data quality says of the value.
 */
import { OTHER_CATEGORY } from "../../sketch/categorical.js";
import type { DriftFeatureRef, DriftValues } from "../kind.js";
import type { CellReading } from "./features.js";
import type { TabularDriftFeature, TabularSpec } from "./schema.js";

/** A value as a category: known categories (and listed discrete values) as themselves, others as "__other__". */
function categoryOf(spec: TabularSpec, column: number, reading: CellReading): string | undefined {
  const { value, quality } = reading;
  if (value === undefined) return undefined;
  if (quality === "unseen") return OTHER_CATEGORY;
  const definition = spec.columns[column];
  if (definition.type === "categorical") return value as string;
  return definition.values?.includes(value as number) ? String(value) : OTHER_CATEGORY;
}

export function tabularDrift(
  spec: TabularSpec,
  columnIndex: ReadonlyMap<string, number>,
  readings: readonly CellReading[],
  features: readonly DriftFeatureRef[],
): DriftValues {
  const values: DriftValues = {};
  for (const ref of features) {
    const feature = ref as TabularDriftFeature;
    if (
      feature.kind !== "column-value" &&
      feature.kind !== "column-category" &&
      feature.kind !== "column-quality"
    )
      continue;
    const column = columnIndex.get(feature.column);
    if (column === undefined) continue;
    const reading = readings[column];
    switch (feature.kind) {
      case "column-value":
        if (typeof reading.value === "number") values[feature.name] = reading.value;
        break;
      case "column-category": {
        const category = categoryOf(spec, column, reading);
        if (category !== undefined) values[feature.name] = category;
        break;
      }
      case "column-quality":
        values[feature.name] = reading.quality;
        break;
    }
  }
  return values;
}
