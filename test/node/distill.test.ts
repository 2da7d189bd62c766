import { beforeAll, describe, expect, it } from "vitest";
import type { Model } from "../../src/core/learn/network.js";
import { type DatasetSplits, loadSplits } from "../../src/toolchain/data.js";
import { exportOnnx } from "../../src/toolchain/export.js";
import { distill, softTargets } from "../../src/toolchain/train/distill.js";
import { predictProba, spamScores } from "../../src/toolchain/train/model.js";
import {
  distillCollection,
  type FeaturizedSplits,
  featurizeSplits,
  onnxTeacher,
} from "../../src/toolchain/train/pipeline.js";
import { DEFAULT_SPEC } from "../../src/toolchain/train/record.js";
import { trainModel } from "../../src/toolchain/train/trainer.js";

const STUDENT_SPEC = { ...DEFAULT_SPEC, buckets: 512 };

let splits: DatasetSplits;
let teacherData: FeaturizedSplits;
let studentData: FeaturizedSplits;
let teacher: Model;
let teacherTrainProbabilities: Float32Array;

beforeAll(async () => {
  splits = await loadSplits("2002", { seed: 21, limit: 300 });
  teacherData = featurizeSplits(DEFAULT_SPEC, splits);
  studentData = featurizeSplits(STUDENT_SPEC, splits);
  teacher = trainModel(teacherData, { arch: "mlp", hidden: 16, epochs: 15, seed: 1 }).model;
  teacherTrainProbabilities = predictProba(teacher, teacherData.train.features);
});

const weightsOf = (model: Model) => model.layers.flatMap((layer) => [layer.weight, layer.bias]);

describe("softTargets", () => {
  it("leaves probabilities unchanged at temperature 1", () => {
    expect(Array.from(softTargets([0.8, 0.2, 0.25, 0.75], 1))).toEqual([0.8, 0.2, 0.25, 0.75]);
  });

  it("softens by p^(1/T), renormalised", () => {
    // sqrt(0.8) : sqrt(0.2) = 2 : 1
    const [ham, spam] = softTargets([0.8, 0.2], 2);
    expect([ham, spam]).toEqual([expect.closeTo(2 / 3, 15), expect.closeTo(1 / 3, 15)]);
  });

  it("keeps a certain teacher's row finite", () => {
    expect(Array.from(softTargets([1, 0], 4)).every(Number.isFinite)).toBe(true);
  });

  it("rejects values that are not probabilities", () => {
    expect(() => softTargets([1.5, -0.5], 2)).toThrow(/not in \[0, 1\]/);
  });
});

describe("distill", () => {
  it("with alpha 0 is exactly training on the hard labels", () => {
    const options = { arch: "logistic" as const, epochs: 5, patience: 5, seed: 3 };
    const student = distill(studentData, teacherTrainProbabilities, { ...options, alpha: 0, temperature: 3 });
    expect(weightsOf(student.model)).toEqual(weightsOf(trainModel(studentData, options).model));
  });

  it("trains a smaller student that agrees with the teacher on held-out emails", () => {
    const student = distill(studentData, teacherTrainProbabilities, {
      alpha: 1,
      temperature: 2,
      seed: 3,
    }).model;
    const teacherCalls = spamScores(predictProba(teacher, teacherData.test.features)).map((p) =>
      p > 0.5 ? 1 : 0,
    );
    const studentCalls = spamScores(predictProba(student, studentData.test.features)).map((p) =>
      p > 0.5 ? 1 : 0,
    );
    const agreement = teacherCalls.filter((call, i) => call === studentCalls[i]).length / teacherCalls.length;
    expect([student.layers[0].inputs, agreement >= 0.95]).toEqual([512, true]);
  });

  it("rejects teacher probabilities for a different number of rows", () => {
    expect(() => distill(studentData, new Float32Array(4).fill(0.5))).toThrow(/soft targets cover 2 rows/);
  });

  it("rejects alpha outside [0, 1]", () => {
    expect(() => distill(studentData, teacherTrainProbabilities, { alpha: 1.5 })).toThrow(/alpha/);
  });
});

describe("ONNX teachers", () => {
  it("give the probabilities of the TypeScript forward pass", async () => {
    const onnx = await onnxTeacher(exportOnnx(teacher), DEFAULT_SPEC, "teacher.onnx");
    const texts = splits.test.map((email) => email.text);
    const expected = predictProba(teacher, teacherData.test.features);
    const actual = await onnx.predict(texts);
    expect(actual.reduce((max, value, i) => Math.max(max, Math.abs(value - expected[i])), 0)).toBeLessThan(
      1e-5,
    );
  });

  it("drive distillCollection, which records teacher, temperature and alpha", async () => {
    const onnx = await onnxTeacher(exportOnnx(teacher), DEFAULT_SPEC, "teacher.onnx");
    const run = await distillCollection({
      teacher: onnx,
      splits,
      spec: STUDENT_SPEC,
      training: { epochs: 3, temperature: 3, alpha: 0.5 },
    });
    expect([run.record.distillation, run.record.model.inputs]).toEqual([
      { teacher: "teacher.onnx", teacherSpec: DEFAULT_SPEC, temperature: 3, alpha: 0.5 },
      512,
    ]);
  });
});
