/**
 * Training the spam models on the shared learner (src/core/learn/fit.ts): the architectures'
 * defaults, option checks, the seeded starting network, and labelled email rows as the learner's
 * two-class targets.
 */
import {
  checkFitOptions,
  type EpochCallback,
  type FitOptions,
  type FitResult,
  fitNetwork,
  type WeightMask,
} from "../../core/learn/fit.js";
import type { SoftTargets } from "../../core/learn/heads.js";
import {
  ARCHITECTURES,
  type Architecture,
  initialNetwork as initial,
  type Network,
} from "../../core/learn/network.js";
import { CLASSES } from "./model.js";
import type { LabeledRows } from "./sparse.js";

export interface TrainOptions extends FitOptions {
  arch: Architecture;
  /** Hidden units of the MLP (ignored for logistic regression). */
  hidden: number;
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

/** Hashed text is L2-normalised: a first-layer scale of 0.5 gives pre-activations of about 0.5. */
export const HASHED_TEXT_FIRST_LAYER_SCALE = 0.5;

export interface TrainData {
  train: LabeledRows;
  validation: LabeledRows;
}

/** Trains a new model from a seeded initialisation. */
export function trainModel(
  data: TrainData,
  options: Partial<TrainOptions> = {},
  onEpoch?: EpochCallback,
): FitResult {
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
  const { hidden } = settings;
  if (arch === "mlp" && !(Number.isInteger(hidden) && hidden >= 1)) {
    throw new RangeError(`hidden units must be a positive integer, got ${hidden}`);
  }
  checkFitOptions(settings);
  return settings;
}

/** The spam classifier's seeded starting network over `inputs` hashed buckets. */
export function initialNetwork(options: TrainOptions, inputs: number): Network {
  return initial({ ...options, firstLayerScale: HASHED_TEXT_FIRST_LAYER_SCALE }, inputs, CLASSES);
}

export interface OptimizeExtras {
  onEpoch?: EpochCallback;
  mask?: WeightMask;
  soft?: SoftTargets;
  /** Count the starting weights as epoch 0, so fine-tuning never returns worse than it started. */
  keepInitial?: boolean;
}

const classes = (rows: LabeledRows) => ({
  features: rows.features,
  targets: { kind: "classes" as const, labels: rows.labels, classes: CLASSES },
});

/** The training loop shared by training, fine-tuning and distillation, on ham/spam labels. */
export function optimize(
  network: Network,
  data: TrainData,
  options: TrainOptions,
  extras: OptimizeExtras = {},
): FitResult {
  return fitNetwork(
    network,
    { train: classes(data.train), validation: classes(data.validation) },
    options,
    extras,
  );
}
