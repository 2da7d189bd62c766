// The binning and PSI convention of docs/drift.md, end to end: reference edges as a profile builds
// them, live values folded into sketches on those edges, statistics as the drift report computes them.
import { describe, expect, it } from "vitest";
import { compareFeature, type NumericDrift } from "../../src/core/drift-report.js";
import { PROFILE_BINS } from "../../src/core/profile.js";
import { createSketch, type FeatureSketch, updateSketch } from "../../src/core/sketch/feature-sketch.js";
import { binEdgesFromSample } from "../../src/core/sketch/histogram.js";

function sketchOf(edges: number[], values: readonly number[]): FeatureSketch {
  const sketch = createSketch({ kind: "numeric", edges });
  for (const value of values) updateSketch(sketch, value);
  return sketch;
}

function numericDrift(reference: readonly number[], live: readonly number[]): NumericDrift {
  const edges = binEdgesFromSample(reference, PROFILE_BINS);
  const drift = compareFeature(sketchOf(edges, reference), sketchOf(edges, live));
  if (drift?.kind !== "numeric") throw new Error("expected a numeric drift report");
  return drift;
}

/** `count` copies of `value`. */
const times = (count: number, value: number) => new Array<number>(count).fill(value);

describe("drift of discrete and point-mass features", () => {
  it("shows a 0/1 flag whose prevalence moves from 10% to 90%: PSI = 2 · 0.8 · ln 9 = 3.5156", () => {
    const reference = [...times(900, 0), ...times(100, 1)];
    const live = [...times(100, 0), ...times(900, 1)];
    const drift = numericDrift(reference, live);
    // Bins {0} and {1}: (0.1 - 0.9)·ln(0.1/0.9) + (0.9 - 0.1)·ln(0.9/0.1).
    expect(drift.psi).toBeCloseTo(1.6 * Math.log(9), 12);
    // JS divergence of (0.9, 0.1) and (0.1, 0.9) against their mean (0.5, 0.5), base 2.
    const divergence = (0.9 * Math.log(1.8) + 0.1 * Math.log(0.2)) / Math.LN2;
    expect(drift.jensenShannon).toBeCloseTo(Math.sqrt(divergence), 12);
  });

  it("tells values 2 and 3 of a {0, 1, 2, 3} feature apart: 2 → 3 is a shift", () => {
    const reference = [...times(25, 0), ...times(25, 1), ...times(25, 2), ...times(25, 3)];
    const live = [...times(25, 0), ...times(25, 1), ...times(50, 3)];
    // Bin {2} empties (0.0001 for the logarithm), bin {3} doubles.
    const expected = (0.25 - 1e-4) * Math.log(0.25 / 1e-4) + 0.25 * Math.log(2);
    expect(numericDrift(reference, live).psi).toBeCloseTo(expected, 12);
  });

  it("gives a point mass its own bin: 75% zeros falling to 50% is a shift, PSI = 0.25 · ln 3", () => {
    const positives = Array.from({ length: 250 }, (_, i) => (i + 1) / 1000);
    const reference = [...times(750, 0), ...positives];
    // Every positive value twice as common: each bin above 0 doubles, whatever its edges.
    const live = [...times(500, 0), ...positives, ...positives];
    // (0.5 - 0.75)·ln(0.5/0.75) + Σ (2rᵢ - rᵢ)·ln 2 with Σ rᵢ = 0.25.
    expect(numericDrift(reference, live).psi).toBeCloseTo(0.25 * Math.log(1.5) + 0.25 * Math.log(2), 12);
  });

  it("reports no drift for the same discrete distribution", () => {
    const reference = [...times(900, 0), ...times(100, 1)];
    const drift = numericDrift(reference, [...times(90, 0), ...times(10, 1)]);
    expect(drift.psi).toBe(0);
    expect(drift.jensenShannon).toBe(0);
  });
});

describe("PSI convention (docs/drift.md)", () => {
  it("weighs mass just outside the reference range like mass just inside: uniform + 0.05 gives 0.0550 (numpy agrees to the last digit)", () => {
    // numpy 2.4, independently of this code:
    //   ref = (np.arange(10000) + 0.5) / 10000; cur = ref + 0.05
    //   cuts = np.quantile(ref, np.arange(1, 10) / 10, method="inverted_cdf")
    //   edges = np.concatenate(([-np.inf], cuts, [np.inf]))
    //   r, c = (np.histogram(x, edges)[0] / 10000 for x in (ref, cur)); r[r == 0] = c[c == 0] = 1e-4
    //   np.sum((r - c) * np.log(r / c))  →  0.05496423676083049
    // Before the convention the 5% beyond the maximum had a bin of its own, empty in the reference:
    // 0.05·ln(0.05/0.0001) = 0.31 from that bin alone, over the 0.2 alert threshold.
    const reference = Array.from({ length: 10_000 }, (_, i) => (i + 0.5) / 10_000);
    const live = reference.map((v) => v + 0.05);
    expect(numericDrift(reference, live).psi).toBeCloseTo(0.05496423676083049, 14);
  });

  it("matches Evidently's PSI on Evidently's own test data for a discrete feature (numpy: 0.037218381577290835)", () => {
    // Evidently (src/evidently/legacy/calculations/stattests/utils.py, get_binned_data, and psi.py)
    // bins a feature with at most 20 distinct values one bin per value and computes
    // Σ (ref% - cur%)·ln(ref% / cur%); the counts are those of its tests/stattests/test_stattests.py.
    // Replayed with numpy:
    //   reference = np.repeat([1, 2, 3, 4, 5, 6], [16, 18, 16, 14, 12, 12])
    //   current = np.repeat([1, 2, 3, 4, 5, 6], [16, 16, 16, 16, 16, 8])
    //   r, c = (np.array([np.sum(x == k) for k in range(1, 7)]) / len(x) for x in (reference, current))
    //   np.sum((r - c) * np.log(r / c))  →  0.037218381577290835
    const repeat = (counts: number[]) => counts.flatMap((count, i) => times(count, i + 1));
    const drift = numericDrift(repeat([16, 18, 16, 14, 12, 12]), repeat([16, 16, 16, 16, 16, 8]));
    expect(drift.psi).toBeCloseTo(0.037218381577290835, 15);
  });
});

describe("data quality", () => {
  const reference = Array.from({ length: 100 }, (_, i) => i);
  const edges = binEdgesFromSample(reference, PROFILE_BINS);

  it("reports a feature whose every value in the window is NaN or infinite as a data-quality failure, not as no drift", () => {
    const live = [Number.NaN, Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY];
    expect(compareFeature(sketchOf(edges, reference), sketchOf(edges, live))).toEqual({
      kind: "data-quality",
      count: 4,
      referenceCount: 100,
      psi: null,
      nan: 2,
      infinite: 2,
      reason: "all 4 values are NaN or infinite (2 NaN, 2 infinite)",
    });
  });

  it("counts the non-finite values of a window that also has finite ones, and compares the rest", () => {
    const drift = compareFeature(sketchOf(edges, reference), sketchOf(edges, [...reference, Number.NaN]));
    expect(drift?.kind).toBe("numeric");
    expect(drift?.kind === "numeric" && drift.nonFinite).toBe(1);
    expect(drift?.kind === "numeric" && drift.ks.statistic).toBe(0);
  });

  it("has nothing to report for an empty window", () => {
    expect(compareFeature(sketchOf(edges, reference), sketchOf(edges, []))).toBeNull();
  });
});
