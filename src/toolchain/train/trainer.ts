/**
 * Mini-batch training of the spam models: Adam or plain SGD, exponential learning-rate decay, L2 on the
 * weights (not the biases), and early stopping on validation log loss that restores the best epoch.
 * Everything random comes from the seed, and every sum runs in a fixed order, so a seed reproduces
 * the weights bit for bit.
 */
import { UnprocessableError } from "../../core/errors.js";
import {
  ARCHITECTURES,
  type Architecture,
  CLASSES,
  layerSizes,
  type Model,
  Network,
  softmaxInto,
} from "./model.js";
import { deriveSeed, isSeed, Prng } from "./prng.js";
import type { LabeledRows } from "./sparse.js";

export type Optimizer = "adam" | "sgd";
export const OPTIMIZERS: readonly Optimizer[] = ["adam", "sgd"];

export interface TrainOptions {
  arch: Architecture;
  /** Hidden units of the MLP (ignored for logistic regression). */
  hidden: number;
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

/** Chosen on validation log loss, over three seeds, on both collections. */
export const DEFAULT_TRAIN_OPTIONS: Omit<TrainOptions, "learningRate"> = {
  arch: "logistic",
  hidden: 32,
  epochs: 60,
  batchSize: 32,
  lrDecay: 0.95,
  l2: 1e-6,
  patience: 4,
  optimizer: "adam",
  seed: 1,
};

/** Adam step sizes: the convex logistic model tolerates a 10x larger one than the MLP. */
export const DEFAULT_LEARNING_RATE: Record<Architecture, number> = { logistic: 0.03, mlp: 0.003 };

export interface EpochStats {
  epoch: number;
  /** Mean loss over the epoch's mini-batches, without the L2 term (with soft targets: the distillation loss). */
  trainLoss: number;
  valLoss: number;
  valAccuracy: number;
  lr: number;
}

export type EpochCallback = (stats: EpochStats) => void;

export interface TrainData {
  train: LabeledRows;
  validation: LabeledRows;
}

export interface TrainResult {
  /** The weights of the best epoch. */
  model: Model;
  history: EpochStats[];
  /** Epoch whose weights were kept; 0 means the starting weights (fine-tuning only). */
  bestEpoch: number;
  stoppedEarly: boolean;
}

/** Per weight matrix, 1 where a weight may be nonzero and 0 where it is pruned for good. */
export type WeightMask = Uint8Array[];

/** Knowledge distillation: teacher probabilities for the training rows, softened by `temperature`. */
export interface SoftTargets {
  /** [train rows, 2], already softened (see `softTargets`). */
  targets: Float64Array;
  temperature: number;
  /** Weight of the soft-target loss; 1 - alpha goes to the hard labels. */
  alpha: number;
}

/** A run that cannot go on (it diverged, or the data cannot train it). */
export class TrainingError extends UnprocessableError {}

/** Trains a new model from a seeded initialisation. */
export function trainModel(
  data: TrainData,
  options: Partial<TrainOptions> = {},
  onEpoch?: EpochCallback,
): TrainResult {
  const settings = resolveOptions(options);
  return optimize(initialNetwork(settings, data.train.features.cols), data, settings, { onEpoch });
}

/** Drops keys set to undefined, so `{ ...defaults, ...withoutUndefined(options) }` keeps the defaults. */
export function withoutUndefined<T extends object>(options: T): Partial<T> {
  return Object.fromEntries(Object.entries(options).filter(([, value]) => value !== undefined)) as Partial<T>;
}

export function resolveOptions(options: Partial<TrainOptions>): TrainOptions {
  const given = withoutUndefined(options);
  const arch = given.arch ?? DEFAULT_TRAIN_OPTIONS.arch;
  if (!ARCHITECTURES.includes(arch)) throw new RangeError(`unknown architecture ${arch}`);
  const settings: TrainOptions = {
    ...DEFAULT_TRAIN_OPTIONS,
    learningRate: DEFAULT_LEARNING_RATE[arch],
    ...given,
  };
  const { epochs, batchSize, learningRate, lrDecay, l2, patience, hidden, seed, optimizer } = settings;
  const positiveInteger = (value: number) => Number.isInteger(value) && value >= 1;
  const checks: Array<[boolean, string]> = [
    [positiveInteger(epochs), `epochs must be a positive integer, got ${epochs}`],
    [positiveInteger(batchSize), `batch size must be a positive integer, got ${batchSize}`],
    [positiveInteger(patience), `patience must be a positive integer, got ${patience}`],
    [arch !== "mlp" || positiveInteger(hidden), `hidden units must be a positive integer, got ${hidden}`],
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
  return settings;
}

/**
 * Logistic regression starts at zero (the loss is convex). The MLP's first layer starts at a scale
 * that gives unit-norm inputs pre-activations of about 0.5, and the output layer uses He scaling.
 */
export function initialNetwork(options: TrainOptions, inputs: number): Network {
  const network = new Network(options.arch, layerSizes(options.arch, inputs, options.hidden));
  if (options.arch === "logistic") return network;
  const random = new Prng(deriveSeed(options.seed, "init"));
  const scales = [0.5, Math.sqrt(2 / options.hidden)];
  network.weights.forEach((weight, l) => {
    for (let i = 0; i < weight.length; i++) weight[i] = random.normal() * scales[l];
  });
  return network;
}

export interface OptimizeExtras {
  onEpoch?: EpochCallback;
  mask?: WeightMask;
  soft?: SoftTargets;
  /** Count the starting weights as epoch 0, so fine-tuning never returns worse than it started. */
  keepInitial?: boolean;
}

/** The training loop shared by training, fine-tuning and distillation. */
export function optimize(
  network: Network,
  data: TrainData,
  options: TrainOptions,
  extras: OptimizeExtras = {},
): TrainResult {
  const { train, validation } = data;
  const inputs = network.sizes[0];
  for (const [name, part] of Object.entries(data)) {
    if (part.features.cols !== inputs) {
      throw new RangeError(`${name} rows have ${part.features.cols} features, the model takes ${inputs}`);
    }
    if (part.features.rows !== part.labels.length || part.features.rows === 0) {
      throw new RangeError(`${name} split needs a label per row and at least one row`);
    }
  }
  const { mask, soft } = extras;
  if (soft && soft.targets.length !== train.features.rows * CLASSES) {
    throw new RangeError(
      `soft targets cover ${soft.targets.length / CLASSES} rows, training has ${train.features.rows}`,
    );
  }
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
  const probabilities = new Float64Array(CLASSES);
  const softened = new Float64Array(CLASSES);
  const dLogits = new Float64Array(CLASSES);
  const history: EpochStats[] = [];
  let best = extras.keepInitial ? network.toModel() : undefined;
  let bestLoss = extras.keepInitial ? validationStats(network, validation).loss : Infinity;
  let bestEpoch = 0;
  let stale = 0;
  let stoppedEarly = false;

  for (let epoch = 1; epoch <= options.epochs; epoch++) {
    const lr = options.learningRate * options.lrDecay ** (epoch - 1);
    const order = random.permutation(train.features.rows);
    let lossSum = 0;
    for (let start = 0; start < order.length; start += options.batchSize) {
      const end = Math.min(start + options.batchSize, order.length);
      const scale = 1 / (end - start);
      for (const grad of gradWeights) grad.fill(0);
      for (const grad of gradBiases) grad.fill(0);
      for (let k = start; k < end; k++) {
        const row = order[k];
        const label = train.labels[row];
        network.forward(train.features, row);
        const logProbability = softmaxInto(network.logits, probabilities, label);
        for (let j = 0; j < CLASSES; j++) dLogits[j] = probabilities[j] - (j === label ? 1 : 0);
        if (soft) {
          // (1 - a) * CE(y, p) + a * T^2 * KL(q || p_T): the T^2 keeps the soft gradient's scale independent
          // of T, and KL (unlike CE) reaches 0 when the student matches the teacher.
          const { targets, temperature: t, alpha: a } = soft;
          softmaxInto(network.logits, softened, 0, t);
          let softLoss = 0;
          for (let j = 0; j < CLASSES; j++) {
            const q = targets[row * CLASSES + j];
            dLogits[j] = (1 - a) * dLogits[j] + a * t * (softened[j] - q);
            if (q > 0) softLoss += q * (Math.log(q) - Math.log(Math.max(softened[j], Number.MIN_VALUE)));
          }
          lossSum += (1 - a) * -logProbability + a * t * t * softLoss;
        } else {
          lossSum -= logProbability;
        }
        for (let j = 0; j < CLASSES; j++) dLogits[j] *= scale;
        network.backward(train.features, row, dLogits, gradWeights, gradBiases);
      }
      step(lr);
    }
    const trainLoss = lossSum / order.length;
    const { loss: valLoss, accuracy: valAccuracy } = validationStats(network, validation);
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

function validationStats(network: Network, data: LabeledRows): { loss: number; accuracy: number } {
  const probabilities = new Float64Array(CLASSES);
  let loss = 0;
  let correct = 0;
  for (let row = 0; row < data.features.rows; row++) {
    network.forward(data.features, row);
    const label = data.labels[row];
    loss -= softmaxInto(network.logits, probabilities, label);
    if ((probabilities[1] > 0.5 ? 1 : 0) === label) correct++;
  }
  return { loss: loss / data.features.rows, accuracy: correct / data.features.rows };
}

interface ParameterGroup {
  values: Float64Array;
  grad: Float64Array;
  l2: number;
  mask?: Uint8Array;
}

/** One parameter update per call. Pruned weights are skipped, so they stay exactly zero. */
function makeStepper(groups: ParameterGroup[], optimizer: Optimizer): (lr: number) => void {
  if (optimizer === "sgd") {
    return (lr) => {
      for (const { values, grad, l2, mask } of groups) {
        for (let i = 0; i < values.length; i++) {
          if (mask && mask[i] === 0) continue;
          values[i] -= lr * (grad[i] + l2 * values[i]);
        }
      }
    };
  }
  const beta1 = 0.9;
  const beta2 = 0.999;
  const epsilon = 1e-8;
  const moments = groups.map(({ values }) => ({
    m: new Float64Array(values.length),
    v: new Float64Array(values.length),
  }));
  let t = 0;
  return (lr) => {
    t++;
    const correction1 = 1 - beta1 ** t;
    const correction2 = 1 - beta2 ** t;
    groups.forEach(({ values, grad, l2, mask }, index) => {
      const { m, v } = moments[index];
      for (let i = 0; i < values.length; i++) {
        if (mask && mask[i] === 0) continue;
        const g = grad[i] + l2 * values[i];
        m[i] = beta1 * m[i] + (1 - beta1) * g;
        v[i] = beta2 * v[i] + (1 - beta2) * g * g;
        values[i] -= (lr * (m[i] / correction1)) / (Math.sqrt(v[i] / correction2) + epsilon);
      }
    });
  };
}
