/**
 * Rows of named values -> the model's float32 [rows, width] matrix: numeric columns standardised with
 * the training statistics, categorical columns one-hot with an unknown bucket after the known
 * categories, missing values imputed or refused as the spec says. The one featurizer of tabular
 * data: the Worker runs it on request instances, the trainer on dataset rows.
 */
import { InvalidInputError, UnprocessableError } from "../../errors.js";
import type { TensorSpec } from "../../tensor.js";
import type { CategoricalColumn, NumericColumn, QualityState, TabularColumn, TabularSpec } from "./schema.js";

/** The name of a categorical column's last one-hot position, which takes every category not listed. */
export const UNKNOWN_BUCKET = "__unknown__";
const FLOAT32_MAX = 3.4028234663852886e38;
/** Most field errors one batch reports (each names its row and column). */
const MAX_ERRORS = 16;

/** What one value of one row was, for drift: as sent (missing: undefined) and what data quality says. */
export interface CellReading {
  value: number | string | undefined;
  quality: QualityState;
}

export interface TabularRows {
  /** Row-major [rows, width]. */
  matrix: Float32Array;
  rows: number;
  /** Per row, one reading per column of the spec, in its order. */
  readings: CellReading[][];
}

/** How a field error names row `row`'s column `column`: `instances[3].temp_max` for requests. */
export type FieldName = (row: number, column: string) => string;
export const instanceField: FieldName = (row, column) => `instances[${row}].${column}`;

export function columnWidth(column: TabularColumn): number {
  return column.type === "numeric" ? 1 : column.categories.length + 1;
}

export function featureWidth(spec: TabularSpec): number {
  return spec.columns.reduce((width, column) => width + columnWidth(column), 0);
}

/** The name of each position of the matrix's rows: `temp_max`, `station=KSEA`, `station=__unknown__`. */
export function featureNames(spec: TabularSpec): string[] {
  return spec.columns.flatMap((column) =>
    column.type === "numeric"
      ? [column.name]
      : [...column.categories, UNKNOWN_BUCKET].map((category) => `${column.name}=${category}`),
  );
}

interface Failure {
  field: string;
  message: string;
}

type Writer = (value: unknown, out: Float32Array, offset: number) => CellReading | string;

function numericWriter(column: NumericColumn): Writer {
  const discrete = column.values ? new Set(column.values) : undefined;
  return (raw, out, offset) => {
    let value: number;
    let quality: QualityState = "ok";
    if (raw === undefined || raw === null) {
      if (column.missing.policy === "refuse") return "is missing, and this column refuses missing values";
      out[offset] = (column.missing.value - column.mean) / column.std;
      return { value: undefined, quality: "missing" };
    }
    if (typeof raw === "boolean") value = raw ? 1 : 0;
    else if (typeof raw === "number") value = raw;
    else return `takes a number, got ${describe(raw)}`;
    if (!Number.isFinite(value)) return "NaN and infinity are not accepted";
    const fed = (value - column.mean) / column.std;
    if (!(Math.abs(fed) <= FLOAT32_MAX)) return `${value} standardised overflows float32`;
    if (value < column.min || value > column.max) quality = "out-of-range";
    else if (discrete && !discrete.has(value)) quality = "unseen";
    out[offset] = fed;
    return { value, quality };
  };
}

function categoricalWriter(column: CategoricalColumn): Writer {
  const positions = new Map(column.categories.map((category, i) => [category, i]));
  const unknown = column.categories.length;
  return (raw, out, offset) => {
    if (raw === undefined || raw === null) {
      if (column.missing.policy === "refuse") return "is missing, and this column refuses missing values";
      const imputed = column.missing.value;
      out[offset + (imputed === undefined ? unknown : (positions.get(imputed) as number))] = 1;
      return { value: undefined, quality: "missing" };
    }
    if (typeof raw !== "string") return `takes a category (a string), got ${describe(raw)}`;
    const position = positions.get(raw);
    out[offset + (position ?? unknown)] = 1;
    return { value: raw, quality: position === undefined ? "unseen" : "ok" };
  };
}

function describe(value: unknown): string {
  if (Array.isArray(value)) return "an array";
  if (typeof value === "object") return "an object";
  if (typeof value === "string") return `the string ${JSON.stringify(value.slice(0, 40))}`;
  return `${typeof value} ${String(value)}`;
}

export interface TabularFeaturizer {
  readonly spec: TabularSpec;
  readonly width: number;
  /**
   * The matrix of `rows`; every bad value of the batch (a missing column that refuses missing
   * values, a wrong type, a column the spec does not have, NaN) is refused at once, naming each.
   */
  featurize(rows: readonly Readonly<Record<string, unknown>>[], field?: FieldName): TabularRows;
}

/** The spec compiled once: column offsets, category positions, the set of known names. */
export function tabularFeaturizer(spec: TabularSpec): TabularFeaturizer {
  const width = featureWidth(spec);
  const known = new Set(spec.columns.map((column) => column.name));
  const offsets: number[] = [];
  let offset = 0;
  for (const column of spec.columns) {
    offsets.push(offset);
    offset += columnWidth(column);
  }
  const writers = spec.columns.map((column) =>
    column.type === "numeric" ? numericWriter(column) : categoricalWriter(column),
  );
  const takes = spec.columns.map((column) => column.name);
  const takesText = takes.length > 12 ? `${takes.slice(0, 12).join(", ")}, …` : takes.join(", ");
  return {
    spec,
    width,
    featurize(rows, field = instanceField) {
      const matrix = new Float32Array(rows.length * width);
      const failures: Failure[] = [];
      const fail = (failure: Failure) => {
        if (failures.length < MAX_ERRORS) failures.push(failure);
      };
      const readings = rows.map((row, r) => {
        for (const name of Object.keys(row)) {
          if (!known.has(name)) {
            fail({
              field: field(r, name),
              message: `the model has no column ${name} (it takes ${takesText})`,
            });
          }
        }
        return spec.columns.map((column, c) => {
          const written = writers[c](row[column.name], matrix, r * width + offsets[c]);
          if (typeof written === "string") {
            fail({ field: field(r, column.name), message: written });
            return { value: undefined, quality: "missing" as const };
          }
          return written;
        });
      });
      if (failures.length > 0) throw new InvalidInputError(failures);
      return { matrix, rows: rows.length, readings };
    },
  };
}

/** The graph input the spec feeds, checked: float32 [batch, width]. */
export function checkTabularInput(spec: TabularSpec, inputs: readonly TensorSpec[]): void {
  const input = inputs.find((candidate) => candidate.name === spec.input);
  if (!input) throw new UnprocessableError(`the model has no input named ${spec.input}`);
  if (input.dtype !== "float32") {
    throw new UnprocessableError(`input ${spec.input} is ${input.dtype}: tabular rows are fed as float32`);
  }
  const width = featureWidth(spec);
  if (input.shape.length !== 2 || (typeof input.shape[1] === "number" && input.shape[1] !== width)) {
    throw new UnprocessableError(
      `input ${spec.input} has shape [${input.shape.join(", ")}]; the spec's ${spec.columns.length} columns feed [batch, ${width}]`,
    );
  }
}
