/**
 * Tensors as plain typed arrays, free of any runtime: the input kinds build them, onnxruntime-web (in
 * the Worker) and onnxruntime-node (in the toolchain) wrap them, and drift reads them back.
 */
import { z } from "zod";

export const TensorDType = z.enum(["float32", "int64", "int32", "int8", "uint8", "bool"]);
export type TensorDType = z.infer<typeof TensorDType>;

const Reason = z.string().max(300);

/**
 * What an input may hold beyond its dtype and shape, as its graph decides (found there by vane
 * import): checked before the model runs, so a request past them is refused naming the input rather
 * than failing inside the graph at a node the caller never heard of.
 */
export const InputBounds = z
  .object({
    /** Integer values it may hold: ids feeding an embedding table of N rows take 0..N-1. */
    values: z.object({ min: z.number().int(), max: z.number().int(), reason: Reason }).optional(),
    /** Largest sizes of symbolic axes: a sequence axis that slices a position table of 64 rows. */
    axes: z
      .array(
        z.object({
          axis: z.number().int().nonnegative(),
          max: z.number().int().nonnegative(),
          reason: Reason,
        }),
      )
      .max(8)
      .optional(),
  })
  .strict();
export type InputBounds = z.infer<typeof InputBounds>;

export const TensorSpec = z.object({
  name: z.string().min(1),
  dtype: TensorDType,
  /** Fixed sizes as numbers, symbolic ones (e.g. the batch) as names. */
  shape: z.array(z.union([z.number().int().nonnegative(), z.string()])),
  bounds: InputBounds.optional(),
});
export type TensorSpec = z.infer<typeof TensorSpec>;

export type TensorData = Float32Array | BigInt64Array | Int32Array | Int8Array | Uint8Array;

export interface HostTensor {
  dtype: TensorDType;
  dims: readonly number[];
  data: TensorData;
}

/** Bytes per element of each dtype, as onnxruntime lays them out (little-endian). */
export const ELEMENT_BYTES: Record<TensorDType, number> = {
  float32: 4,
  int64: 8,
  int32: 4,
  int8: 1,
  uint8: 1,
  bool: 1,
};

export function elementCount(dims: readonly number[]): number {
  return dims.reduce((a, b) => a * b, 1);
}

/** A typed array of `dtype` over a copy of `bytes` (copied so the view is aligned and owned). */
export function fromBytes(dtype: TensorDType, bytes: Uint8Array): TensorData {
  const buffer = bytes.slice().buffer;
  switch (dtype) {
    case "float32":
      return new Float32Array(buffer);
    case "int64":
      return new BigInt64Array(buffer);
    case "int32":
      return new Int32Array(buffer);
    case "int8":
      return new Int8Array(buffer);
    case "uint8":
    case "bool":
      return new Uint8Array(buffer);
  }
}

/**
 * The elements of instance `index` of a batch-major tensor of `size` instances; a tensor whose first
 * axis is not the batch (a shared input) belongs whole to every instance.
 */
export function instanceSlice(tensor: HostTensor, index: number, size: number): TensorData {
  if (tensor.dims[0] !== size || size === 0) return tensor.data;
  const per = tensor.data.length / size;
  return tensor.data.subarray(index * per, (index + 1) * per);
}

/** Element `i` as a number (int64 as the nearest double). */
export function numberAt(data: TensorData, i: number): number {
  return Number(data[i]);
}
