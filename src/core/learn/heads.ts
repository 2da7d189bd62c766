/**
 * What the network's outputs are trained to be: a softmax over K classes (cross-entropy, optional class
 * weights for imbalanced labels, optional soft targets from a teacher) or values (a linear output,
 * mean squared error). A head turns one row's outputs into its loss and the loss's gradient.
 */

export type Targets =
  | {
      kind: "classes";
      /** Class index per row, 0 .. classes - 1. */
      labels: ArrayLike<number>;
      classes: number;
      /** Weight of each class in the loss (e.g. inverse frequency); 1 for every class when absent. */
      classWeights?: ArrayLike<number>;
    }
  | {
      kind: "values";
      /** Row-major [rows, outputs]. */
      values: ArrayLike<number>;
      outputs: number;
    };

export function targetRows(targets: Targets): number {
  return targets.kind === "classes" ? targets.labels.length : targets.values.length / targets.outputs;
}

export function targetOutputs(targets: Targets): number {
  return targets.kind === "classes" ? targets.classes : targets.outputs;
}

/** Knowledge distillation: teacher probabilities for the training rows, already softened by `temperature`. */
export interface SoftTargets {
  /** [train rows, classes]. */
  targets: Float64Array;
  temperature: number;
  /** Weight of the soft-target loss; 1 - alpha goes to the hard labels. */
  alpha: number;
}

/**
 * Teacher probabilities [rows, classes] softened by `temperature`: softmax(log(p) / T) = p^(1/T),
 * renormalised. Working from probabilities rather than logits lets any teacher serve (quantized,
 * pruned, foreign). T > 1 reveals more of the teacher's ranking of the other classes.
 */
export function softenProbabilities(
  probabilities: ArrayLike<number>,
  classes: number,
  temperature: number,
): Float64Array {
  if (!(temperature > 0)) throw new RangeError(`temperature must be positive, got ${temperature}`);
  if (probabilities.length % classes !== 0) {
    throw new RangeError(`teacher probabilities are not [rows, ${classes}]`);
  }
  const targets = new Float64Array(probabilities.length);
  for (let row = 0; row < probabilities.length; row += classes) {
    let sum = 0;
    for (let j = 0; j < classes; j++) {
      const p = probabilities[row + j];
      if (!(p >= 0 && p <= 1)) {
        throw new RangeError(`teacher probability ${p} at row ${row / classes} is not in [0, 1]`);
      }
      // A floor keeps a row the teacher is certain about from becoming 0/0 after the power.
      targets[row + j] = Math.max(p, 1e-12) ** (1 / temperature);
      sum += targets[row + j];
    }
    for (let j = 0; j < classes; j++) targets[row + j] /= sum;
  }
  return targets;
}

export interface Head {
  readonly outputs: number;
  /** The row's weight in a weighted mean of losses (its class weight; 1 for values). */
  weight(row: number): number;
  /** The loss of row `row` given its outputs; writes d(loss)/d(outputs) into `gradient`. */
  loss(outputs: Float64Array, row: number, gradient: Float64Array): number;
  /** Whether the row is predicted right (classes), or null when the head has no notion of it (values). */
  correct(outputs: Float64Array, row: number): boolean | null;
}

/** Softmax of the logits into `out`; returns log(softmax)[label] for the cross-entropy. */
export function softmaxInto(logits: Float64Array, out: Float64Array, label: number, temperature = 1): number {
  let max = -Infinity;
  for (let j = 0; j < logits.length; j++) max = Math.max(max, logits[j] / temperature);
  let sum = 0;
  for (let j = 0; j < logits.length; j++) {
    out[j] = Math.exp(logits[j] / temperature - max);
    sum += out[j];
  }
  for (let j = 0; j < logits.length; j++) out[j] /= sum;
  return logits[label] / temperature - max - Math.log(sum);
}

export function argmax(values: ArrayLike<number>): number {
  let best = 0;
  for (let j = 1; j < values.length; j++) if (values[j] > values[best]) best = j;
  return best;
}

