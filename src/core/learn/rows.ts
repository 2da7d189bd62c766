/**
 * Feature matrices the learner reads: compressed sparse rows for hashed text (an email fills a few
 * hundred of 4096 buckets, so only nonzeros are visited) and dense row-major rows for tabular
 * features. Values are float32, exactly what the model is fed at serving time.
 */

export interface SparseRows {
  rows: number;
  cols: number;
  /** Row r holds entries indptr[r] .. indptr[r + 1] - 1 of indices/values. */
  indptr: Int32Array;
  indices: Int32Array;
  values: Float32Array;
}

export interface DenseRows {
  rows: number;
  cols: number;
  /** Row-major [rows, cols]. */
  values: Float32Array;
}

export type Rows = SparseRows | DenseRows;

export function isSparse(rows: Rows): rows is SparseRows {
  return "indptr" in rows;
}

export function denseRows(values: Float32Array, cols: number): DenseRows {
  if (!(Number.isInteger(cols) && cols > 0) || values.length % cols !== 0) {
    throw new RangeError(`matrix of ${values.length} values is not [n, ${cols}]`);
  }
  return { rows: values.length / cols, cols, values };
}

/** Row-major dense [rows, cols] matrix to sparse rows, dropping zeros. */
export function sparseFromDense(dense: Float32Array, cols: number): SparseRows {
  const { rows } = denseRows(dense, cols);
  return buildSparseRows(rows, cols, (row) => dense.subarray(row * cols, (row + 1) * cols));
}

/** Sparse rows from a function giving each row's dense vector (e.g. a featurizer's output). */
export function buildSparseRows(
  rows: number,
  cols: number,
  rowAt: (row: number) => Float32Array,
): SparseRows {
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

export function toDense(matrix: Rows): Float32Array {
  if (!isSparse(matrix)) return matrix.values.slice();
  const dense = new Float32Array(matrix.rows * matrix.cols);
  for (let row = 0; row < matrix.rows; row++) {
    for (let k = matrix.indptr[row]; k < matrix.indptr[row + 1]; k++) {
      dense[row * matrix.cols + matrix.indices[k]] = matrix.values[k];
    }
  }
  return dense;
}

/** The rows at `indices`, in that order (a split of a featurized dataset). */
export function selectRows(matrix: Rows, indices: ArrayLike<number>): Rows {
  const picked = Array.from(indices);
  if (!isSparse(matrix)) {
    const values = new Float32Array(picked.length * matrix.cols);
    picked.forEach((row, i) => {
      values.set(matrix.values.subarray(row * matrix.cols, (row + 1) * matrix.cols), i * matrix.cols);
    });
    return { rows: picked.length, cols: matrix.cols, values };
  }
  const indptr = new Int32Array(picked.length + 1);
  for (const [i, row] of picked.entries())
    indptr[i + 1] = indptr[i] + matrix.indptr[row + 1] - matrix.indptr[row];
  const out = {
    indices: new Int32Array(indptr[picked.length]),
    values: new Float32Array(indptr[picked.length]),
  };
  for (const [i, row] of picked.entries()) {
    out.indices.set(matrix.indices.subarray(matrix.indptr[row], matrix.indptr[row + 1]), indptr[i]);
    out.values.set(matrix.values.subarray(matrix.indptr[row], matrix.indptr[row + 1]), indptr[i]);
  }
  return { rows: picked.length, cols: matrix.cols, indptr, ...out };
}
