/**
 * Feedback data as the Worker exports it (`GET /v1/admin/models/{name}/feedback-data`, `vane feedback
 * export`): one JSON line per labelled instance, with the features the model was fed (sparse where the
 * model is sparse) or the instance as sent, for models whose manifest keeps them.
 */
import { InvalidInputError, UnprocessableError } from "../../core/errors.js";
import { denseFeatures, FeedbackRow } from "../../core/feedback-row.js";
import { readInputFile } from "../files.js";

/** Rows of an export file; a malformed line is named by its number and field. */
export function parseFeedbackData(text: string, source: string): FeedbackRow[] {
  const rows: FeedbackRow[] = [];
  const lines = text.split("\n");
  for (const [i, line] of lines.entries()) {
    if (line.trim() === "") continue;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch (error) {
      throw InvalidInputError.field(`${source}:${i + 1}`, `not JSON: ${(error as Error).message}`);
    }
    const parsed = FeedbackRow.safeParse(value);
    if (!parsed.success) {
      throw new InvalidInputError(
        parsed.error.issues.map((issue) => ({
          field: `${source}:${i + 1}: ${issue.path.join(".")}`,
          message: issue.message,
        })),
      );
    }
    rows.push(parsed.data);
  }
  if (rows.length === 0) throw new UnprocessableError(`${source} holds no feedback rows`);
  return rows;
}

export async function readFeedbackData(path: string): Promise<FeedbackRow[]> {
  const bytes = await readInputFile(path, "feedback data");
  return parseFeedbackData(new TextDecoder().decode(bytes), path);
}

/** The row's features as a dense vector of the model's `width` inputs, or null when it carries none. */
export function rowFeatures(row: FeedbackRow, width: number, field: string): Float32Array | null {
  if (!row.features) return null;
  const { dims, indices } = row.features;
  if (dims.reduce((a, b) => a * b, 1) !== width || (indices ?? []).some((index) => index >= width)) {
    throw InvalidInputError.field(
      `${field}.features`,
      `dims [${dims}] are not the model's ${width} features`,
    );
  }
  return denseFeatures(row.features);
}

/** The earliest and latest prediction times of the rows. */
export function timeWindow(rows: readonly FeedbackRow[]): { from: string; to: string } {
  const times = rows.map((row) => row.time).sort();
  return { from: times[0], to: times[times.length - 1] };
}

/**
 * What a retrained version's record says of the feedback it learned from: where it came from, the
 * time it spans, its rows, how they were split and how many of each class (`labels` by class index).
 */
export function feedbackSummary(
  source: string,
  rows: readonly FeedbackRow[],
  split: { train: readonly number[]; validation: readonly number[]; heldOut: readonly number[] },
  labels: ArrayLike<number>,
  classes: number,
) {
  const all = Array.from(labels);
  return {
    source,
    ...timeWindow(rows),
    rows: rows.length,
    sizes: { train: split.train.length, validation: split.validation.length, test: split.heldOut.length },
    byLabel: Array.from({ length: classes }, (_, c) => all.filter((l) => l === c).length),
  };
}
