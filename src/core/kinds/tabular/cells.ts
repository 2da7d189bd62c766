/**
 * Values as a table file writes them (CSV cells are strings, JSONL keeps JSON types): which are
 * missing, which hold numbers. Read by the dataset module and by the kind's row reader, so a file
 * means the same to the trainer and to the profile.
 */

/** A value as a file holds it. */
export type RawCell = string | number | boolean | null;

/** CSV cells read as missing (after trimming), as pandas reads them by default; JSON null too. */
export const MISSING_TOKENS: ReadonlySet<string> = new Set(["", "NA", "N/A", "NaN", "nan", "null", "NULL"]);
const NUMBER = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/;
const BOOLEAN: Readonly<Record<string, number>> = { true: 1, false: 0, TRUE: 1, FALSE: 0, True: 1, False: 0 };

export function isMissing(cell: RawCell | undefined): boolean {
  return cell === undefined || cell === null || (typeof cell === "string" && MISSING_TOKENS.has(cell.trim()));
}

/** The number a cell holds (booleans as 1 and 0), or undefined when it holds none (text, a non-finite number). */
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
