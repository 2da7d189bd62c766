/**
 * Knowledge distillation: a smaller student (fewer buckets, a smaller or no hidden layer) learns from a
 * teacher's probabilities, which carry more than the hard labels (how spammy a ham email looks).
 */
import type { EpochCallback, FitResult } from "../../core/learn/fit.js";
import { CLASSES } from "./model.js";
import { initialNetwork, optimize, resolveOptions, type TrainData, type TrainOptions } from "./trainer.js";

export interface DistillOptions extends TrainOptions {
  /** Softens the teacher's probabilities: p^(1/T), renormalised. T > 1 reveals more of its ranking. */
  temperature: number;
  /** Weight of the soft-target loss; 1 - alpha goes to the hard labels. */
  alpha: number;
}

export const DEFAULT_DISTILL = { temperature: 2, alpha: 0.7 };

/**
 * Teacher probabilities [rows, 2] softened by `temperature`. Working from probabilities rather than
 * logits lets any ONNX teacher (quantized, pruned, foreign) serve: softmax(log(p) / T) = p^(1/T) / sum.
 */
export function softTargets(probabilities: ArrayLike<number>, temperature: number): Float64Array {
  if (!(temperature > 0)) throw new RangeError(`temperature must be positive, got ${temperature}`);
  if (probabilities.length % CLASSES !== 0) throw new RangeError("teacher probabilities are not [rows, 2]");
  const targets = new Float64Array(probabilities.length);
  for (let row = 0; row < probabilities.length; row += CLASSES) {
    let sum = 0;
    for (let j = 0; j < CLASSES; j++) {
      const p = probabilities[row + j];
      if (!(p >= 0 && p <= 1))
        throw new RangeError(`teacher probability ${p} at row ${row / CLASSES} is not in [0, 1]`);
      // A floor keeps a row the teacher is certain about from becoming 0/0 after the power.
      targets[row + j] = Math.max(p, 1e-12) ** (1 / temperature);
      sum += targets[row + j];
    }
    for (let j = 0; j < CLASSES; j++) targets[row + j] /= sum;
  }
  return targets;
}

/** Trains a new student on `data` (featurized with the student's spec) and the teacher's train-row probabilities. */
export function distill(
  data: TrainData,
  teacherProbabilities: ArrayLike<number>,
  options: Partial<DistillOptions> = {},
  onEpoch?: EpochCallback,
): FitResult {
  const { temperature = DEFAULT_DISTILL.temperature, alpha = DEFAULT_DISTILL.alpha, ...rest } = options;
  if (!(alpha >= 0 && alpha <= 1)) throw new RangeError(`alpha must be in [0, 1], got ${alpha}`);
  const settings = resolveOptions(rest);
  const soft = { targets: softTargets(teacherProbabilities, temperature), temperature, alpha };
  return optimize(initialNetwork(settings, data.train.features.cols), data, settings, { onEpoch, soft });
}
