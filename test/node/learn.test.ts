import { describe, expect, it } from "vitest";
import { type FitData, type FitOptions, fitNetwork } from "../../src/core/learn/fit.js";
import { headFor, type Targets } from "../../src/core/learn/heads.js";
import { initialNetwork, Network } from "../../src/core/learn/network.js";
import { predictOutputs, predictProbabilities, rescaleOutputs } from "../../src/core/learn/predict.js";
import { Prng } from "../../src/core/learn/prng.js";
import {
  type DenseRows,
  denseRows,
  selectRows,
  sparseFromDense,
  toDense,
} from "../../src/core/learn/rows.js";

const OPTIONS: FitOptions = {
  epochs: 200,
  batchSize: 16,
  learningRate: 0.05,
  lrDecay: 1,
  l2: 0,
  patience: 10,
  optimizer: "adam",
  seed: 3,
};

/** Points around `centres` (one class each), with standard deviation `spread`, seeded. */
function blobs(centres: number[][], perClass: number[], spread: number, seed: number) {
  const random = new Prng(seed);
  const values: number[] = [];
  const labels: number[] = [];
  centres.forEach((centre, label) => {
    for (let i = 0; i < perClass[label]; i++) {
      for (const c of centre) values.push(c + spread * random.normal());
      labels.push(label);
    }
  });
  return {
    features: denseRows(Float32Array.from(values), centres[0].length),
    labels: Int32Array.from(labels),
  };
}

const classes = (labels: Int32Array, count: number, classWeights?: number[]): Targets => ({
  kind: "classes",
  labels,
  classes: count,
  classWeights,
});

function accuracy(probabilities: Float32Array, labels: Int32Array, k: number): number {
  let right = 0;
  labels.forEach((label, row) => {
    const p = probabilities.subarray(row * k, (row + 1) * k);
    if (p.indexOf(Math.max(...p)) === label) right++;
  });
  return right / labels.length;
}

function recallOf(probabilities: Float32Array, labels: Int32Array, k: number, label: number): number {
  let hit = 0;
  let total = 0;
  labels.forEach((actual, row) => {
    if (actual !== label) return;
    total++;
    const p = probabilities.subarray(row * k, (row + 1) * k);
    if (p.indexOf(Math.max(...p)) === label) hit++;
  });
  return hit / total;
}

describe("Network.backward", () => {
  // Central differences of the loss against the analytic gradient, for every parameter.
  function gradientCheck(rows: DenseRows | ReturnType<typeof sparseFromDense>, targets: Targets) {
    const network = initialNetwork({ arch: "mlp", hidden: 3, seed: 7 }, rows.cols, 3);
    const head = headFor(targets);
    const dOut = new Float64Array(3);
    const gradWeights = network.weights.map((w) => new Float64Array(w.length));
    const gradBiases = network.biases.map((b) => new Float64Array(b.length));
    network.forward(rows, 1);
    head.loss(network.logits, 1, dOut);
    network.backward(rows, 1, dOut, gradWeights, gradBiases);
    const lossAt = () => {
      network.forward(rows, 1);
      return head.loss(network.logits, 1, new Float64Array(3));
    };
    let worst = 0;
    const params = [...network.weights, ...network.biases];
    const grads = [...gradWeights, ...gradBiases];
    params.forEach((values, p) => {
      for (let i = 0; i < values.length; i++) {
        const saved = values[i];
        values[i] = saved + 1e-6;
        const up = lossAt();
        values[i] = saved - 1e-6;
        const down = lossAt();
        values[i] = saved;
        worst = Math.max(worst, Math.abs((up - down) / 2e-6 - grads[p][i]));
      }
    });
    return worst;
  }

  const dense = denseRows(Float32Array.from([0.5, -1, 2, 0, 1.5, 0, -0.25, 3]), 4);

  it("matches numerical gradients of a weighted three-class cross-entropy on dense rows", () => {
    expect(gradientCheck(dense, classes(Int32Array.from([0, 2]), 3, [1, 0.5, 4]))).toBeLessThan(1e-6);
  });

  it("matches numerical gradients on sparse rows", () => {
    expect(gradientCheck(sparseFromDense(dense.values, 4), classes(Int32Array.from([0, 1]), 3))).toBeLessThan(
      1e-6,
    );
  });

  it("matches numerical gradients of the squared error of three values", () => {
    const targets: Targets = { kind: "values", values: [1, 2, 3, -4, 0.5, 7], outputs: 3 };
    expect(gradientCheck(dense, targets)).toBeLessThan(1e-5);
  });
});