/** Checks the targets and builds their head; `soft` applies to these rows (the training split). */
export function headFor(targets: Targets, soft?: SoftTargets): Head {
  return targets.kind === "classes" ? classesHead(targets, soft) : valuesHead(targets);
}

function classesHead(targets: Extract<Targets, { kind: "classes" }>, soft?: SoftTargets): Head {
  const { labels, classes, classWeights } = targets;
  if (!(Number.isInteger(classes) && classes >= 2))
    throw new RangeError(`need at least 2 classes, got ${classes}`);
  for (let i = 0; i < labels.length; i++) {
    const label = labels[i];
    if (!(Number.isInteger(label) && label >= 0 && label < classes)) {
      throw new RangeError(`label of row ${i} is ${label}, not a class index below ${classes}`);
    }
  }
  if (classWeights) {
    if (classWeights.length !== classes) {
      throw new RangeError(`${classWeights.length} class weights for ${classes} classes`);
    }
    for (let j = 0; j < classes; j++) {
      if (!(classWeights[j] > 0 && Number.isFinite(classWeights[j]))) {
        throw new RangeError(`class weight ${j} is ${classWeights[j]}, not a positive number`);
      }
    }
  }
  if (soft) {
    if (soft.targets.length !== labels.length * classes) {
      throw new RangeError(
        `soft targets cover ${soft.targets.length / classes} rows, there are ${labels.length}`,
      );
    }
    if (!(soft.temperature > 0))
      throw new RangeError(`temperature must be positive, got ${soft.temperature}`);
    if (!(soft.alpha >= 0 && soft.alpha <= 1))
      throw new RangeError(`alpha must be in [0, 1], got ${soft.alpha}`);
  }
  const probabilities = new Float64Array(classes);
  const softened = new Float64Array(classes);
  const weight = (row: number) => (classWeights ? classWeights[labels[row]] : 1);
  return {
    outputs: classes,
    weight,
    loss(logits, row, gradient) {
      const label = labels[row];
      const logProbability = softmaxInto(logits, probabilities, label);
      for (let j = 0; j < classes; j++) gradient[j] = probabilities[j] - (j === label ? 1 : 0);
      let loss = -logProbability;
      if (soft) {
        // (1 - a) * CE(y, p) + a * T^2 * KL(q || p_T): the T^2 keeps the soft gradient's scale independent
        // of T, and KL (unlike CE) reaches 0 when the student matches the teacher.
        const { targets: q, temperature: t, alpha: a } = soft;
        softmaxInto(logits, softened, 0, t);
        let softLoss = 0;
        for (let j = 0; j < classes; j++) {
          const target = q[row * classes + j];
          gradient[j] = (1 - a) * gradient[j] + a * t * (softened[j] - target);
          if (target > 0) {
            softLoss += target * (Math.log(target) - Math.log(Math.max(softened[j], Number.MIN_VALUE)));
          }
        }
        loss = (1 - a) * -logProbability + a * t * t * softLoss;
      }
      if (classWeights) {
        const w = classWeights[label];
        for (let j = 0; j < classes; j++) gradient[j] *= w;
        loss *= w;
      }
      return loss;
    },
    correct(logits, row) {
      return argmax(logits) === labels[row];
    },
  };
}

function valuesHead(targets: Extract<Targets, { kind: "values" }>): Head {
  const { values, outputs } = targets;
  if (!(Number.isInteger(outputs) && outputs >= 1) || values.length % outputs !== 0) {
    throw new RangeError(`${values.length} target values are not [rows, ${outputs}]`);
  }
  for (let i = 0; i < values.length; i++) {
    if (!Number.isFinite(values[i])) throw new RangeError(`target ${i} is ${values[i]}, not a finite number`);
  }
  return {
    outputs,
    weight: () => 1,
    // Mean squared error over the outputs.
    loss(predicted, row, gradient) {
      let loss = 0;
      for (let j = 0; j < outputs; j++) {
        const error = predicted[j] - values[row * outputs + j];
        loss += (error * error) / outputs;
        gradient[j] = (2 * error) / outputs;
      }
      return loss;
    },
    correct: () => null,
  };
}
