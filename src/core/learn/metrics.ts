/**
 * Held-out quality of a classifier of any number of classes (confusion matrix, per-class precision,
 * recall and F1) and of a regressor (MAE, RMSE, R²), from predictions already made. The trainer's
 * record and `vane evaluate` both report through these.
 */

export interface ClassMetrics {
  label: string;
  /** Of the rows predicted as this class, the share that is; 0 when none was. */
  precision: number;
  /** Of the rows of this class, the share predicted as it; 0 when there are none. */
  recall: number;
  f1: number;
  /** Rows of this class. */
  support: number;
}

export interface MulticlassMetrics {
  count: number;
  accuracy: number;
  macroF1: number;
  /** Mean cross-entropy of the true class's probability (clipped, so a confident miss stays finite). */
  logLoss: number;
  labels: string[];
  /** confusion[actual][predicted], in the order of `labels`. */
  confusion: number[][];
  perClass: ClassMetrics[];
}

export interface RegressionMetrics {
  count: number;
  mae: number;
  rmse: number;
  /** 1 - residual / total sum of squares; null when the targets do not vary. */
  r2: number | null;
}

const LOG_LOSS_EPSILON = 1e-15;

export function confusionMatrix(
  truth: ArrayLike<number>,
  predicted: ArrayLike<number>,
  classes: number,
): number[][] {
  if (truth.length !== predicted.length) {
    throw new RangeError(`${truth.length} labels but ${predicted.length} predictions`);
  }
  const confusion = Array.from({ length: classes }, () => new Array<number>(classes).fill(0));
  for (let i = 0; i < truth.length; i++) {
    const [actual, guess] = [truth[i], predicted[i]];
    if (!(Number.isInteger(actual) && actual >= 0 && actual < classes)) {
      throw new RangeError(`label ${i} is ${actual}, not a class index below ${classes}`);
    }
    if (!(Number.isInteger(guess) && guess >= 0 && guess < classes)) {
      throw new RangeError(`prediction ${i} is ${guess}, not a class index below ${classes}`);
    }
    confusion[actual][guess]++;
  }
  return confusion;
}

export function perClassMetrics(
  confusion: readonly (readonly number[])[],
  labels: readonly string[],
): ClassMetrics[] {
  return labels.map((label, c) => {
    const tp = confusion[c][c];
    const predicted = confusion.reduce((sum, row) => sum + row[c], 0);
    const support = confusion[c].reduce((a, b) => a + b, 0);
    return {
      label,
      precision: predicted === 0 ? 0 : tp / predicted,
      recall: support === 0 ? 0 : tp / support,
      // 2tp / (2tp + fp + fn), with no 0/0 case.
      f1: tp === 0 ? 0 : (2 * tp) / (predicted + support),
      support,
    };
  });
}

/**
 * Every classification metric from row-major [rows, classes] probabilities; a row is predicted as its
 * most probable class (the first of equals).
 */
export function multiclassMetrics(
  truth: ArrayLike<number>,
  probabilities: ArrayLike<number>,
  labels: readonly string[],
): MulticlassMetrics {
  const k = labels.length;
  const n = truth.length;
  if (n === 0) throw new RangeError("metrics of no rows");
  if (probabilities.length !== n * k) {
    throw new RangeError(`${probabilities.length} probabilities for ${n} rows of ${k} classes`);
  }
  const predicted = new Int32Array(n);
  let loss = 0;
  for (let row = 0; row < n; row++) {
    let best = 0;
    for (let j = 1; j < k; j++) if (probabilities[row * k + j] > probabilities[row * k + best]) best = j;
    predicted[row] = best;
    const p = probabilities[row * k + truth[row]];
    loss -= Math.log(Math.min(1 - LOG_LOSS_EPSILON, Math.max(LOG_LOSS_EPSILON, p)));
  }
  const confusion = confusionMatrix(truth, predicted, k);
  const perClass = perClassMetrics(confusion, labels);
  const correct = confusion.reduce((sum, row, c) => sum + row[c], 0);
  return {
    count: n,
    accuracy: correct / n,
    macroF1: perClass.reduce((sum, c) => sum + c.f1, 0) / k,
    logLoss: loss / n,
    labels: [...labels],
    confusion,
    perClass,
  };
}

export function regressionMetrics(truth: ArrayLike<number>, predicted: ArrayLike<number>): RegressionMetrics {
  const n = truth.length;
  if (n === 0) throw new RangeError("metrics of no rows");
  if (predicted.length !== n) throw new RangeError(`${n} targets but ${predicted.length} predictions`);
  let mean = 0;
  for (let i = 0; i < n; i++) mean += truth[i] / n;
  let absolute = 0;
  let squared = 0;
  let total = 0;
  for (let i = 0; i < n; i++) {
    const error = predicted[i] - truth[i];
    absolute += Math.abs(error);
    squared += error * error;
    total += (truth[i] - mean) ** 2;
  }
  return {
    count: n,
    mae: absolute / n,
    rmse: Math.sqrt(squared / n),
    r2: total === 0 ? null : 1 - squared / total,
  };
}