describe("fitNetwork", () => {
  const centres = [
    [0, 0],
    [4, 0],
    [0, 4],
    [4, 4],
  ];
  const train = blobs(centres, [40, 40, 40, 40], 0.6, 1);
  const validation = blobs(centres, [20, 20, 20, 20], 0.6, 2);
  const four: FitData = {
    train: { features: train.features, targets: classes(train.labels, 4) },
    validation: { features: validation.features, targets: classes(validation.labels, 4) },
  };

  it("separates four classes with a softmax head", () => {
    const result = fitNetwork(initialNetwork({ arch: "logistic", hidden: 0, seed: 3 }, 2, 4), four, OPTIONS);
    expect(accuracy(predictProbabilities(result.model, validation.features), validation.labels, 4)).toBe(1);
  });

  it("learns XOR-like classes with an MLP, which no linear model separates", () => {
    const xorLabels = (labels: Int32Array) => labels.map((label) => (label === 1 || label === 2 ? 1 : 0));
    const data: FitData = {
      train: { features: train.features, targets: classes(xorLabels(train.labels), 2) },
      validation: { features: validation.features, targets: classes(xorLabels(validation.labels), 2) },
    };
    const result = fitNetwork(initialNetwork({ arch: "mlp", hidden: 8, seed: 3 }, 2, 2), data, OPTIONS);
    expect(
      accuracy(predictProbabilities(result.model, validation.features), xorLabels(validation.labels), 2),
    ).toBe(1);
  });

  it("trains sparse rows to the same weights as dense rows, bit for bit", () => {
    const sparse: FitData = {
      train: { features: sparseFromDense(train.features.values, 2), targets: four.train.targets },
      validation: {
        features: sparseFromDense(validation.features.values, 2),
        targets: four.validation.targets,
      },
    };
    const options = { ...OPTIONS, epochs: 5 };
    const init = () => initialNetwork({ arch: "mlp", hidden: 4, seed: 3 }, 2, 4);
    expect(fitNetwork(init(), sparse, options).model).toEqual(fitNetwork(init(), four, options).model);
  });

  it("reports no accuracy for a regression head", () => {
    const values = Float64Array.from(train.labels, (label) => label * 2);
    const data: FitData = {
      train: { features: train.features, targets: { kind: "values", values, outputs: 1 } },
      validation: { features: train.features, targets: { kind: "values", values, outputs: 1 } },
    };
    const result = fitNetwork(new Network("logistic", [2, 1]), data, { ...OPTIONS, epochs: 2 });
    expect(result.history.map((epoch) => epoch.valAccuracy)).toEqual([null, null]);
  });

  it("recovers the coefficients of a linear target with a linear head", () => {
    const random = new Prng(5);
    const x = Float32Array.from({ length: 400 }, () => random.normal());
    const features = denseRows(x, 2);
    const y = Float64Array.from({ length: 200 }, (_, row) => 2 * x[row * 2] - 3 * x[row * 2 + 1] + 1);
    const targets: Targets = { kind: "values", values: y, outputs: 1 };
    const data: FitData = { train: { features, targets }, validation: { features, targets } };
    const result = fitNetwork(new Network("logistic", [2, 1]), data, {
      ...OPTIONS,
      epochs: 400,
      patience: 400,
    });
    const [layer] = result.model.layers;
    expect([...layer.weight, ...layer.bias].map((v) => Math.round(v * 100) / 100)).toEqual([2, -3, 1]);
  });

  it("raises the recall of a rare class when its weight is raised", () => {
    // Overlapping classes, 9 to 1: unweighted, the rare class is mostly called the common one.
    const imbalanced = blobs(
      [
        [0, 0],
        [1.2, 1.2],
      ],
      [270, 30],
      1,
      8,
    );
    const held = blobs(
      [
        [0, 0],
        [1.2, 1.2],
      ],
      [270, 30],
      1,
      9,
    );
    const run = (classWeights?: number[]) => {
      const targets = (labels: Int32Array) => classes(labels, 2, classWeights);
      const data: FitData = {
        train: { features: imbalanced.features, targets: targets(imbalanced.labels) },
        validation: { features: held.features, targets: targets(held.labels) },
      };
      const result = fitNetwork(new Network("logistic", [2, 2]), data, OPTIONS);
      return recallOf(predictProbabilities(result.model, held.features), held.labels, 2, 1);
    };
    // Balanced weights: n / (classes * count of the class).
    expect([run(), run([300 / 540, 300 / 60])]).toEqual([9 / 30, 24 / 30]);
  });

  it("rejects a label outside the classes", () => {
    const bad: FitData = {
      train: {
        features: train.features,
        targets: classes(
          train.labels.map((l) => l + 1),
          4,
        ),
      },
      validation: four.validation,
    };
    expect(() => fitNetwork(new Network("logistic", [2, 4]), bad, OPTIONS)).toThrow(
      "label of row 120 is 4, not a class index below 4",
    );
  });

  it("rejects targets of another width than the network's outputs", () => {
    expect(() => fitNetwork(new Network("logistic", [2, 3]), four, OPTIONS)).toThrow(
      "train targets have 4 outputs, the model has 3",
    );
  });
});

describe("rows and outputs", () => {
  it("select rows of dense and sparse matrices alike", () => {
    const dense = denseRows(Float32Array.from([1, 0, 0, 2, 3, 0]), 2);
    expect(toDense(selectRows(dense, [2, 0]))).toEqual(Float32Array.from([3, 0, 1, 0]));
    expect(toDense(selectRows(sparseFromDense(dense.values, 2), [2, 0]))).toEqual(
      Float32Array.from([3, 0, 1, 0]),
    );
  });

  it("rescales a regressor's outputs into target units", () => {
    const network = new Network("logistic", [2, 1]);
    network.weights[0].set([1, 2]);
    network.biases[0].set([0.5]);
    const scaled = rescaleOutputs(network.toModel(), [10], [4]);
    // 10 + 4 * (1 * 1 + 2 * 3 + 0.5)
    expect(predictOutputs(scaled, denseRows(Float32Array.from([1, 3]), 2))).toEqual(Float32Array.from([40]));
  });
});
