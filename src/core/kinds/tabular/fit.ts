/**
 * A tabular spec fitted on training rows: each column's type (numbers or booleans make a numeric
 * column, strings a categorical one), a numeric column's mean, standard deviation, range and, when it
 * takes few distinct values (a 0/1 flag), those values; a categorical column's categories, most
 * frequent first. The toolchain fits on the train split only, so nothing of the held-out rows leaks
 * into the features.
 */
import { UnprocessableError } from "../../errors.js";
import {
  type CategoricalColumn,
  MAX_CATEGORIES,
  MAX_CATEGORY,
  type NumericColumn,
  type TabularColumn,
  TabularSpec,
} from "./schema.js";

/** A numeric column with at most this many distinct values in training is counted as categories by drift. */
export const DISCRETE_DISTINCT = 10;

export interface FitOptions {
  /** The graph input the spec feeds. */
  input: string;
  /** The columns, in feature order. */
  columns: readonly string[];
  /** What the served model does with a missing value: impute (training mean, most frequent category) or refuse. */
  missing: "impute" | "refuse";
  /** Most categories a column keeps (the most frequent); the rest fall into the unknown bucket. */
  maxCategories?: number;
}

type Cell = number | string | boolean | null | undefined;

function fitNumeric(name: string, values: readonly number[], missing: FitOptions["missing"]): NumericColumn {
  let sum = 0;
  let min = Number.POSITIVE_INFINITY;
  let max = Number.NEGATIVE_INFINITY;
  for (const value of values) {
    sum += value;
    if (value < min) min = value;
    if (value > max) max = value;
  }
  const mean = sum / values.length;
  let squares = 0;
  for (const value of values) squares += (value - mean) ** 2;
  const std = Math.sqrt(squares / values.length);
  const distinct = [...new Set(values)].sort((a, b) => a - b);
  return {
    name,
    type: "numeric",
    mean,
    // A constant column feeds zeros rather than a division by zero.
    std: std > 0 ? std : 1,
    min,
    max,
    ...(distinct.length <= DISCRETE_DISTINCT ? { values: distinct } : {}),
    missing: missing === "impute" ? { policy: "impute", value: mean } : { policy: "refuse" },
  };
}

function fitCategorical(
  name: string,
  values: readonly string[],
  missing: FitOptions["missing"],
  maxCategories: number,
): CategoricalColumn {
  const counts = new Map<string, number>();
  for (const value of values) {
    if (value.length > MAX_CATEGORY) {
      throw new UnprocessableError(
        `column ${name} has a value of ${value.length} characters (categories take at most ${MAX_CATEGORY}): if it is text, featurize it as text`,
      );
    }
    counts.set(value, (counts.get(value) ?? 0) + 1);
  }
  const categories = [...counts]
    .sort(([a, ca], [b, cb]) => cb - ca || (a < b ? -1 : a > b ? 1 : 0))
    .slice(0, maxCategories)
    .map(([category]) => category);
  return {
    name,
    type: "categorical",
    categories,
    missing: missing === "impute" ? { policy: "impute", value: categories[0] } : { policy: "refuse" },
  };
}

/** The spec of `columns` over `rows`; a column with mixed types or no value at all is refused, named. */
export function fitTabularSpec(
  rows: readonly Readonly<Record<string, Cell>>[],
  options: FitOptions,
): TabularSpec {
  const maxCategories = Math.min(options.maxCategories ?? MAX_CATEGORIES, MAX_CATEGORIES);
  const columns = options.columns.map((name): TabularColumn => {
    const numbers: number[] = [];
    const strings: string[] = [];
    rows.forEach((row, r) => {
      const value = row[name];
      if (value === null || value === undefined) return;
      if (typeof value === "string") strings.push(value);
      else if (typeof value === "boolean") numbers.push(value ? 1 : 0);
      else if (Number.isFinite(value)) numbers.push(value);
      else throw new UnprocessableError(`column ${name}, row ${r + 1}: ${value} is not a finite number`);
    });
    if (numbers.length > 0 && strings.length > 0) {
      throw new UnprocessableError(
        `column ${name} mixes numbers (${numbers.length} rows) and text (${strings.length} rows, e.g. ${JSON.stringify(strings[0])})`,
      );
    }
    if (numbers.length > 0) return fitNumeric(name, numbers, options.missing);
    if (strings.length > 0) return fitCategorical(name, strings, options.missing, maxCategories);
    throw new UnprocessableError(`column ${name} has no value in the ${rows.length} training rows`);
  });
  return TabularSpec.parse({ kind: "tabular", input: options.input, columns });
}
