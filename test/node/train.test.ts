import { beforeAll, describe, expect, it } from "vitest";
import { textFeatureMatrix } from "../../src/core/kinds/hashed-text/features.js";
import type { EpochStats } from "../../src/core/learn/fit.js";
import type { Model } from "../../src/core/learn/network.js";
import { deriveSeed, Prng } from "../../src/core/learn/prng.js";
import { toDense } from "../../src/core/learn/rows.js";
import { type DatasetSplits, loadSplits } from "../../src/toolchain/data.js";
import {
  applyMask,
  fineTune,
  magnitudeMask,
  maskFromZeros,
  maskSparsity,
} from "../../src/toolchain/train/finetune.js";
import { evaluateModel, predictProba } from "../../src/toolchain/train/model.js";
import { type FeaturizedSplits, featurizeSplits } from "../../src/toolchain/train/pipeline.js";
import { DEFAULT_SPEC } from "../../src/toolchain/train/record.js";
import { featurize } from "../../src/toolchain/train/sparse.js";
import { resolveOptions, trainModel } from "../../src/toolchain/train/trainer.js";

let splits: DatasetSplits;
let data: FeaturizedSplits;
let logistic: ReturnType<typeof trainModel>;
let mlp: ReturnType<typeof trainModel>;

beforeAll(async () => {
  splits = await loadSplits("2002", { seed: 3, limit: 300 });
  data = featurizeSplits(DEFAULT_SPEC, splits);
  logistic = trainModel(data, { arch: "logistic", seed: 5 });
  mlp = trainModel(data, { arch: "mlp", hidden: 8, epochs: 10, seed: 5 });
});

const weightsOf = (model: Model) => model.layers.flatMap((layer) => [layer.weight, layer.bias]);
const zeros = (values: Float32Array) => values.reduce((count, value) => count + (value === 0 ? 1 : 0), 0);

describe("seeded PRNG", () => {
  it("repeats its sequence for the same seed", () => {
    const draw = () => {
      const random = new Prng(42);
      return [random.next(), random.next(), random.int(1000), random.normal()];
    };
    expect(draw()).toEqual(draw());
  });

  it("gives named streams of one seed different seeds", () => {
    expect(deriveSeed(1, "split")).not.toBe(deriveSeed(1, "init"));
  });

  it("permutes every index exactly once", () => {
    expect([...new Prng(9).permutation(50)].sort((a, b) => a - b)).toEqual(
      Array.from({ length: 50 }, (_, i) => i),
    );
  });

  it("rejects a seed outside [0, 2^32)", () => {
    expect(() => new Prng(-1)).toThrow(RangeError);
  });
});

describe("sparse features", () => {
  it("hold exactly what textFeatureMatrix computes", () => {
    const texts = splits.test.slice(0, 5).map((email) => email.text);
    expect(toDense(featurize(DEFAULT_SPEC, texts))).toEqual(textFeatureMatrix(DEFAULT_SPEC, texts));
  });
});

describe("trainModel", () => {
  it("reproduces a logistic model bit for bit from its seed", () => {
    expect(weightsOf(trainModel(data, { arch: "logistic", seed: 5 }).model)).toEqual(
      weightsOf(logistic.model),
    );
  });

  it("reproduces an MLP bit for bit from its seed", () => {
    const again = trainModel(data, { arch: "mlp", hidden: 8, epochs: 10, seed: 5 });
    expect(weightsOf(again.model)).toEqual(weightsOf(mlp.model));
  });

  it("gives different weights for a different seed", () => {
    const other = trainModel(data, { arch: "mlp", hidden: 8, epochs: 10, seed: 6 });
    expect(weightsOf(other.model)).not.toEqual(weightsOf(mlp.model));
  });

  it("learns to separate spam from ham on held-out emails", () => {
    expect(evaluateModel(logistic.model, data.test).auc).toBeGreaterThan(0.97);
  });

  it("stops after `patience` epochs without a better validation loss", () => {
    const run = trainModel(data, { learningRate: 0.5, patience: 2, seed: 5 });
    expect([run.bestEpoch, run.history.length, run.stoppedEarly]).toEqual([2, 4, true]);
  });

  it("returns the weights of the best validation epoch", () => {
    const run = trainModel(data, { learningRate: 0.5, patience: 2, seed: 5 });
    const best = Math.min(...run.history.map((epoch) => epoch.valLoss));
    expect(run.history[run.bestEpoch - 1].valLoss).toBe(best);
    // The model holds float32 weights, the history was measured on float64 ones.
    expect(evaluateModel(run.model, data.validation).logLoss).toBeCloseTo(best, 6);
  });

  it("decays the learning rate by lrDecay each epoch", () => {
    const run = trainModel(data, { learningRate: 0.1, lrDecay: 0.5, epochs: 3, patience: 3 });
    expect(run.history.map((epoch) => epoch.lr)).toEqual([0.1, 0.05, 0.025]);
  });

  it("reports every epoch to the progress callback", () => {
    const seen: EpochStats[] = [];
    const run = trainModel(data, { epochs: 3, patience: 3 }, (stats) => seen.push(stats));
    expect(seen).toEqual(run.history);
  });

  it("learns with plain SGD too", () => {
    const run = trainModel(data, { optimizer: "sgd", learningRate: 3, seed: 5 });
    expect(evaluateModel(run.model, data.test).auc).toBeGreaterThan(0.95);
  });

  it("shrinks the weights under a stronger L2 penalty", () => {
    const norm = (model: Model) => model.layers[0].weight.reduce((sum, w) => sum + w * w, 0);
    const strong = trainModel(data, { l2: 0.01, epochs: 5, patience: 5, seed: 5 });
    const weak = trainModel(data, { l2: 0, epochs: 5, patience: 5, seed: 5 });
    expect(norm(strong.model)).toBeLessThan(norm(weak.model));
  });

  it("rejects data whose width does not match the model", () => {
    const narrow = featurizeSplits({ ...DEFAULT_SPEC, buckets: 64 }, splits);
    expect(() => trainModel({ train: narrow.train, validation: data.validation })).toThrow(
      "validation rows have 4096 features, the model takes 64",
    );
  });
});

