/**
 * Feedback data as the Worker exports it (`GET /v1/admin/models/{name}/feedback-data`, `vane feedback
 * export`): one JSON line per labelled instance, with the features the model was fed (sparse where the
 * model is sparse) or the instance as sent, for models whose manifest keeps them.
 */
import { z } from "zod";
import { InvalidInputError, UnprocessableError } from "../../core/errors.js";
import { readInputFile } from "../files.js";

const Features = z
  .object({
    /** The instance's shape without the batch axis, e.g. [4096]. */
    dims: z.array(z.number().int().nonnegative()).min(1),
    /** Positions of `values` in the flattened instance; absent when `values` is dense. */
    indices: z.array(z.number().int().nonnegative()).optional(),
    values: z.array(z.number()),
  })
  .superRefine((features, context) => {
    const size = features.dims.reduce((a, b) => a * b, 1);
    if (features.indices === undefined) {
      if (features.values.length !== size) {
        context.addIssue({
          code: "custom",
          path: ["values"],
          message: `holds ${features.values.length} values for dims [${features.dims}]`,
        });
      }
    } else if (features.indices.length !== features.values.length) {
      context.addIssue({ code: "custom", path: ["indices"], message: "needs one index per value" });
    } else if (features.indices.some((index) => index >= size)) {
      context.addIssue({
        code: "custom",
        path: ["indices"],
        message: `an index is past dims [${features.dims}]`,
      });
    }
  });

export const FeedbackRow = z.object({
  requestId: z.string().min(1),
  index: z.number().int().nonnegative(),
  /** When the prediction was made (ISO 8601). */
  time: z.iso.datetime(),
  /** The version that answered. */
  version: z.number().int().positive(),
  label: z.string().min(1),
  features: Features.optional(),
  instance: z.unknown().optional(),
});
export type FeedbackRow = z.infer<typeof FeedbackRow>;

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

/** The row's features as a dense vector of `width` values, or null when it carries none. */
export function denseFeatures(row: FeedbackRow, width: number, field: string): Float32Array | null {
  if (!row.features) return null;
  const { dims, indices, values } = row.features;
  const size = dims.reduce((a, b) => a * b, 1);
  if (size !== width) {
    throw InvalidInputError.field(`${field}.features.dims`, `[${dims}] is not the model's ${width} features`);
  }
  const vector = new Float32Array(width);
  if (indices === undefined) vector.set(values);
  else
    indices.forEach((index, k) => {
      vector[index] = values[k];
    });
  return vector;
}

/** The earliest and latest prediction times of the rows. */
export function timeWindow(rows: readonly FeedbackRow[]): { from: string; to: string } {
  const times = rows.map((row) => row.time).sort();
  return { from: times[0], to: times[times.length - 1] };
}
