/**
 * A table from a file as it is written: CSV (RFC 4180: quoted fields with commas, quotes and line
 * breaks; a header line names the columns; a UTF-8 byte-order mark is skipped) or JSONL (one JSON
 * object a line). Each row keeps the line it came from, so every later error can name it.
 */
import { basename, extname } from "node:path";
import { CsvError, parse } from "csv-parse/sync";
import { UnprocessableError } from "../../core/errors.js";
import type { RawCell } from "../../core/kinds/tabular/cells.js";
import { readInputFile } from "../files.js";

export type { RawCell } from "../../core/kinds/tabular/cells.js";

export interface RawRow {
  /** 1-based line of the file where the row ends (a quoted field may span lines). */
  line: number;
  cells: Record<string, RawCell>;
}

export type TableFormat = "csv" | "jsonl";

export interface RawTable {
  path: string;
  format: TableFormat;
  /** Column names in the order the file first shows them. */
  columns: string[];
  rows: RawRow[];
  bytes: Uint8Array;
}

export function formatOf(path: string): TableFormat {
  const extension = extname(path).toLowerCase();
  if (extension === ".csv") return "csv";
  if (extension === ".jsonl" || extension === ".ndjson") return "jsonl";
  throw new UnprocessableError(
    `${basename(path)}: datasets are .csv or .jsonl files, not ${extension || "extensionless"}`,
  );
}

function readCsv(path: string, text: string): Pick<RawTable, "columns" | "rows"> {
  let records: Array<{ record: string[]; info: { lines: number } }>;
  try {
    records = parse(text, { bom: true, skip_empty_lines: true, info: true }) as unknown as typeof records;
  } catch (error) {
    if (error instanceof CsvError) throw new UnprocessableError(`${path}: not valid CSV: ${error.message}`);
    throw error;
  }
  if (records.length === 0) throw new UnprocessableError(`${path} is empty: no header line`);
  const [header, ...body] = records;
  const columns = header.record.map((name) => name.trim());
  const seen = new Set<string>();
  columns.forEach((name, i) => {
    if (name === "")
      throw new UnprocessableError(`${path}:${header.info.lines}: column ${i + 1} has no name`);
    if (seen.has(name))
      throw new UnprocessableError(`${path}:${header.info.lines}: column ${name} is named twice`);
    seen.add(name);
  });
  const rows = body.map(({ record, info }) => {
    if (record.length !== columns.length) {
      throw new UnprocessableError(
        `${path}:${info.lines}: ${record.length} fields, the header names ${columns.length} columns`,
      );
    }
    return { line: info.lines, cells: Object.fromEntries(columns.map((name, i) => [name, record[i]])) };
  });
  return { columns, rows };
}

function readJsonl(path: string, text: string): Pick<RawTable, "columns" | "rows"> {
  const columns: string[] = [];
  const known = new Set<string>();
  const rows: RawRow[] = [];
  text.split("\n").forEach((raw, i) => {
    const line = i + 1;
    const source = raw.trim();
    if (source === "") return;
    let value: unknown;
    try {
      value = JSON.parse(source);
    } catch (error) {
      throw new UnprocessableError(`${path}:${line}: not valid JSON: ${(error as Error).message}`);
    }
    if (typeof value !== "object" || value === null || Array.isArray(value)) {
      throw new UnprocessableError(`${path}:${line}: each line must be a JSON object of column values`);
    }
    const cells: Record<string, RawCell> = {};
    for (const [name, cell] of Object.entries(value)) {
      if (cell !== null && typeof cell === "object") {
        throw new UnprocessableError(
          `${path}:${line}: column ${name} holds ${Array.isArray(cell) ? "an array" : "an object"}, not a value`,
        );
      }
      cells[name] = cell as RawCell;
      if (!known.has(name)) {
        known.add(name);
        columns.push(name);
      }
    }
    rows.push({ line, cells });
  });
  return { columns, rows };
}

export async function readTable(path: string): Promise<RawTable> {
  const format = formatOf(path);
  const bytes = await readInputFile(path, "dataset");
  const text = new TextDecoder().decode(bytes);
  const { columns, rows } = format === "csv" ? readCsv(path, text) : readJsonl(path, text);
  if (rows.length === 0) throw new UnprocessableError(`${path} is empty: it has no data rows`);
  return { path, format, columns, rows, bytes };
}
