/**
 * Datasets from files, for training on a user's own data. One call:
 *
 *   const dataset = await loadDataset("weather.csv", { label: "weather", where: { location: "Seattle" } });
 *   dataset.spec               // TabularSpec fitted on the train split (null when only --text is used)
 *   dataset.labels             // ["drizzle", "fog", "rain", "snow", "sun"] (sorted), null for regression
 *   dataset.splits.train       // DatasetRow[]: { line, features: {temp_max: 12.8, ...}, text?, target }
 *   datasetMatrix(dataset, "train")   // Float32Array [rows, width], the Worker's own featurizer
 *   dataset.counts             // rows read, kept, unlabelled, per split and class, missing per column
 *
 * Reads CSV (RFC 4180) or JSONL; `label` is the target column (classes by name, or numbers with
 * `task: "regression"`); `features` default to every other column except `text`, `exclude` and the
 * split or time column. Numeric columns are those whose values are all numbers (booleans count as
 * 0/1; `categorical` forces a column to categories). Missing values (empty cells, NA, null, ...) are
 * imputed (training mean, most frequent category) or refused, as `missing` says, and counted per
 * column; rows without a label are left out and counted. Splits: a split column, a time column (cut
 * at dates, or the latest rows held out) or seeded, stratified fractions (15% validation, 15% test).
 * Errors name the file, the line and the column: a missing column, a label with one class, a number
 * that does not parse, an empty file.
 */
import { createHash } from "node:crypto";
import { UnprocessableError } from "../../core/errors.js";
import { type FieldName, tabularFeaturizer } from "../../core/kinds/tabular/features.js";
import { fitTabularSpec } from "../../core/kinds/tabular/fit.js";
import type { TabularSpec } from "../../core/kinds/tabular/schema.js";
import { type Cell, type ColumnType, cellOf, columnType, isMissing, numberOf, textOf } from "./columns.js";
import { type RawCell, type RawRow, readTable, type TableFormat } from "./read.js";
import { type Assignment, assignSplits, SPLIT_NAMES, type SplitName, type SplitRule } from "./split.js";

export { MISSING_TOKENS } from "./columns.js";
export type { SplitName, SplitRule } from "./split.js";

export type DatasetTask = "classification" | "regression";

export interface DatasetOptions {
  /** The target column (with `labelOf`, only the target's name). */
  label: string;
  /**
   * Where each row's target comes from when the file has no label column (a teacher model's answer,
   * for distillation); undefined or null leaves the row out as unlabelled.
   */
  labelOf?: (row: RawRow) => RawCell | undefined;
  task?: DatasetTask;
  /** Feature columns, in feature order; default: every column but the label, text, split/time and excluded ones. */
  features?: readonly string[];
  /** A text column, kept apart from the tabular features (for a text featurizer). */
  text?: string;
  /** Columns left out of the default features. */
  exclude?: readonly string[];
  /** Columns taken as categories even if their values are numbers (codes, zip codes). */
  categorical?: readonly string[];
  /** Missing feature values: imputed (default) or refused. */
  missing?: "impute" | "refuse";
  /** How rows are split; default seeded and stratified. */
  split?: SplitRule;
  seed?: number;
  validationFraction?: number;
  testFraction?: number;
  /** Only rows whose columns hold these values, as written (`{ location: "Seattle" }`). */
  where?: Readonly<Record<string, string>>;
  /** The graph input the spec feeds (default `features`). */
  input?: string;
}

export interface DatasetRow {
  /** The file's line the row ends on. */
  line: number;
  /** Feature values: numbers for numeric columns, strings for categorical ones, null when missing. */
  features: Record<string, Cell>;
  /** The text column's value ("" when missing). */
  text?: string;
  /** Class index into `labels`, or the regression target. */
  target: number;
}

export interface DatasetCounts {
  /** Data rows in the file. */
  rows: number;
  /** Rows that passed `where` and have a label. */
  kept: number;
  /** Rows left out for a missing label. */
  unlabelled: number;
  sizes: Record<SplitName, number>;
  /** Rows per class per split (classification). */
  classes: Record<SplitName, Record<string, number>> | null;
  /** Missing values per feature (and text) column over the kept rows: imputed, unless refused. */
  missing: Record<string, number>;
}

