/**
 * Knowledge distillation: a smaller student (fewer buckets, a smaller or no hidden layer) learns from a
 * teacher's probabilities, which carry more than the hard labels (how spammy a ham email looks).
 */
import type { EpochCallback, FitResult } from "../../core/learn/fit.js";
import { softenProbabilities } from "../../core/learn/heads.js";
import { CLASSES } from "./model.js";
import { initialNetwork, optimize, resolveOptions, type TrainData, type TrainOptions } from "./trainer.js";

export interface DistillOptions extends TrainOptions {
  /** Softens the teacher's probabilities: p^(1/T), renormalised. T > 1 reveals more of its ranking. */
  temperature: number;
  /** Weight of the soft-target loss; 1 - alpha goes to the hard labels. */
  alpha: number;
}

export const DEFAULT_DISTILL = { temperature: 2, alpha: 0.7 };

/** Teacher probabilities [rows, 2] (ham, spam) softened by `temperature` (see softenProbabilities). */
export function softTargets(probabilities: ArrayLike<number>, temperature: number): Float64Array {
  return softenProbabilities(probabilities, CLASSES, temperature);
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