describe("resolveOptions", () => {
  it("fills in the defaults, with the learning rate of the architecture", () => {
    expect(resolveOptions({ arch: "mlp" })).toEqual({
      arch: "mlp",
      hidden: 32,
      epochs: 60,
      batchSize: 32,
      learningRate: 0.003,
      lrDecay: 0.95,
      l2: 1e-6,
      patience: 4,
      optimizer: "adam",
      seed: 1,
    });
  });

  it("rejects a learning-rate decay above 1", () => {
    expect(() => resolveOptions({ lrDecay: 1.5 })).toThrow(/lr decay/);
  });

  it("rejects a fractional batch size", () => {
    expect(() => resolveOptions({ batchSize: 2.5 })).toThrow(/batch size/);
  });
});

describe("predictProba", () => {
  it("gives each email probabilities that sum to 1", () => {
    const probabilities = predictProba(mlp.model, data.test.features);
    const sums = Array.from(
      { length: data.test.features.rows },
      (_, row) => probabilities[2 * row] + probabilities[2 * row + 1],
    );
    expect(sums.every((sum) => Math.abs(sum - 1) < 1e-6)).toBe(true);
  });

  it("gives the same result for a dense matrix as for sparse rows", () => {
    const dense = toDense(data.test.features);
    expect(predictProba(mlp.model, dense)).toEqual(predictProba(mlp.model, data.test.features));
  });

  it("rejects features of the wrong width", () => {
    expect(() => predictProba(logistic.model, new Float32Array(10))).toThrow(RangeError);
  });
});

describe("pruning masks", () => {
  it("prunes exactly the requested share of each weight matrix", () => {
    const mask = magnitudeMask(mlp.model, 0.75);
    expect(mask.map((keep) => keep.filter((bit) => bit === 0).length)).toEqual([24576, 12]);
  });

  it("prunes the smallest-magnitude weights", () => {
    const model = applyMask(logistic.model, magnitudeMask(logistic.model, 0.5));
    const weight = logistic.model.layers[0].weight;
    const kept = Array.from(weight).filter((_, i) => model.layers[0].weight[i] !== 0);
    const dropped = Array.from(weight).filter((_, i) => model.layers[0].weight[i] === 0);
    expect(Math.min(...kept.map(Math.abs))).toBeGreaterThanOrEqual(Math.max(...dropped.map(Math.abs)));
  });

  it("prunes across all layers at once with the global scope", () => {
    const mask = magnitudeMask(mlp.model, 0.75, "global");
    expect(maskSparsity(mask)).toBeCloseTo(0.75, 6);
  });

  it("reads the mask of an already pruned model from its zeros", () => {
    const mask = magnitudeMask(logistic.model, 0.9);
    expect(maskFromZeros(applyMask(logistic.model, mask))).toEqual(mask);
  });
});

describe("fineTune", () => {
  it("keeps pruned weights exactly zero", () => {
    const mask = magnitudeMask(mlp.model, 0.9);
    const tuned = fineTune(applyMask(mlp.model, mask), data, mask, { epochs: 3, patience: 3 });
    const pruned = mask.map((keep) => keep.filter((bit) => bit === 0).length);
    expect(tuned.model.layers.map((layer) => zeros(layer.weight))).toEqual(pruned);
  });

  it("recovers validation loss that pruning cost", () => {
    const mask = magnitudeMask(logistic.model, 0.95);
    const start = applyMask(logistic.model, mask);
    const tuned = fineTune(start, data, mask, { epochs: 5, patience: 5, learningRate: 0.03 });
    const loss = (model: Model) => evaluateModel(model, data.validation).logLoss;
    expect(loss(tuned.model)).toBeLessThan(loss(start));
  });

  it("never ends with a worse validation loss than the pruned model it started from", () => {
    const mask = magnitudeMask(logistic.model, 0.5);
    const start = applyMask(logistic.model, mask);
    // Flipped training labels make every step worse on validation, so the start (epoch 0) must win.
    const flipped = { ...data.train, labels: data.train.labels.map((label) => 1 - label) };
    const tuned = fineTune(start, { train: flipped, validation: data.validation }, mask, {
      epochs: 2,
      patience: 2,
    });
    expect([tuned.bestEpoch, weightsOf(tuned.model)]).toEqual([0, weightsOf(start)]);
  });
});
