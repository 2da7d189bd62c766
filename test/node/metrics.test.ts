import { describe, expect, it } from "vitest";
import {
  accuracy,
  classificationMetrics,
  confusionMatrix,
  f1,
  logLoss,
  precision,
  recall,
  rocAuc,
} from "../../src/toolchain/metrics.js";

// Six emails: spam at 0, 1, 4. At threshold 0.5 the flagged ones are 0, 2, 4, so
// tp = {0, 4}, fn = {1}, fp = {2}, tn = {3, 5}.
const LABELS = [1, 1, 0, 0, 1, 0];
const SCORES = [0.9, 0.4, 0.6, 0.1, 0.8, 0.3];

describe("confusion matrix", () => {
  it("counts each outcome with spam as the positive class", () => {
    expect(confusionMatrix(LABELS, [1, 0, 1, 0, 1, 0])).toEqual({ tp: 2, fp: 1, tn: 2, fn: 1 });
  });

  it("rejects predictions that do not match the labels in length", () => {
    expect(() => confusionMatrix([1, 0], [1])).toThrow(RangeError);
  });

  it("rejects labels other than 0 and 1", () => {
    expect(() => confusionMatrix([2, 0], [1, 0])).toThrow(/not 0 or 1/);
  });
});

describe("threshold metrics", () => {
  const matrix = { tp: 2, fp: 1, tn: 2, fn: 1 };

  it("accuracy is the share of correct calls", () => {
    expect(accuracy(matrix)).toBe(4 / 6);
  });

  it("precision is tp / (tp + fp)", () => {
    expect(precision(matrix)).toBe(2 / 3);
  });

  it("recall is tp / (tp + fn)", () => {
    expect(recall({ tp: 3, fp: 0, tn: 5, fn: 1 })).toBe(3 / 4);
  });

  it("f1 is the harmonic mean of precision and recall", () => {
    // precision 3/5, recall 3/4: 2 * (9/20) / (27/20) = 2/3.
    expect(f1({ tp: 3, fp: 2, tn: 5, fn: 1 })).toBeCloseTo(2 / 3, 15);
  });

  it("precision and f1 are 0 when nothing is flagged", () => {
    const none = { tp: 0, fp: 0, tn: 4, fn: 2 };
    expect([precision(none), recall(none), f1(none)]).toEqual([0, 0, 0]);
  });
});

describe("ROC-AUC", () => {
  it("is the share of spam/ham pairs ranked correctly", () => {
    // Spam {0.9, 0.8, 0.4} vs ham {0.6, 0.3, 0.1}: 3 + 3 + 2 of 9 pairs.
    expect(rocAuc(LABELS, SCORES)).toBeCloseTo(8 / 9, 15);
  });

  it("counts a tied spam/ham pair as half right", () => {
    // Spam {0.5, 0.7} vs ham {0.5, 0.2}: 0.5 (tie) + 1 + 1 + 1 of 4 pairs.
    expect(rocAuc([1, 0, 1, 0], [0.5, 0.5, 0.7, 0.2])).toBe(3.5 / 4);
  });

  it("is 0.5 when every score is the same", () => {
    expect(rocAuc([1, 0, 0, 1, 0], [0.3, 0.3, 0.3, 0.3, 0.3])).toBe(0.5);
  });

  it("is 1 for a perfect ranking and 0 for a reversed one", () => {
    expect([rocAuc([0, 0, 1], [0.1, 0.2, 0.3]), rocAuc([0, 0, 1], [0.3, 0.2, 0.1])]).toEqual([1, 0]);
  });

  it("is NaN when only one class is present", () => {
    expect(rocAuc([1, 1], [0.2, 0.9])).toBeNaN();
  });
});

describe("log loss", () => {
  it("is the mean negative log-likelihood of the true class", () => {
    // -(ln 0.8 + ln 0.6) / 2
    expect(logLoss([1, 0], [0.8, 0.4])).toBeCloseTo(0.3669845875401, 12);
  });

  it("clips a certain miss to -ln(1e-15) instead of infinity", () => {
    expect(logLoss([1], [0])).toBeCloseTo(34.538776394910684, 9);
  });
});

describe("classificationMetrics", () => {
  it("combines every metric at threshold 0.5", () => {
    const metrics = classificationMetrics(LABELS, SCORES);
    expect(metrics).toEqual({
      count: 6,
      accuracy: 4 / 6,
      precision: 2 / 3,
      recall: 2 / 3,
      f1: 2 / 3,
      auc: expect.closeTo(8 / 9, 15),
      logLoss: expect.closeTo(
        -(Math.log(0.9) + Math.log(0.4) + Math.log(0.4) + Math.log(0.9) + Math.log(0.8) + Math.log(0.7)) / 6,
        15,
      ),
      confusion: { tp: 2, fp: 1, tn: 2, fn: 1 },
    });
  });

  it("flags only scores strictly above the threshold", () => {
    expect(classificationMetrics([1, 0], [0.5, 0.2]).confusion).toEqual({ tp: 0, fp: 0, tn: 1, fn: 1 });
  });

  it("reports auc as null when one class is missing", () => {
    expect(classificationMetrics([0, 0], [0.1, 0.7]).auc).toBeNull();
  });
});
