/**
 * Compressed sparse rows for hashed text features. An email fills a few hundred of 4096 buckets, so
 * the trainer iterates nonzeros only; the values are the exact float32s the Worker feeds the model.
 */

import { textFeatures } from "../../core/kinds/hashed-text/features.js";
import type { HashedTextSpec } from "../../core/kinds/hashed-text/schema.js";
import type { Email } from "../data.js";

export interface SparseRows {
  rows: number;
  cols: number;
  /** Row r holds entries indptr[r] .. indptr[r + 1] - 1 of indices/values. */
  indptr: Int32Array;
  indices: Int32Array;
  values: Float32Array;
}

export interface LabeledRows {
  features: SparseRows;
  /** 0 = ham, 1 = spam. */
  labels: Uint8Array;
}

/** Row-major dense [rows, cols] matrix (e.g. from textFeatureMatrix) to sparse rows, dropping zeros. */
export function sparseFromDense(dense: Float32Array, cols: number): SparseRows {
  if (dense.length % cols !== 0) throw new RangeError(`matrix of ${dense.length} values is not [n, ${cols}]`);
  const rows = dense.length / cols;
  return buildRows(rows, cols, (row) => dense.subarray(row * cols, (row + 1) * cols));
}

/** Features of each text under `spec`: the same `textFeatures` the Worker runs, stored sparsely. */
export function featurize(spec: HashedTextSpec, texts: readonly string[]): SparseRows {
  return buildRows(texts.length, spec.buckets, (row) => textFeatures(spec, texts[row]).vector);
}

export function labeledRows(spec: HashedTextSpec, emails: readonly Email[]): LabeledRows {
  return {
    features: featurize(
      spec,
      emails.map((email) => email.text),
    ),
    labels: Uint8Array.from(emails, (email) => email.label),
  };
}

export function toDense(matrix: SparseRows): Float32Array {
  const dense = new Float32Array(matrix.rows * matrix.cols);
  for (let row = 0; row < matrix.rows; row++) {
    for (let k = matrix.indptr[row]; k < matrix.indptr[row + 1]; k++) {
      dense[row * matrix.cols + matrix.indices[k]] = matrix.values[k];
    }
  }
  return dense;
}

function buildRows(rows: number, cols: number, rowAt: (row: number) => Float32Array): SparseRows {
  const indptr = new Int32Array(rows + 1);
  let indices = new Int32Array(Math.max(16, rows * 64));
  let values = new Float32Array(indices.length);
  let count = 0;
  for (let row = 0; row < rows; row++) {
    const vector = rowAt(row);
    for (let col = 0; col < cols; col++) {
      const value = vector[col];
      if (value === 0) continue;
      if (count === indices.length) {
        indices = grow(indices, new Int32Array(indices.length * 2));
        values = grow(values, new Float32Array(values.length * 2));
      }
      indices[count] = col;
      values[count] = value;
      count++;
    }
    indptr[row + 1] = count;
  }
  return { rows, cols, indptr, indices: indices.slice(0, count), values: values.slice(0, count) };
}

function grow<T extends Int32Array | Float32Array>(from: T, to: T): T {
  to.set(from);
  return to;
}
