/**
 * The training loop: seeded mini-batch epochs with Adam or SGD, exponential learning-rate decay, L2 on
 * the weights (not the biases), and early stopping on the validation loss that restores the best
 * epoch. Everything random comes from the seed and every sum runs in a fixed order, so a seed
 * reproduces the weights bit for bit. Training, fine-tuning and distillation all run through `fitNetwork`.
 */
import { UnprocessableError } from "../errors.js";
import { type Head, headFor, type SoftTargets, type Targets, targetOutputs, targetRows } from "./heads.js";
import type { Model, Network } from "./network.js";
import { makeStepper, OPTIMIZERS, type Optimizer } from "./optimizer.js";
import { deriveSeed, isSeed, Prng } from "./prng.js";
import type { Rows } from "./rows.js";

export interface FitOptions {
  /** Upper bound; early stopping usually ends sooner. */
  epochs: number;
  batchSize: number;
  learningRate: number;
  /** The learning rate of epoch e is learningRate * lrDecay^(e - 1). */
  lrDecay: number;
  /** Coefficient of (l2 / 2) * ||W||^2 in the loss. */
  l2: number;
  /** Epochs without a new best validation loss before training stops. */
  patience: number;
  optimizer: Optimizer;
  seed: number;
}

export interface Split {
  features: Rows;
  targets: Targets;
}

export interface FitData {
  train: Split;
  validation: Split;
}

export interface EpochStats {
  epoch: number;
  /** Mean loss over the epoch's mini-batches, without the L2 term (with soft targets: the distillation loss). */
  trainLoss: number;
  /** Weighted mean validation loss (cross-entropy, or mean squared error for values). */
  valLoss: number;
  /** Share of validation rows classified right; null for values. */
  valAccuracy: number | null;
  lr: number;
}

export type EpochCallback = (stats: EpochStats) => void;

/** Per weight matrix, 1 where a weight may be nonzero and 0 where it is pruned for good. */
export type WeightMask = Uint8Array[];

export interface FitExtras {
  onEpoch?: EpochCallback;
  mask?: WeightMask;
  /** Teacher probabilities for the training rows (distillation). */
  soft?: SoftTargets;
  /** Count the starting weights as epoch 0, so fine-tuning never returns worse than it started. */
  keepInitial?: boolean;
}

export interface FitResult {
  /** The weights of the best epoch. */
  model: Model;
  history: EpochStats[];
  /** Epoch whose weights were kept; 0 means the starting weights (with keepInitial only). */
  bestEpoch: number;
  stoppedEarly: boolean;
}

/** A run that cannot go on (it diverged, or the data cannot train it). */
export class TrainingError extends UnprocessableError {}

/** Throws a RangeError naming the first option out of range. */
export function checkFitOptions(options: FitOptions): void {
  const { epochs, batchSize, learningRate, lrDecay, l2, patience, seed, optimizer } = options;
  const positiveInteger = (value: number) => Number.isInteger(value) && value >= 1;
  const checks: Array<[boolean, string]> = [
    [positiveInteger(epochs), `epochs must be a positive integer, got ${epochs}`],
    [positiveInteger(batchSize), `batch size must be a positive integer, got ${batchSize}`],
    [positiveInteger(patience), `patience must be a positive integer, got ${patience}`],
    [
      learningRate > 0 && Number.isFinite(learningRate),
      `learning rate must be positive, got ${learningRate}`,
    ],
    [lrDecay > 0 && lrDecay <= 1, `lr decay must be in (0, 1], got ${lrDecay}`],
    [l2 >= 0 && Number.isFinite(l2), `l2 must be non-negative, got ${l2}`],
    [isSeed(seed), `seed must be an integer in [0, 2^32), got ${seed}`],
    [OPTIMIZERS.includes(optimizer), `unknown optimizer ${optimizer}`],
  ];
  for (const [ok, message] of checks) if (!ok) throw new RangeError(message);
}

function checkSplit(name: string, split: Split, network: Network): void {
  const rows = split.features.rows;
  if (split.features.cols !== network.inputs) {
    throw new RangeError(
      `${name} rows have ${split.features.cols} features, the model takes ${network.inputs}`,
    );
  }
  if (rows === 0 || targetRows(split.targets) !== rows) {
    throw new RangeError(`${name} split needs a target per row and at least one row`);
  }
  if (targetOutputs(split.targets) !== network.outputs) {
    throw new RangeError(
      `${name} targets have ${targetOutputs(split.targets)} outputs, the model has ${network.outputs}`,
    );
  }
}

