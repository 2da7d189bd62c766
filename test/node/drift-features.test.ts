import { describe, expect, it } from "vitest";
import { DriftSpec, driftValues, isDataQualityFeature } from "../../src/core/drift-features.js";
import type { FeatureBatch } from "../../src/core/kinds/kind.js";
import type { ClassificationTask } from "../../src/core/tasks/schema.js";
import type { HostTensor } from "../../src/core/tensor.js";

const f32 = (dims: number[], values: number[]): HostTensor => ({
  dtype: "float32",
  dims,
  data: Float32Array.from(values),
});
const tensorsOnly = (feeds: Record<string, HostTensor>, size: number): FeatureBatch => ({
  feeds,
  size,
  drift: () => ({}),
});

describe("tensor drift features", () => {
  const spec = DriftSpec.parse({
    features: [
      { kind: "tensor-mean", name: "x.mean", tensor: "x" },
      { kind: "tensor-std", name: "x.std", tensor: "x" },
      { kind: "zero-share", name: "x.zeros", tensor: "x" },
      { kind: "out-of-range-share", name: "x.outside", tensor: "x", min: 0, max: 2 },
      { kind: "non-finite-share", name: "y.bad", tensor: "y" },
    ],
  });
  const batch = tensorsOnly({ x: f32([2, 4], [0, 0, 2, 2, 1, 3, 5, 7]) }, 2);
  const outputs = { y: f32([2, 2], [Number.NaN, 1, 2, 3]) };

  it("measure each instance's own slice of a batch-major tensor", () => {
    const first = driftValues(spec, { index: 0, size: 2, batch, outputs }, { kind: "raw" });
    expect(first).toEqual({ "x.mean": 1, "x.std": 1, "x.zeros": 0.5, "x.outside": 0, "y.bad": 0.5 });
    const second = driftValues(spec, { index: 1, size: 2, batch, outputs }, { kind: "raw" });
    expect(second).toEqual({
      "x.mean": 4,
      "x.std": Math.sqrt(5),
      "x.zeros": 0,
      "x.outside": 0.75,
      "y.bad": 0,
    });
  });

  it("leave out a feature whose tensor the model does not have", () => {
    const missing = DriftSpec.parse({ features: [{ kind: "tensor-mean", name: "z.mean", tensor: "z" }] });
    expect(driftValues(missing, { index: 0, size: 2, batch, outputs }, { kind: "raw" })).toEqual({});
  });
});

describe("answer drift features", () => {
  it("read the top class's confidence and the predicted label", () => {
    const spec = DriftSpec.parse({
      features: [
        { kind: "confidence", name: "confidence" },
        { kind: "predicted-label", name: "label" },
        { kind: "probability", name: "p_dog", label: "dog" },
      ],
    });
    const prediction = { label: "dog", probabilities: { cat: 0.3, dog: 0.7 } };
    const task: ClassificationTask = {
      kind: "classification",
      output: "p",
      labels: ["cat", "dog"],
      softmax: false,
    };
    const values = driftValues(
      spec,
      { index: 0, size: 1, batch: tensorsOnly({}, 1), outputs: {}, prediction },
      task,
    );
    expect(values).toEqual({ confidence: 0.7, label: "dog", p_dog: 0.7 });
  });

  it("read a regression target by index", () => {
    const spec = DriftSpec.parse({ features: [{ kind: "value", name: "second", index: 1 }] });
    const instance = {
      index: 0,
      size: 1,
      batch: tensorsOnly({}, 1),
      outputs: {},
      prediction: { values: [5, 6] },
    };
    expect(driftValues(spec, instance, { kind: "regression", output: "y" })).toEqual({ second: 6 });
  });

  it("measure an embedding's norm and cosine distance to the reference centroid", () => {
    const spec = DriftSpec.parse({
      features: [
        { kind: "embedding-norm", name: "norm" },
        { kind: "centroid-distance", name: "distance", centroid: [1, 0] },
      ],
    });
    const outputs = { e: f32([2, 2], [3, 4, 0, 2]) };
    const task = { kind: "embedding", output: "e", normalize: true } as const;
    const batch = tensorsOnly({}, 2);
    expect(driftValues(spec, { index: 0, size: 2, batch, outputs }, task)).toEqual({
      norm: 5,
      distance: 1 - 0.6,
    });
    expect(driftValues(spec, { index: 1, size: 2, batch, outputs }, task)).toEqual({ norm: 2, distance: 1 });
  });
});

describe("isDataQualityFeature", () => {
  it.each(["non-finite-share", "out-of-range-share", "column-quality"] as const)(
    "counts %s as data quality",
    (kind) => {
      expect(isDataQualityFeature({ kind })).toBe(true);
    },
  );

  it.each(["tensor-mean", "zero-share", "predicted-label", "column-value"] as const)(
    "counts %s as drift, not data quality",
    (kind) => {
      expect(isDataQualityFeature({ kind })).toBe(false);
    },
  );
});
