/**
 * Scale and zero-point selection and the weight quantization itself, rounding as ONNX does (half to
 * even): the quantizer's (toolchain) and the online update's (Worker), which re-quantizes weights it
 * trained in the scheme of the version they came from.
 */

export type Granularity = "per-channel" | "per-tensor";

export interface QuantizationScheme {
  granularity: Granularity;
  /** int8 in [-127, 127] with zero point 0; otherwise uint8 in [0, 255] with a zero point. */
  symmetric: boolean;
}

interface QuantizedValues {
  /** One per channel ([N] for per-channel) or a single one (per-tensor). */
  scale: Float32Array;
  /** max |w - (q - zero point) * scale| over all elements, in float32 arithmetic as a runtime does it. */
  maxAbsError: number;
}

/** Integers in the layout of the float input: symmetric int8 (zero point 0) or asymmetric uint8. */
export type QuantizedWeight =
  | (QuantizedValues & { dtype: "int8"; values: Int8Array })
  | (QuantizedValues & { dtype: "uint8"; values: Uint8Array; zeroPoint: Uint8Array });

function roundHalfEven(x: number): number {
  const floor = Math.floor(x);
  const fraction = x - floor;
  if (fraction < 0.5) return floor;
  if (fraction > 0.5) return floor + 1;
  return floor % 2 === 0 ? floor : floor + 1;
}

/**
 * Quantizes a row-major weight of shape `dims`; per-channel means one scale per index along `axis`
 * (the output channel: 1 for a [K, N] MatMul weight, 0 for Conv and embedding rows).
 */
export function quantizeWeight(
  data: Float32Array,
  dims: readonly number[],
  scheme: QuantizationScheme,
  axis: number,
): QuantizedWeight {
  const perChannel = scheme.granularity === "per-channel";
  const channels = perChannel ? dims[axis] : 1;
  const inner = dims.slice(axis + 1).reduce((a, b) => a * b, 1);
  const channelOf = (i: number) => (perChannel ? Math.floor(i / inner) % channels : 0);

  // Ranges always include 0 so that zero (and so pruned weights) is represented exactly.
  const low = new Float64Array(channels);
  const high = new Float64Array(channels);
  for (let i = 0; i < data.length; i++) {
    const c = channelOf(i);
    if (data[i] < low[c]) low[c] = data[i];
    if (data[i] > high[c]) high[c] = data[i];
  }

  const [qmin, qmax] = scheme.symmetric ? [-127, 127] : [0, 255];
  const scale = new Float32Array(channels);
  const zero = new Int32Array(channels);
  for (let c = 0; c < channels; c++) {
    const range = scheme.symmetric ? Math.max(-low[c], high[c]) / 127 : (high[c] - low[c]) / 255;
    // An all-zero channel gets scale 1: any positive scale reproduces it exactly.
    scale[c] = range > 0 ? range : 1;
    zero[c] = scheme.symmetric ? 0 : Math.min(qmax, Math.max(qmin, roundHalfEven(-low[c] / scale[c])));
  }

  const values = new Int32Array(data.length);
  let maxAbsError = 0;
  for (let i = 0; i < data.length; i++) {
    const c = channelOf(i);
    const q = Math.min(qmax, Math.max(qmin, roundHalfEven(data[i] / scale[c]) + zero[c]));
    values[i] = q;
    const error = Math.abs(data[i] - Math.fround((q - zero[c]) * scale[c]));
    if (error > maxAbsError) maxAbsError = error;
  }
  return scheme.symmetric
    ? { dtype: "int8", values: Int8Array.from(values), scale, maxAbsError }
    : {
        dtype: "uint8",
        values: Uint8Array.from(values),
        zeroPoint: Uint8Array.from(zero),
        scale,
        maxAbsError,
      };
}

/** Row-major [rows, columns] -> [columns, rows]. */
export function transpose(data: Float32Array, rows: number, columns: number): Float32Array {
  const out = new Float32Array(data.length);
  for (let r = 0; r < rows; r++) for (let c = 0; c < columns; c++) out[c * rows + r] = data[r * columns + c];
  return out;
}
