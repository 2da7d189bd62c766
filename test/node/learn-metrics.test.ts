import { describe, expect, it } from "vitest";
import { confusionMatrix, multiclassMetrics, regressionMetrics } from "../../src/core/learn/metrics.js";

describe("multiclassMetrics", () => {
  // Three classes, six rows: rain 2/2 right, sun 1 of 3 (one called rain, one fog), fog 1/1.
  const labels = ["rain", "sun", "fog"];
  const truth = [0, 0, 1, 1, 1, 2];
  const probabilities = [
    [0.8, 0.1, 0.1],
    [0.6, 0.3, 0.1],
    [0.2, 0.7, 0.1],
    [0.5, 0.4, 0.1],
    [0.1, 0.3, 0.6],
    [0.2, 0.2, 0.6],
  ].flat();
  const metrics = multiclassMetrics(truth, probabilities, labels);

  it("counts each actual class against each predicted class", () => {
    expect(metrics.confusion).toEqual([
      [2, 0, 0],
      [1, 1, 1],
      [0, 0, 1],
    ]);
  });

  it("gives each class its precision, recall, F1 and support", () => {
    expect(metrics.perClass).toEqual([
      { label: "rain", precision: 2 / 3, recall: 1, f1: 0.8, support: 2 },
      { label: "sun", precision: 1, recall: 1 / 3, f1: 0.5, support: 3 },
      { label: "fog", precision: 0.5, recall: 1, f1: 2 / 3, support: 1 },
    ]);
  });

  it("gives accuracy, macro-F1 and the log loss of the true class", () => {
    const loss =
      -(Math.log(0.8) + Math.log(0.6) + Math.log(0.7) + Math.log(0.4) + Math.log(0.3) + Math.log(0.6)) / 6;
    expect(metrics.accuracy).toBe(4 / 6);
    expect(metrics.macroF1).toBeCloseTo((0.8 + 0.5 + 2 / 3) / 3, 12);
    expect(metrics.logLoss).toBeCloseTo(loss, 12);
  });

  it("calls ties for the first class", () => {
    expect(multiclassMetrics([1], [0.5, 0.5], ["a", "b"]).confusion).toEqual([
      [0, 0],
      [1, 0],
    ]);
  });

  it("gives a class never predicted and never present zero precision and recall", () => {
    expect(multiclassMetrics([0], [0.9, 0.1], ["a", "b"]).perClass[1]).toEqual({
      label: "b",
      precision: 0,
      recall: 0,
      f1: 0,
      support: 0,
    });
  });

  it("refuses a label outside the classes", () => {
    expect(() => confusionMatrix([3], [0], 3)).toThrow("label 0 is 3, not a class index below 3");
  });
});

describe("regressionMetrics", () => {
  it("gives MAE, RMSE and R²", () => {
    // Errors 1, -1, 0, 2 (squares sum to 6) around targets of mean 4 (total sum of squares 8).
    expect(regressionMetrics([2, 4, 4, 6], [3, 3, 4, 8])).toEqual({
      count: 4,
      mae: 1,
      rmse: Math.sqrt(6 / 4),
      r2: 1 - 6 / 8,
    });
  });

  it("has no R² when the targets do not vary", () => {
    expect(regressionMetrics([5, 5], [4, 6]).r2).toBeNull();
  });
});
