/**
 * Columns as values: which are numeric (every value a number or a boolean) and which categorical,
 * and the errors that name the line of a value that does not fit. Which cells are missing and which
 * hold numbers is the tabular kind's reading (core/kinds/tabular/cells.ts), shared with its rows.
 */
import { UnprocessableError } from "../../core/errors.js";
import { isMissing, numberOf, type RawCell, textOf } from "../../core/kinds/tabular/cells.js";
import type { RawRow } from "./read.js";

export { isMissing, MISSING_TOKENS, numberOf, textOf } from "../../core/kinds/tabular/cells.js";

/** A value as the featurizer takes it: numbers (booleans as 0/1) for numeric columns, strings for categorical ones. */
export type Cell = number | string | null;

export type ColumnType = "numeric" | "categorical";

/**
 * A column whose values are all numbers is numeric; one mostly of numbers with a few that are not
 * is a numeric column with unparseable values (refused, naming the first); otherwise categorical.
 */
export function columnType(path: string, rows: readonly RawRow[], column: string): ColumnType {
  let numbers = 0;
  let values = 0;
  let firstBad: RawRow | undefined;
  for (const row of rows) {
    const cell = row.cells[column];
    if (isMissing(cell)) continue;
    values++;
    if (numberOf(cell as RawCell) !== undefined) numbers++;
    else firstBad ??= row;
  }
  if (values === 0) throw new UnprocessableError(`${path}: column ${column} has no value in any row`);
  if (numbers === values) return "numeric";
  if (numbers * 2 > values && firstBad) {
    throw new UnprocessableError(
      `${path}:${firstBad.line}: column ${column}: ${JSON.stringify(firstBad.cells[column])} is not a number (${numbers} of the column's ${values} values are)`,
    );
  }
  return "categorical";
}

/** The cell as its column's type takes it; null when missing. */
export function cellOf(cell: RawCell | undefined, type: ColumnType): Cell {
  if (isMissing(cell)) return null;
  return type === "numeric" ? (numberOf(cell as RawCell) as number) : textOf(cell as RawCell);
}
