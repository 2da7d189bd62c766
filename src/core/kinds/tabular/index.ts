/** The tabular kind: rows of named columns in, a standardised, one-hot float32 [batch, width] matrix out. */
import { checkBatch, type DriftFeatureRef, type InputKind } from "../kind.js";
import { tabularDrift } from "./drift.js";
import { checkTabularInput, tabularFeaturizer } from "./features.js";
import { tabularInstance } from "./row.js";
import { QUALITY_STATES, TabularDriftFeatures, TabularInstance, TabularSpec } from "./schema.js";

export const tabular = {
  kind: "tabular",
  spec: TabularSpec,
  driftFeatures: TabularDriftFeatures,
  categoricalDrift: {
    "column-category": {},
    "column-quality": { categories: QUALITY_STATES, quality: true },
  },
  feeds: (spec) => [spec.input],
  instances: {
    schema: TabularInstance,
    assets: () => [],
    fromRow: (spec, row) => tabularInstance(spec, row),
    compile: (spec, _assets, inputs) => {
      checkTabularInput(spec, inputs);
      const featurizer = tabularFeaturizer(spec);
      const columnIndex = new Map(spec.columns.map((column, i) => [column.name, i]));
      return {
        features(instances, limits) {
          checkBatch("instances", instances.length, limits);
          const { matrix, rows, readings } = featurizer.featurize(instances);
          return {
            feeds: { [spec.input]: { dtype: "float32", dims: [rows, featurizer.width], data: matrix } },
            size: rows,
            drift: (index, features) => tabularDrift(spec, columnIndex, readings[index], features),
          };
        },
      };
    },
  },
  /** Per column its value (or category) and its data quality: values first, so a wide table keeps them. */
  defaultDrift: (spec) => [
    ...spec.columns.map((column): DriftFeatureRef & { column: string } => ({
      kind: column.type === "categorical" || column.values ? "column-category" : "column-value",
      name: column.name,
      column: column.name,
    })),
    ...spec.columns.map((column): DriftFeatureRef & { column: string } => ({
      kind: "column-quality",
      name: `${column.name}.quality`,
      column: column.name,
    })),
  ],
} satisfies InputKind<TabularSpec, TabularInstance>;