export interface Dataset {
  source: { path: string; format: TableFormat; sha256: string; columns: string[] };
  task: DatasetTask;
  label: string;
  /** Class names, sorted; a target is an index into them. Null for regression. */
  labels: string[] | null;
  features: string[];
  text: string | null;
  /** The `where` filter the rows were selected by ({} for every row). */
  where: Readonly<Record<string, string>>;
  /** Fitted on the train split; null when there are no feature columns (text only). */
  spec: TabularSpec | null;
  split: {
    rule: SplitRule;
    seed: number;
    validationFraction: number;
    testFraction: number;
    /** SHA-256 of each split's ordered line numbers: a rebuilt split can be checked against it. */
    digests: Record<SplitName, string>;
  };
  splits: Assignment<DatasetRow>;
  counts: DatasetCounts;
}

const DEFAULT_FRACTION = 0.15;

function requireColumn(path: string, columns: readonly string[], name: string, what: string): void {
  if (!columns.includes(name)) {
    const shown = columns.length > 20 ? `${columns.slice(0, 20).join(", ")}, …` : columns.join(", ");
    throw new UnprocessableError(`${path} has no ${what} column ${name} (its columns: ${shown})`);
  }
}

function digest(rows: readonly DatasetRow[]): string {
  return createHash("sha256")
    .update(rows.map((row) => row.line).join("\n"))
    .digest("hex");
}

type LabelCell = (row: RawRow) => RawCell | undefined;

function targetsOf(path: string, rows: readonly RawRow[], label: string, cell: LabelCell, task: DatasetTask) {
  if (task === "regression") {
    return {
      labels: null,
      target: (row: RawRow) => {
        const value = numberOf(cell(row) as RawCell);
        if (value === undefined) {
          throw new UnprocessableError(
            `${path}:${row.line}: label ${label}: ${JSON.stringify(cell(row))} is not a number (a regression target)`,
          );
        }
        return value;
      },
    };
  }
  const labels = [...new Set(rows.map((row) => textOf(cell(row) as NonNullable<Cell>)))].sort();
  if (labels.length < 2) {
    throw new UnprocessableError(
      `${path}: label ${label} has one class (${JSON.stringify(labels[0])}) in the ${rows.length} labelled rows: a classifier needs at least two`,
    );
  }
  const index = new Map(labels.map((name, i) => [name, i]));
  return {
    labels,
    target: (row: RawRow) => index.get(textOf(cell(row) as NonNullable<Cell>)) as number,
  };
}

/** Whether a row holds every `where` value, as written. */
export function matchesWhere(row: RawRow, where: DatasetOptions["where"]): boolean {
  return Object.entries(where ?? {}).every(([name, value]) => textOf(row.cells[name] ?? "") === value);
}