/** Trains `network` in place on `data.train`, early-stopping on `data.validation`. */
export function fitNetwork(
  network: Network,
  data: FitData,
  options: FitOptions,
  extras: FitExtras = {},
): FitResult {
  checkFitOptions(options);
  const { train, validation } = data;
  checkSplit("train", train, network);
  checkSplit("validation", validation, network);
  const { mask } = extras;
  const trainHead = headFor(train.targets, extras.soft);
  const validationHead = headFor(validation.targets);
  if (mask) {
    if (mask.length !== network.weights.length) throw new RangeError("the mask needs one entry per layer");
    mask.forEach((keep, l) => {
      if (keep.length !== network.weights[l].length) throw new RangeError(`mask ${l} does not fit its layer`);
      const weight = network.weights[l];
      for (let i = 0; i < weight.length; i++) if (keep[i] === 0) weight[i] = 0;
    });
  }
  const random = new Prng(deriveSeed(options.seed, "shuffle"));
  const gradWeights = network.weights.map((weight) => new Float64Array(weight.length));
  const gradBiases = network.biases.map((bias) => new Float64Array(bias.length));
  const step = makeStepper(
    [
      ...network.weights.map((values, l) => ({
        values,
        grad: gradWeights[l],
        l2: options.l2,
        mask: mask?.[l],
      })),
      ...network.biases.map((values, l) => ({ values, grad: gradBiases[l], l2: 0 })),
    ],
    options.optimizer,
  );
  const gradient = new Float64Array(network.outputs);
  const history: EpochStats[] = [];
  let best = extras.keepInitial ? network.toModel() : undefined;
  let bestLoss = extras.keepInitial
    ? evaluateSplit(network, validation.features, validationHead).loss
    : Infinity;
  let bestEpoch = 0;
  let stale = 0;
  let stoppedEarly = false;
  const rows = train.features.rows;

  for (let epoch = 1; epoch <= options.epochs; epoch++) {
    const lr = options.learningRate * options.lrDecay ** (epoch - 1);
    const order = random.permutation(rows);
    let lossSum = 0;
    for (let start = 0; start < order.length; start += options.batchSize) {
      const end = Math.min(start + options.batchSize, order.length);
      const scale = 1 / (end - start);
      for (const grad of gradWeights) grad.fill(0);
      for (const grad of gradBiases) grad.fill(0);
      for (let k = start; k < end; k++) {
        const row = order[k];
        network.forward(train.features, row);
        lossSum += trainHead.loss(network.logits, row, gradient);
        for (let j = 0; j < gradient.length; j++) gradient[j] *= scale;
        network.backward(train.features, row, gradient, gradWeights, gradBiases);
      }
      step(lr);
    }
    const trainLoss = lossSum / rows;
    const { loss: valLoss, accuracy: valAccuracy } = evaluateSplit(
      network,
      validation.features,
      validationHead,
    );
    if (!Number.isFinite(trainLoss) || !Number.isFinite(valLoss)) {
      throw new TrainingError(
        `training diverged in epoch ${epoch} (loss ${trainLoss}); lower the learning rate`,
      );
    }
    const stats = { epoch, trainLoss, valLoss, valAccuracy, lr };
    history.push(stats);
    extras.onEpoch?.(stats);
    if (valLoss < bestLoss) {
      bestLoss = valLoss;
      best = network.toModel();
      bestEpoch = epoch;
      stale = 0;
    } else if (++stale >= options.patience) {
      stoppedEarly = epoch < options.epochs;
      break;
    }
  }
  return { model: best ?? network.toModel(), history, bestEpoch, stoppedEarly };
}

/** Weighted mean loss of a split (each row weighted by its class weight) and its accuracy (null for values). */
export function evaluateSplit(
  network: Network,
  features: Rows,
  head: Head,
): { loss: number; accuracy: number | null } {
  const gradient = new Float64Array(head.outputs);
  let loss = 0;
  let weights = 0;
  let correct = 0;
  let judged = 0;
  for (let row = 0; row < features.rows; row++) {
    network.forward(features, row);
    const weight = head.weight(row);
    loss += head.loss(network.logits, row, gradient);
    weights += weight;
    const right = head.correct(network.logits, row);
    if (right !== null) {
      judged++;
      if (right) correct++;
    }
  }
  return { loss: loss / weights, accuracy: judged === 0 ? null : correct / judged };
}
