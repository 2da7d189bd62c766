/**
 * Rows of a dataset file as the instances a model takes, by its manifest's input kind: its tabular
 * columns (typed as its spec types them; missing cells left out, for the model to impute or refuse),
 * or a text column. Distillation feeds a teacher with them; evaluation scores any model on a labelled file.
 */
import { UnprocessableError } from "../../core/errors.js";
import type { Manifest } from "../../core/manifest.js";
import type { RequestLine } from "../requests.js";
import { cellOf, isMissing, numberOf, textOf } from "./columns.js";
import { type Dataset, matchesWhere, type SplitName } from "./index.js";
import { type RawCell, type RawRow, readTable } from "./read.js";

/**
 * How a row becomes the model's instance; null for a model that takes plain tensors (no instances).
 * `columns` are the file's, `text` the text column; `who` names the model in errors.
 */
export function rowInstances(
  manifest: Manifest,
  columns: readonly string[],
  text: string | undefined,
  who: string,
): ((row: RawRow) => unknown) | null {
  const input = manifest.input;
  switch (input.kind) {
    case "tensors":
      return null;
    case "hashed-text":
    case "wordpiece-text": {
      if (text === undefined)
        throw new UnprocessableError(`${who} takes text: name the text column with --text`);
      if (!columns.includes(text)) throw new UnprocessableError(`the data has no text column ${text}`);
      return (row) => ({ text: isMissing(row.cells[text]) ? "" : textOf(row.cells[text] as RawCell) });
    }
    case "tabular": {
      const absent = input.columns.filter((column) => !columns.includes(column.name));
      if (absent.length > 0) {
        throw new UnprocessableError(
          `${who} takes columns the data does not have: ${absent.map((c) => c.name).join(", ")}`,
        );
      }
      return (row) =>
        Object.fromEntries(
          input.columns.flatMap((column) => {
            const value = cellOf(row.cells[column.name], column.type);
            return value === null ? [] : [[column.name, value]];
          }),
        );
    }
    default:
      throw new UnprocessableError(`${who} takes ${input.kind} inputs, which a dataset file does not hold`);
  }
}

export interface LabelledRowsOptions {
  /** The label column. */
  label: string;
  text?: string;
  /** Only rows whose columns hold these values, as written. */
  where?: Readonly<Record<string, string>>;
}

/**
 * A labelled dataset file as the request lines `vane evaluate` scores: one instance per row (named by
 * its line), with its label (a class name, or a number for a regressor). Rows without a label are
 * left out.
 */
export async function labelledRequestLines(
  path: string,
  manifest: Manifest,
  options: LabelledRowsOptions,
): Promise<RequestLine[]> {
  const table = await readTable(path);
  if (!table.columns.includes(options.label)) {
    throw new UnprocessableError(`${path} has no label column ${options.label}`);
  }
  const make = rowInstances(manifest, table.columns, options.text, `model ${manifest.name}`);
  if (!make) {
    throw new UnprocessableError(
      `model ${manifest.name} takes tensors, not the named columns of a dataset file: evaluate it on a JSONL of requests`,
    );
  }
  const regression = manifest.task.kind === "regression";
  const lines = table.rows
    .filter((row) => matchesWhere(row, options.where) && !isMissing(row.cells[options.label]))
    .map((row): RequestLine => {
      const cell = row.cells[options.label] as RawCell;
      const value = regression ? numberOf(cell) : textOf(cell);
      if (value === undefined) {
        throw new UnprocessableError(
          `${path}:${row.line}: label ${options.label}: ${JSON.stringify(cell)} is not a number (a regression target)`,
        );
      }
      return { line: row.line, body: { instances: [make(row)] }, labels: [value] };
    });
  if (lines.length === 0)
    throw new UnprocessableError(`${path}: no row has a value in label ${options.label}`);
  return lines;
}

/**
 * One split of a loaded dataset as labelled request lines: each row a named instance of its feature
 * columns (a missing cell left out, for the model to impute or refuse), labelled by class name.
 */
export function splitRequestLines(dataset: Dataset, split: SplitName): RequestLine[] {
  const labels = dataset.labels;
  return dataset.splits[split].map((row) => ({
    line: row.line,
    body: {
      instances: [Object.fromEntries(Object.entries(row.features).filter(([, value]) => value !== null))],
    },
    labels: [labels ? labels[row.target] : row.target],
  }));
}
