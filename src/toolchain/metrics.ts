/** Binary classification metrics with spam (label 1) as the positive class. */

export interface ConfusionMatrix {
  tp: number;
  fp: number;
  tn: number;
  fn: number;
}

export interface ClassificationMetrics {
  count: number;
  accuracy: number;
  precision: number;
  recall: number;
  f1: number;
  /** null when only one class is present: the ranking it measures is then undefined. */
  auc: number | null;
  logLoss: number;
  confusion: ConfusionMatrix;
}

function checkLengths(labels: ArrayLike<number>, other: ArrayLike<number>, what: string): void {
  if (labels.length !== other.length) {
    throw new RangeError(`${labels.length} labels but ${other.length} ${what}`);
  }
  for (let i = 0; i < labels.length; i++) {
    if (labels[i] !== 0 && labels[i] !== 1) throw new RangeError(`label ${i} is ${labels[i]}, not 0 or 1`);
  }
}

export function confusionMatrix(labels: ArrayLike<number>, predicted: ArrayLike<number>): ConfusionMatrix {
  checkLengths(labels, predicted, "predictions");
  const matrix = { tp: 0, fp: 0, tn: 0, fn: 0 };
  for (let i = 0; i < labels.length; i++) {
    const positive = predicted[i] === 1;
    if (labels[i] === 1) positive ? matrix.tp++ : matrix.fn++;
    else positive ? matrix.fp++ : matrix.tn++;
  }
  return matrix;
}

export function accuracy({ tp, fp, tn, fn }: ConfusionMatrix): number {
  const total = tp + fp + tn + fn;
  return total === 0 ? 0 : (tp + tn) / total;
}

/** Of the emails flagged as spam, the share that is spam; 0 when nothing was flagged. */
export function precision({ tp, fp }: ConfusionMatrix): number {
  return tp + fp === 0 ? 0 : tp / (tp + fp);
}

/** Of the spam, the share that was flagged; 0 when there is no spam. */
export function recall({ tp, fn }: ConfusionMatrix): number {
  return tp + fn === 0 ? 0 : tp / (tp + fn);
}

/** Harmonic mean of precision and recall, in the 2tp / (2tp + fp + fn) form that needs no 0/0 case. */
export function f1({ tp, fp, fn }: ConfusionMatrix): number {
  return tp === 0 ? 0 : (2 * tp) / (2 * tp + fp + fn);
}

/**
 * Exact ROC-AUC by the rank-sum (Mann-Whitney U) formula: tied scores share their mean rank, which
 * counts a tied positive/negative pair as half right. NaN when either class is absent.
 */
export function rocAuc(labels: ArrayLike<number>, scores: ArrayLike<number>): number {
  checkLengths(labels, scores, "scores");
  const n = labels.length;
  for (let i = 0; i < n; i++) {
    if (Number.isNaN(scores[i])) throw new RangeError(`score ${i} is NaN`);
  }
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => scores[a] - scores[b]);
  let positives = 0;
  let positiveRankSum = 0;
  for (let start = 0; start < n; ) {
    let end = start + 1;
    while (end < n && scores[order[end]] === scores[order[start]]) end++;
    // Ranks start..end-1 (0-based) share the 1-based mean rank.
    const meanRank = (start + end + 1) / 2;
    for (let k = start; k < end; k++) {
      if (labels[order[k]] === 1) {
        positives++;
        positiveRankSum += meanRank;
      }
    }
    start = end;
  }
  const negatives = n - positives;
  if (positives === 0 || negatives === 0) return Number.NaN;
  return (positiveRankSum - (positives * (positives + 1)) / 2) / (positives * negatives);
}

/** Mean binary cross-entropy of spam probabilities, clipped to [eps, 1 - eps] so a confident miss stays finite. */
export function logLoss(labels: ArrayLike<number>, scores: ArrayLike<number>, eps = 1e-15): number {
  checkLengths(labels, scores, "scores");
  if (labels.length === 0) throw new RangeError("log loss of no examples");
  let sum = 0;
  for (let i = 0; i < labels.length; i++) {
    const p = Math.min(Math.max(scores[i], eps), 1 - eps);
    sum -= labels[i] === 1 ? Math.log(p) : Math.log(1 - p);
  }
  return sum / labels.length;
}

/** Every metric for spam probabilities `scores`; an email is flagged when its score exceeds `threshold`. */
export function classificationMetrics(
  labels: ArrayLike<number>,
  scores: ArrayLike<number>,
  threshold = 0.5,
): ClassificationMetrics {
  const predicted = Array.from(scores, (score) => (score > threshold ? 1 : 0));
  const confusion = confusionMatrix(labels, predicted);
  const auc = rocAuc(labels, scores);
  return {
    count: labels.length,
    accuracy: accuracy(confusion),
    precision: precision(confusion),
    recall: recall(confusion),
    f1: f1(confusion),
    auc: Number.isNaN(auc) ? null : auc,
    logLoss: logLoss(labels, scores),
    confusion,
  };
}
