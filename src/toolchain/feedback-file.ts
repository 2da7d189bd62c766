/**
 * A file of labels for `vane feedback send`: CSV with a header row (requestId, label, and optionally
 * token and index; request_id works too) or JSONL, one `{"requestId", "label", "token"?, "index"?}`
 * per line, as `vane feedback export` and the predict log a caller keeps would write them. Every bad
 * line is refused before anything is sent, named by its line number.
 */
import { parse } from "csv-parse/sync";
import { z } from "zod";
import { type FieldError, InvalidInputError } from "../core/errors.js";
import { readInputFile } from "./files.js";
import type { FeedbackLabel } from "./worker-client.js";

/** The rules the feedback route holds labels to, checked here so a bad line is named by its number. */
const Label = z
  .object({
    requestId: z.string().regex(/^[A-Za-z0-9._:-]{1,128}$/, "1 to 128 characters of A-Z a-z 0-9 . _ : -"),
    label: z.string().min(1).max(64),
    index: z.coerce.number().int().nonnegative().max(4095).optional(),
    token: z.string().min(1).max(128).optional(),
  })
  .strict();

const COLUMN_ALIASES: Record<string, string> = {
  requestid: "requestId",
  request_id: "requestId",
  "request-id": "requestId",
  "x-request-id": "requestId",
  label: "label",
  token: "token",
  "vane-feedback-token": "token",
  index: "index",
};

export type LabelFileFormat = "csv" | "jsonl";

export function formatOf(path: string, text: string): LabelFileFormat {
  if (/\.csv$/i.test(path)) return "csv";
  if (/\.(jsonl|ndjson|json)$/i.test(path)) return "jsonl";
  return text.trimStart().startsWith("{") ? "jsonl" : "csv";
}

/** Records, each with its line number in the file (1-based, the header being line 1 of a CSV). */
function records(
  text: string,
  format: LabelFileFormat,
  path: string,
): Array<{ line: number; value: unknown }> {
  if (format === "jsonl") {
    return text.split(/\r?\n/).flatMap((raw, i) => {
      if (raw.trim() === "") return [];
      try {
        return [{ line: i + 1, value: JSON.parse(raw) as unknown }];
      } catch (error) {
        throw InvalidInputError.field(`${path}:${i + 1}`, `not JSON (${(error as Error).message})`);
      }
    });
  }
  let rows: Array<{ record: Record<string, string>; info: { lines: number } }>;
  try {
    rows = parse(text, {
      columns: (header: string[]) =>
        header.map((column) => {
          const name = COLUMN_ALIASES[column.trim().toLowerCase()];
          if (!name) {
            throw new Error(
              `unknown column ${JSON.stringify(column)}: the columns are requestId, label, token, index`,
            );
          }
          return name;
        }),
      skip_empty_lines: true,
      trim: true,
      bom: true,
      info: true,
    });
  } catch (error) {
    throw InvalidInputError.field(path, (error as Error).message);
  }
  // Empty cells are absent values (a label without a token is sent under the admin token).
  return rows.map(({ record, info }) => ({
    line: info.lines,
    value: Object.fromEntries(Object.entries(record).filter(([, cell]) => cell !== "")),
  }));
}

/** The labels of a file, in file order; throws naming every bad line (up to 20). */
export function parseLabels(text: string, path: string, format = formatOf(path, text)): FeedbackLabel[] {
  const labels: FeedbackLabel[] = [];
  const errors: FieldError[] = [];
  for (const { line, value } of records(text, format, path)) {
    const parsed = Label.safeParse(value);
    if (parsed.success) labels.push(parsed.data);
    else {
      for (const issue of parsed.error.issues) {
        const field = issue.path.length > 0 ? `.${issue.path.join(".")}` : "";
        errors.push({ field: `${path}:${line}${field}`, message: issue.message });
      }
    }
  }
  if (errors.length > 0) throw new InvalidInputError(errors.slice(0, 20));
  if (labels.length === 0) throw InvalidInputError.field(path, "holds no labels");
  return labels;
}

export async function readLabels(path: string): Promise<FeedbackLabel[]> {
  const text = new TextDecoder().decode(await readInputFile(path, "label file"));
  return parseLabels(text, path);
}
