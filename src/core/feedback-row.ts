/**
 * One labelled instance of training data from the edge, as the Worker exports it (one JSON line per
 * row of GET /v1/admin/models/{name}/feedback-data, docs/feedback-data.md) and as the toolchain and
 * the online update read it. Features are one instance's values of the model's input tensor, sparse
 * (`indices` of the nonzero values) where most of them are zero, as hashed text is.
 */
import { z } from "zod";
import { elementCount } from "./tensor.js";

export const FeatureValues = z
  .object({
    /** The instance's dims, without the batch axis ([4096] for the spam model). */
    dims: z.array(z.number().int().nonnegative()),
    /** Present when sparse: the flat positions of `values`, ascending; absent: `values` is dense. */
    indices: z.array(z.number().int().nonnegative()).optional(),
    values: z.array(z.number()),
  })
  .refine(
    (f) => (f.indices ? f.indices.length === f.values.length : f.values.length === elementCount(f.dims)),
    {
      message: "values must be dense (one per element) or match indices",
    },
  );
export type FeatureValues = z.infer<typeof FeatureValues>;

export const FeedbackRow = z.object({
  requestId: z.string(),
  /** Instance index within the predict call's batch. */
  index: z.number().int().nonnegative(),
  /** When the prediction was made (ISO 8601); with requestId and index, names the row. */
  time: z.iso.datetime(),
  /** The version that answered, whose input features these are. */
  version: z.number().int().positive(),
  /** The true label feedback gave. */
  label: z.string(),
  features: FeatureValues.optional(),
  /** The instance as the request sent it (models that keep "instance"). */
  instance: z.unknown().optional(),
});
export type FeedbackRow = z.infer<typeof FeedbackRow>;

/** The shortest decimal that reads back as the same float32 (JSON would print the double's digits). */
function float32Decimal(value: number): number {
  for (let digits = 6; digits < 9; digits++) {
    const short = Number(value.toPrecision(digits));
    if (Math.fround(short) === value) return short;
  }
  return Number(value.toPrecision(9));
}

/**
 * One instance's values in the export's form: sparse when that is smaller (fewer than half nonzero).
 * Float32 values are written with the fewest digits that read back exactly.
 */
export function encodeFeatures(
  values: ArrayLike<number | bigint>,
  dims: readonly number[],
  float32: boolean,
): FeatureValues {
  const asNumber = (v: number | bigint) => (float32 ? float32Decimal(Number(v)) : Number(v));
  let nonzero = 0;
  for (let i = 0; i < values.length; i++) if (Number(values[i]) !== 0) nonzero++;
  if (nonzero * 2 >= values.length) {
    return { dims: [...dims], values: Array.from(values, asNumber) };
  }
  const indices: number[] = [];
  const sparse: number[] = [];
  for (let i = 0; i < values.length; i++) {
    if (Number(values[i]) === 0) continue;
    indices.push(i);
    sparse.push(asNumber(values[i]));
  }
  return { dims: [...dims], indices, values: sparse };
}

/** The dense values of encoded features. */
export function denseFeatures(features: FeatureValues): Float32Array {
  if (!features.indices) return Float32Array.from(features.values);
  const dense = new Float32Array(elementCount(features.dims));
  features.indices.forEach((position, k) => {
    dense[position] = features.values[k];
  });
  return dense;
}

/** The instances the rows kept as sent (feedbackData keep "instance"), in row order. */
export function keptInstances(rows: readonly FeedbackRow[]): object[] {
  return rows.flatMap((row) => (row.instance && typeof row.instance === "object" ? [row.instance] : []));
}