/** Reads, types, splits and counts a dataset file, and fits the tabular spec on its train split. */
export async function loadDataset(path: string, options: DatasetOptions): Promise<Dataset> {
  const table = await readTable(path);
  const { columns } = table;
  const task = options.task ?? "classification";
  const splitRule = options.split ?? { by: "random" };
  const labelCell: LabelCell = options.labelOf ?? ((row) => row.cells[options.label]);
  if (!options.labelOf) requireColumn(path, columns, options.label, "label");
  if (options.text !== undefined) requireColumn(path, columns, options.text, "text");
  if (splitRule.by !== "random") requireColumn(path, columns, splitRule.column, `${splitRule.by} split`);
  for (const name of Object.keys(options.where ?? {})) requireColumn(path, columns, name, "filter");
  for (const name of [...(options.exclude ?? []), ...(options.categorical ?? [])]) {
    requireColumn(path, columns, name, "named");
  }
  const reserved = new Set([
    options.label,
    options.text,
    splitRule.by === "random" ? undefined : splitRule.column,
  ]);
  const excluded = new Set(options.exclude ?? []);
  const features = options.features
    ? [...options.features]
    : columns.filter((name) => !reserved.has(name) && !excluded.has(name));
  for (const name of features) {
    requireColumn(path, columns, name, "feature");
    if (reserved.has(name))
      throw new UnprocessableError(`column ${name} cannot be a feature and the label, text or split column`);
  }
  if (features.length === 0 && options.text === undefined) {
    throw new UnprocessableError(`${path}: no feature columns are left besides the label ${options.label}`);
  }

  const where = Object.entries(options.where ?? {});
  const selected = table.rows.filter((row) => matchesWhere(row, options.where));
  if (selected.length === 0) {
    throw new UnprocessableError(`${path}: no row has ${where.map(([n, v]) => `${n}=${v}`).join(", ")}`);
  }
  const labelled = selected.filter((row) => !isMissing(labelCell(row)));
  if (labelled.length === 0)
    throw new UnprocessableError(`${path}: no row has a value in label ${options.label}`);

  const forced = new Set(options.categorical ?? []);
  const types = new Map<string, ColumnType>(
    features.map((name) => [name, forced.has(name) ? "categorical" : columnType(path, labelled, name)]),
  );
  const missingPolicy = options.missing ?? "impute";
  const missing: Record<string, number> = Object.fromEntries(
    [...features, ...(options.text === undefined ? [] : [options.text])].map((name) => [name, 0]),
  );
  const { labels, target } = targetsOf(path, labelled, options.label, labelCell, task);
  const rows = labelled.map((raw): DatasetRow & { classIndex?: number; key?: string | number | null } => {
    const values: Record<string, Cell> = {};
    for (const name of features) {
      const value = cellOf(raw.cells[name], types.get(name) as ColumnType);
      if (value === null) {
        if (missingPolicy === "refuse") {
          throw new UnprocessableError(
            `${path}:${raw.line}: column ${name} is missing, and missing values are refused`,
          );
        }
        missing[name]++;
      }
      values[name] = value;
    }
    const row: DatasetRow & { classIndex?: number; key?: string | number | null } = {
      line: raw.line,
      features: values,
      target: target(raw),
    };
    if (options.text !== undefined) {
      const text = raw.cells[options.text];
      if (isMissing(text)) missing[options.text]++;
      row.text = isMissing(text) ? "" : textOf(text as NonNullable<Cell>);
    }
    if (labels) row.classIndex = row.target;
    if (splitRule.by !== "random") {
      const key = raw.cells[splitRule.column];
      row.key = typeof key === "boolean" ? String(key) : key;
    }
    return row;
  });

  const settings = {
    rule: splitRule,
    seed: options.seed ?? 1,
    validationFraction: options.validationFraction ?? DEFAULT_FRACTION,
    testFraction: options.testFraction ?? DEFAULT_FRACTION,
  };
  const assigned = assignSplits(rows, path, settings);
  const splits = Object.fromEntries(
    SPLIT_NAMES.map((name) => [name, assigned[name].map(({ classIndex: _c, key: _k, ...row }) => row)]),
  ) as Assignment<DatasetRow>;
  const spec =
    features.length === 0
      ? null
      : fitTabularSpec(
          splits.train.map((row) => row.features),
          { input: options.input ?? "features", columns: features, missing: missingPolicy },
        );
  const sizes = Object.fromEntries(SPLIT_NAMES.map((name) => [name, splits[name].length])) as Record<
    SplitName,
    number
  >;
  const classes = labels
    ? (Object.fromEntries(
        SPLIT_NAMES.map((name) => [
          name,
          Object.fromEntries(
            labels.map((label, i) => [label, splits[name].filter((row) => row.target === i).length]),
          ),
        ]),
      ) as Record<SplitName, Record<string, number>>)
    : null;
  return {
    source: {
      path,
      format: table.format,
      sha256: createHash("sha256").update(table.bytes).digest("hex"),
      columns,
    },
    task,
    label: options.label,
    labels,
    features,
    text: options.text ?? null,
    where: { ...options.where },
    spec,
    split: {
      ...settings,
      digests: Object.fromEntries(SPLIT_NAMES.map((name) => [name, digest(splits[name])])) as Record<
        SplitName,
        string
      >,
    },
    splits,
    counts: {
      rows: table.rows.length,
      kept: rows.length,
      unlabelled: selected.length - labelled.length,
      sizes,
      classes,
      missing,
    },
  };
}

/** How featurizer errors name a dataset row: `weather.csv:17 temp_max`. */
function datasetField(path: string, rows: readonly DatasetRow[]): FieldName {
  return (row, column) => `${path}:${rows[row].line} ${column}`;
}

/** The rows of one split as the model's input matrix, through the Worker's own tabular featurizer. */
export function datasetMatrix(dataset: Dataset, split: SplitName): { matrix: Float32Array; width: number } {
  if (!dataset.spec)
    throw new UnprocessableError(`${dataset.source.path}: the dataset has no tabular features`);
  const featurizer = tabularFeaturizer(dataset.spec);
  const rows = dataset.splits[split];
  const { matrix } = featurizer.featurize(
    rows.map((row) => row.features),
    datasetField(dataset.source.path, rows),
  );
  return { matrix, width: featurizer.width };
}
