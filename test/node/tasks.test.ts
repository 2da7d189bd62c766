import { describe, expect, it } from "vitest";
import {
  answer,
  NonFiniteOutputError,
  OutputError,
  requireFiniteOutputs,
  softmax,
} from "../../src/core/tasks/answer.js";
import type { ClassificationTask } from "../../src/core/tasks/schema.js";
import type { HostTensor } from "../../src/core/tensor.js";

const f32 = (dims: number[], values: number[]): HostTensor => ({
  dtype: "float32",
  dims,
  data: Float32Array.from(values),
});

describe("classification answers", () => {
  const task: ClassificationTask = {
    kind: "classification",
    output: "p",
    labels: ["cat", "dog"],
    softmax: false,
  };

  it("labels each row with its most probable class", () => {
    const predictions = answer(task, { p: f32([2, 2], [0.25, 0.75, 0.5, 0.5]) }, 2);
    expect(predictions).toEqual([
      { label: "dog", probabilities: { cat: 0.25, dog: 0.75 } },
      { label: "cat", probabilities: { cat: 0.5, dog: 0.5 } },
    ]);
  });

  it("applies a softmax to logits when the task says so", () => {
    const [prediction] = answer({ ...task, softmax: true }, { p: f32([1, 2], [0, Math.log(3)]) }, 1) ?? [];
    expect(prediction).toMatchObject({ label: "dog" });
    const { probabilities } = prediction as { probabilities: Record<string, number> };
    expect(probabilities.cat).toBeCloseTo(0.25, 6);
    expect(probabilities.dog).toBeCloseTo(0.75, 6);
  });

  it("keeps large logits finite", () => {
    expect(softmax([1000, 1000])).toEqual([0.5, 0.5]);
  });

  it("refuses an output whose width is not the number of labels", () => {
    expect(() => answer(task, { p: f32([1, 3], [0.2, 0.3, 0.5]) }, 1)).toThrow(OutputError);
  });

  it("refuses a missing output", () => {
    expect(() => answer(task, {}, 1)).toThrow("no output named p");
  });

  it("reads no label from probabilities that are NaN, naming the output and the instance", () => {
    const outputs = { p: f32([2, 2], [0.25, 0.75, Number.NaN, Number.NaN]) };
    expect(() => answer(task, outputs, 2)).toThrow(NonFiniteOutputError);
    expect(() => answer(task, outputs, 2)).toThrow("output p of instance 1 is not finite");
  });

  it("reads no label from an infinite score", () => {
    expect(() => answer(task, { p: f32([1, 2], [Number.POSITIVE_INFINITY, 0]) }, 1)).toThrow(
      NonFiniteOutputError,
    );
  });
});

describe("outputs checked whole (raw models answer with their tensors)", () => {
  it("names the output and the instance of the first value that is not finite", () => {
    const outputs = { ok: f32([3, 1], [1, 2, 3]), h: f32([3, 2], [0, 1, 2, 3, Number.NEGATIVE_INFINITY, 5]) };
    expect(() => requireFiniteOutputs(outputs, 3)).toThrow("output h of instance 2 is not finite");
  });

  it("passes finite float outputs and integer outputs", () => {
    const ids: HostTensor = { dtype: "int64", dims: [2], data: BigInt64Array.from([3n, 9n]) };
    expect(() => requireFiniteOutputs({ p: f32([2, 1], [0.5, -1e30]), ids }, 2)).not.toThrow();
  });
});

describe("regression answers", () => {
  it("answers one value per instance for a [batch] output", () => {
    expect(answer({ kind: "regression", output: "y" }, { y: f32([3], [1.5, -2, 0]) }, 3)).toEqual([
      { value: 1.5 },
      { value: -2 },
      { value: 0 },
    ]);
  });

  it("answers the targets of a multi-target output", () => {
    expect(answer({ kind: "regression", output: "y" }, { y: f32([1, 2], [3, 4]) }, 1)).toEqual([
      { values: [3, 4] },
    ]);
  });
});

describe("embedding answers", () => {
  it("returns the vectors as the model gave them", () => {
    const task = { kind: "embedding", output: "e", normalize: false } as const;
    expect(answer(task, { e: f32([1, 2], [3, 4]) }, 1)).toEqual([{ embedding: [3, 4] }]);
  });

  it("scales each vector to unit length when asked", () => {
    const task = { kind: "embedding", output: "e", normalize: true } as const;
    expect(answer(task, { e: f32([2, 2], [3, 4, 0, 0]) }, 2)).toEqual([
      { embedding: [0.6, 0.8] },
      { embedding: [0, 0] },
    ]);
  });
});

describe("raw answers", () => {
  it("have no predictions: the tensors are the answer", () => {
    expect(answer({ kind: "raw" }, { y: f32([1], [1]) }, 1)).toBeUndefined();
  });
});
