/**
 * Magnitude pruning of our own models and fine-tuning under a fixed mask, so the pruned weights stay
 * exactly zero while the surviving ones recover the accuracy the pruning cost.
 */

import type { EpochCallback, FitResult, WeightMask } from "../../core/learn/fit.js";
import { type Model, Network } from "../../core/learn/network.js";
import type { DatasetSplits } from "../data.js";
import { exportOnnx, modelFromOnnx } from "../export.js";
import { evaluateModel } from "./model.js";
import { hyperparameters, type TrainingRecord } from "./record.js";
import { labeledRows } from "./sparse.js";
import { optimize, resolveOptions, type TrainData, type TrainOptions, withoutUndefined } from "./trainer.js";

export type FineTuneOptions = Omit<TrainOptions, "arch" | "hidden">;

/**
 * Fine-tuning starts from trained weights, so it needs fewer epochs; it keeps the training step size,
 * which on both architectures recovered more after heavy pruning than a 10x smaller one.
 */
export const DEFAULT_FINE_TUNE = { epochs: 20 };

export type PruneScope = "layer" | "global";

/**
 * Zeroes the smallest-magnitude `sparsity` share of the weights, biases untouched: in each weight matrix
 * ("layer", the default, which keeps the small output layer of an MLP from being wiped out) or across
 * all of them ("global"). Ties break by position, so the mask is deterministic and the sparsity exact.
 */
export function magnitudeMask(model: Model, sparsity: number, scope: PruneScope = "layer"): WeightMask {
  if (!(sparsity >= 0 && sparsity < 1)) throw new RangeError(`sparsity must be in [0, 1), got ${sparsity}`);
  const masks = model.layers.map(({ weight }) => new Uint8Array(weight.length).fill(1));
  const groups = scope === "layer" ? model.layers.map((_, l) => [l]) : [model.layers.map((_, l) => l)];
  for (const layers of groups) {
    const entries = layers.flatMap((l) =>
      Array.from(model.layers[l].weight, (value, i) => ({ l, i, size: Math.abs(value) })),
    );
    entries.sort((a, b) => a.size - b.size || a.l - b.l || a.i - b.i);
    const pruned = Math.round(sparsity * entries.length);
    for (let k = 0; k < pruned; k++) masks[entries[k].l][entries[k].i] = 0;
  }
  return masks;
}

/** The mask of a model that was already pruned elsewhere (e.g. by the generic ONNX pruner): its zeros. */
export function maskFromZeros(model: Model): WeightMask {
  return model.layers.map(({ weight }) => Uint8Array.from(weight, (value) => (value === 0 ? 0 : 1)));
}

/** Share of weight-matrix entries the mask prunes. */
export function maskSparsity(mask: WeightMask): number {
  let pruned = 0;
  let total = 0;
  for (const keep of mask) {
    total += keep.length;
    for (const bit of keep) if (bit === 0) pruned++;
  }
  return total === 0 ? 0 : pruned / total;
}

export function applyMask(model: Model, mask: WeightMask): Model {
  return {
    arch: model.arch,
    layers: model.layers.map((layer, l) => ({
      ...layer,
      weight: layer.weight.map((value, i) => (mask[l][i] === 0 ? 0 : value)),
      bias: layer.bias.slice(),
    })),
  };
}

/**
 * Continues training `model` with the masked weights held at zero. Early stopping counts the pruned
 * starting point as epoch 0, so the result is never worse on validation than pruning without tuning.
 */
export function fineTune(
  model: Model,
  data: TrainData,
  mask: WeightMask,
  options: Partial<FineTuneOptions> = {},
  onEpoch?: EpochCallback,
): FitResult {
  const settings = resolveOptions({
    epochs: DEFAULT_FINE_TUNE.epochs,
    ...withoutUndefined(options),
    arch: model.arch,
    hidden: model.layers[0].outputs,
  });
  return optimize(Network.fromModel(model), data, settings, { onEpoch, mask, keepInitial: true });
}

export interface FineTunePrunedResult {
  /** ONNX bytes of the pruned, fine-tuned model (same graph as `exportOnnx` writes). */
  onnx: Uint8Array;
  model: Model;
  mask: WeightMask;
  /** Achieved share of zero weights. */
  sparsity: number;
  /** The training record updated with the fine-tuning run and the new held-out metrics. */
  record: TrainingRecord;
}

/**
 * Prunes a model exported by `vane train`/`distill` to `sparsity` by weight magnitude (or, with
 * `sparsity` null, keeps the zeros an earlier pruner left) and fine-tunes it on the training split
 * the record describes. `splits` must be that split: `loadRecordSplits(record)` rebuilds and checks it.
 * Hyperparameters default to the record's, with DEFAULT_FINE_TUNE.epochs epochs.
 */
export function fineTunePruned(
  onnxBytes: Uint8Array,
  record: TrainingRecord,
  splits: DatasetSplits,
  sparsity: number | null,
  options: Partial<FineTuneOptions> & { scope?: PruneScope } = {},
  onEpoch?: EpochCallback,
): FineTunePrunedResult {
  const trained = modelFromOnnx(onnxBytes);
  if (trained.layers[0].inputs !== record.spec.buckets) {
    throw new RangeError(
      `the model takes ${trained.layers[0].inputs} features, the record's spec makes ${record.spec.buckets}`,
    );
  }
  const { scope, ...tuning } = options;
  const mask = sparsity === null ? maskFromZeros(trained) : magnitudeMask(trained, sparsity, scope);
  const data = {
    train: labeledRows(record.spec, splits.train),
    validation: labeledRows(record.spec, splits.validation),
  };
  const settings = {
    ...record.hyperparameters,
    epochs: DEFAULT_FINE_TUNE.epochs,
    ...withoutUndefined(tuning),
  };
  const result = fineTune(applyMask(trained, mask), data, mask, settings, onEpoch);
  const test = labeledRows(record.spec, splits.test);
  const achieved = maskSparsity(mask);
  return {
    onnx: exportOnnx(result.model, record.spec.input),
    model: result.model,
    mask,
    sparsity: achieved,
    record: {
      ...record,
      createdAt: new Date().toISOString(),
      metrics: {
        validation: evaluateModel(result.model, data.validation),
        test: evaluateModel(result.model, test),
      },
      fineTuning: {
        sparsity: achieved,
        hyperparameters: hyperparameters(settings),
        history: result.history,
        bestEpoch: result.bestEpoch,
        stoppedEarly: result.stoppedEarly,
      },
    },
  };
}
