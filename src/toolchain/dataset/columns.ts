/**
 * Cells as values: which cells are missing, which columns are numeric (every value a number or a
 * boolean) and which categorical, and the errors that name the line of a value that does not fit.
 */
import { UnprocessableError } from "../../core/errors.js";
import type { RawCell, RawRow } from "./read.js";

/** CSV cells read as missing (after trimming), as pandas reads them by default; JSON null too. */
export const MISSING_TOKENS: ReadonlySet<string> = new Set(["", "NA", "N/A", "NaN", "nan", "null", "NULL"]);
const NUMBER = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/;
const BOOLEAN: Readonly<Record<string, number>> = { true: 1, false: 0, TRUE: 1, FALSE: 0, True: 1, False: 0 };

/** A value as the featurizer takes it: numbers (booleans as 0/1) for numeric columns, strings for categorical ones. */
export type Cell = number | string | null;

export function isMissing(cell: RawCell | undefined): boolean {
  return cell === undefined || cell === null || (typeof cell === "string" && MISSING_TOKENS.has(cell.trim()));
}

/** The number a cell holds, or undefined when it holds none (text, or a non-finite JSON number). */
export function numberOf(cell: RawCell): number | undefined {
  if (typeof cell === "number") return Number.isFinite(cell) ? cell : undefined;
  if (typeof cell === "boolean") return cell ? 1 : 0;
  if (cell === null) return undefined;
  const text = cell.trim();
  if (text in BOOLEAN) return BOOLEAN[text];
  return NUMBER.test(text) ? Number(text) : undefined;
}

export function textOf(cell: RawCell): string {
  return typeof cell === "string" ? cell.trim() : String(cell);
}

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
