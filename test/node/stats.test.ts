// Reference values marked "scipy" were computed with scipy 1.17.1 (scipy.stats / scipy.special /
// scipy.spatial.distance); the ones quoted from the scipy documentation examples say so.
import { describe, expect, it } from "vitest";
import { Mulberry32 } from "../../src/core/sketch/prng.js";
import { KllSketch } from "../../src/core/sketch/quantile.js";
import { chiSquare, chiSquarePValue } from "../../src/core/stats/chi-square.js";
import { logGamma, regularizedGammaP, regularizedGammaQ } from "../../src/core/stats/gamma.js";
import { jensenShannonDistance } from "../../src/core/stats/jensen-shannon.js";
import {
  kolmogorovSurvival,
  ksPValue,
  ksStatistic,
  ksTwoSample,
  ksTwoSampleSketch,
} from "../../src/core/stats/ks.js";
import { psi } from "../../src/core/stats/psi.js";
import { wasserstein1, wasserstein1Sketch } from "../../src/core/stats/wasserstein.js";
import { toWeightedPoints } from "../../src/core/stats/weighted.js";

function normalSample(seed: number, n: number, mean = 0, sd = 1): number[] {
  const rng = new Mulberry32(seed);
  return Array.from({ length: n }, () => {
    const u = 1 - rng.nextFloat();
    return mean + sd * Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rng.nextFloat());
  });
}

function kllOf(values: readonly number[]): KllSketch {
  const sketch = new KllSketch();
  for (const v of values) sketch.update(v);
  return sketch;
}

/** Brute-force D: both empirical CDFs evaluated at every sample point, O(n·(n+m)). */
function bruteForceKs(x: readonly number[], y: readonly number[]): number {
  const cdf = (sample: readonly number[], t: number) => sample.filter((v) => v <= t).length / sample.length;
  let d = 0;
  for (const t of [...x, ...y]) d = Math.max(d, Math.abs(cdf(x, t) - cdf(y, t)));
  return d;
}

// ---- PSI -----------------------------------------------------------------------------------------

describe("psi", () => {
  it("matches a hand computation: uniform reference against a 10/20/30/40 split", () => {
    // (0.1-0.25)ln(0.4) + (0.2-0.25)ln(0.8) + (0.3-0.25)ln(1.2) + (0.4-0.25)ln(1.6)
    // = 0.137444 + 0.011157 + 0.009116 + 0.070501 = 0.228217...
    const expected =
      -0.15 * Math.log(0.4) + -0.05 * Math.log(0.8) + 0.05 * Math.log(1.2) + 0.15 * Math.log(1.6);
    expect(psi([25, 25, 25, 25], [10, 20, 30, 40])).toBeCloseTo(expected, 14);
    expect(psi([25, 25, 25, 25], [10, 20, 30, 40])).toBeCloseTo(0.22821740957339182, 14);
  });

  it("matches a hand computation: 50/50 against 80/20 gives 0.3·ln(1.6/0.4) = 0.6·ln 2", () => {
    expect(psi([50, 50], [80, 20])).toBeCloseTo(0.6 * Math.LN2, 14);
  });

  it("is 0 for identical proportions, whatever the totals, and symmetric", () => {
    expect(psi([1, 2, 3], [10, 20, 30])).toBe(0);
    expect(psi([5, 1, 4], [2, 2, 6])).toBeCloseTo(psi([2, 2, 6], [5, 1, 4]), 15);
  });

  it("floors a one-sided empty bin at epsilon instead of going infinite", () => {
    // Expected proportions 0.5, 0.5, 0 (floored to 1e-4); actual 0.5, 0.4, 0.1:
    // 0 + (0.4-0.5)ln(0.8) + (0.1-1e-4)ln(0.1/1e-4) = 0.712399...
    const value = -0.1 * Math.log(0.8) + (0.1 - 1e-4) * Math.log(0.1 / 1e-4);
    expect(psi([50, 50, 0], [50, 40, 10])).toBeCloseTo(value, 14);
    expect(psi([50, 50, 0], [50, 40, 10], 0)).toBe(Number.POSITIVE_INFINITY);
  });

  it("ignores bins empty on both sides", () => {
    expect(psi([50, 0, 50], [80, 0, 20])).toBeCloseTo(psi([50, 50], [80, 20]), 15);
  });

  it("matches PSI computed directly from raw samples binned at decile edges", () => {
    const reference = normalSample(1, 5_000);
    const current = normalSample(2, 5_000, 0.3, 1.2);
    const sorted = [...reference].sort((a, b) => a - b);
    const cuts = [1, 2, 3, 4, 5, 6, 7, 8, 9].map((d) => sorted[d * 500]);
    const binOf = (v: number) => cuts.filter((c) => v >= c).length;
    const counts = (sample: number[]) => {
      const c = new Array<number>(10).fill(0);
      for (const v of sample) c[binOf(v)]++;
      return c;
    };
    let direct = 0;
    const e = counts(reference).map((c) => c / 5_000);
    const a = counts(current).map((c) => c / 5_000);
    for (let i = 0; i < 10; i++) direct += (a[i] - e[i]) * Math.log(a[i] / e[i]);
    expect(psi(counts(reference), counts(current))).toBeCloseTo(direct, 12);
    expect(direct).toBeGreaterThan(0.1);
  });

  it("rejects mismatched bins and empty counts", () => {
    expect(() => psi([1, 2], [1, 2, 3])).toThrow(/matching bins/);
    expect(() => psi([0, 0], [1, 2])).toThrow(/sum to 0/);
    expect(() => psi([1, -1], [1, 2])).toThrow(/non-negative/);
  });
});

// ---- Kolmogorov-Smirnov --------------------------------------------------------------------------

describe("kolmogorovSurvival", () => {
  it("matches scipy.stats.kstwobign.sf on both sides of the series switch at 1.18", () => {
    const scipy: [number, number][] = [
      [0.3, 0.9999906941986655],
      [0.5, 0.9639452436648751],
      [1.0, 0.26999967167735456],
      [1.18, 0.1234538094297657],
      [1.36, 0.049485876755377876],
      [1.63, 0.009846364888486529],
      [2.5, 7.453306344157342e-6],
    ];
    for (const [lambda, q] of scipy) expect(kolmogorovSurvival(lambda)).toBeCloseTo(q, 14);
  });

  it("reproduces by hand Q(1) = 2(e^-2 - e^-8 + e^-18 - …) = 2(0.1353353 - 0.0003355 + 0.00000002) = 0.2699997", () => {
    expect(kolmogorovSurvival(1)).toBeCloseTo(0.2699997, 7);
  });

  it("reproduces the classic critical values c(α) = 1.2238, 1.3581, 1.4802, 1.6276, 1.7308, 1.9495", () => {
    // Smirnov (1948) table, as quoted in most KS references: P(K > c(α)) = α.
    const table: [number, number][] = [
      [1.2238, 0.1],
      [1.3581, 0.05],
      [1.4802, 0.025],
      [1.6276, 0.01],
      [1.7308, 0.005],
      [1.9495, 0.001],
    ];
    for (const [c, alpha] of table)
      expect(Math.abs(kolmogorovSurvival(c) - alpha) / alpha).toBeLessThan(5e-4);
  });

  it("is continuous where it switches series", () => {
    // The two series meet at 1.18; a step of 1e-14 moves Q by only ~6e-15 (its slope there is ~-0.6).
    expect(kolmogorovSurvival(1.18 - 1e-14)).toBeCloseTo(kolmogorovSurvival(1.18), 13);
    expect(kolmogorovSurvival(0)).toBe(1);
  });
});

describe("ksTwoSample", () => {
  it("gives D = 1 for disjoint samples", () => {
    expect(ksTwoSample([1, 2, 3], [4, 5, 6]).statistic).toBe(1);
  });

  it("gives D = 0.5 when the ECDFs are 1/2 apart at 2, 3 and 4 (scipy ks_2samp agrees)", () => {
    // F_x(2) = 2/4 vs F_y(2) = 0; F_x(3) = 3/4 vs 1/4; F_x(4) = 1 vs 2/4.
    expect(ksTwoSample([1, 2, 3, 4], [3, 4, 5, 6]).statistic).toBe(0.5);
  });

  it("handles ties across samples: [1,1,2] vs [1,2,2] differ by 1/3 at 1", () => {
    expect(ksTwoSample([1, 1, 2], [2, 1, 2]).statistic).toBeCloseTo(1 / 3, 15);
  });

  it("gives D = 0 and p = 1 for identical samples", () => {
    expect(ksTwoSample([3, 1, 2], [1, 2, 3])).toEqual({ statistic: 0, pValue: 1 });
  });

  it("computes the p-value as Q((√ne + 0.12 + 0.11/√ne)·D), ne = nm/(n+m) (Numerical Recipes kstwo)", () => {
    // n = m = 3, D = 1: √ne = √1.5 = 1.2247449, λ = 1.2247449 + 0.12 + 0.0898146 = 1.4345595;
    // scipy.stats.kstwobign.sf(1.434559495293639) = 0.03262165165202116.
    expect(ksTwoSample([1, 2, 3], [4, 5, 6]).pValue).toBeCloseTo(0.03262165165202116, 14);
    // n = m = 16, D = 0.5: √ne = √8, λ = 1.4936590; kstwobign.sf → 0.023077693773042005.
    expect(ksPValue(0.5, 16, 16)).toBeCloseTo(0.023077693773042005, 14);
  });

  it("approaches the uncorrected Q(√ne·D) for large samples", () => {
    const d = 0.002;
    const ne = (1e6 * 1e6) / 2e6;
    expect(ksPValue(d, 1e6, 1e6)).toBeCloseTo(kolmogorovSurvival(Math.sqrt(ne) * d), 3);
  });

  it("equals the brute-force D on random samples of different sizes", () => {
    const x = normalSample(3, 300).map((v) => Math.round(v * 10) / 10); // rounding makes ties
    const y = normalSample(4, 200, 0.2).map((v) => Math.round(v * 10) / 10);
    expect(ksTwoSample(x, y).statistic).toBeCloseTo(bruteForceKs(x, y), 14);
  });

  it("rejects empty and non-finite samples", () => {
    expect(() => ksTwoSample([], [1])).toThrow(/empty distribution/);
    expect(() => ksTwoSample([Number.NaN], [1])).toThrow(/not finite/);
  });
});

describe("ksTwoSampleSketch", () => {
  const x = normalSample(5, 100_000);
  const y = normalSample(6, 100_000, 0.1);
  const exact = ksTwoSample(x, y);
  const a = kllOf(x);
  const b = kllOf(y);

  it("is within 0.02 of the exact D on 100k vs 100k values (normal vs normal shifted by 0.1)", () => {
    // The true D for a 0.1 shift is 2Φ(0.05) - 1 ≈ 0.0399.
    expect(exact.statistic).toBeGreaterThan(0.03);
    expect(Math.abs(ksTwoSampleSketch(a, b).statistic - exact.statistic)).toBeLessThan(0.02);
  });

  it("is within 0.02 of the exact D when nothing drifted", () => {
    const z = normalSample(7, 100_000);
    const sketched = ksTwoSampleSketch(a, kllOf(z)).statistic;
    expect(Math.abs(sketched - ksTwoSample(x, z).statistic)).toBeLessThan(0.02);
  });

  it("takes the two sketches' rank-error bounds off D and uses their counts as sample sizes for the p-value", () => {
    const { statistic, pValue, rankErrorBound } = ksTwoSampleSketch(a, b);
    // 2.446 / 200^0.9433 per compacted k = 200 sketch (DataSketches' all-quantiles bound).
    expect(rankErrorBound).toBeCloseTo(2 * 0.016516, 5);
    expect(pValue).toBe(ksPValue(statistic - rankErrorBound, 100_000, 100_000));
  });

  it("equals the exact test, with a zero bound, when the sketches have not compacted", () => {
    const small = [0.3, 1.2, -0.5, 2.2];
    const other = [0.1, 0.2, 3.3];
    expect(ksTwoSampleSketch(kllOf(small), kllOf(other))).toEqual({
      ...ksTwoSample(small, other),
      rankErrorBound: 0,
    });
  });

  it("rejects same-distribution sketches of 100k values each at 5% in at most ~5% of 30 seeds", () => {
    // Without the bound, all 30 reject: sketch error alone makes D ≈ 0.011 (exact D ≈ 0.003).
    const seeds = 30;
    let rejections = 0;
    for (let seed = 0; seed < seeds; seed++) {
      const reference = new KllSketch({ seed: 2 * seed + 1 });
      const live = new KllSketch({ seed: 2 * seed + 2 });
      for (const v of normalSample(100 + seed, 100_000)) reference.update(v);
      for (const v of normalSample(200 + seed, 100_000)) live.update(v);
      if (ksTwoSampleSketch(reference, live).pValue < 0.05) rejections++;
    }
    // Binomial(30, 0.05): mean 1.5, three standard deviations 3.6.
    expect(rejections).toBeLessThanOrEqual(Math.floor(seeds * 0.05 + 3 * Math.sqrt(seeds * 0.05 * 0.95)));
  });

  it("still detects a shift of a quarter standard deviation on 100k values (exact D ≈ 0.099)", () => {
    const shifted = kllOf(normalSample(12, 100_000, 0.25));
    const result = ksTwoSampleSketch(a, shifted);
    expect(result.statistic - result.rankErrorBound).toBeGreaterThan(0.05);
    expect(result.pValue).toBeLessThan(1e-12);
  });
});

// ---- Wasserstein ---------------------------------------------------------------------------------

describe("wasserstein1", () => {
  it("matches the scipy docs: wasserstein_distance([0, 1, 3], [5, 6, 8]) = 5.0", () => {
    expect(wasserstein1([0, 1, 3], [5, 6, 8])).toBe(5);
  });

  it("matches the scipy docs: wasserstein_distance([0, 1], [0, 1], [3, 1], [2, 2]) = 0.25", () => {
    expect(wasserstein1([0, 1], [0, 1], [3, 1], [2, 2])).toBeCloseTo(0.25, 15);
  });

  it("matches the scipy docs weighted example: 4.0781331438047861", () => {
    const value = wasserstein1([3.4, 3.9, 7.5, 7.8], [4.5, 1.4], [1.4, 0.9, 3.1, 7.2], [3.2, 3.5]);
    expect(value).toBeCloseTo(4.0781331438047861, 13);
  });

  it("equals the mean distance between sorted samples when sizes match", () => {
    const x = normalSample(8, 1_000);
    const y = normalSample(9, 1_000, 0.5, 2);
    const xs = [...x].sort((p, q) => p - q);
    const ys = [...y].sort((p, q) => p - q);
    const direct = xs.reduce((sum, v, i) => sum + Math.abs(v - ys[i]), 0) / xs.length;
    expect(wasserstein1(x, y)).toBeCloseTo(direct, 12);
  });

  it("is 0 for the same sample in another order, and symmetric", () => {
    expect(wasserstein1([1, 2, 3], [3, 1, 2])).toBe(0);
    expect(wasserstein1([1, 5], [2, 2, 9])).toBeCloseTo(wasserstein1([2, 2, 9], [1, 5]), 15);
  });

  it("from sketches is within 0.01 of the exact value on 100k values (normal vs normal + 0.5)", () => {
    const x = normalSample(10, 100_000);
    const y = normalSample(11, 100_000, 0.5);
    const exact = wasserstein1(x, y);
    expect(exact).toBeCloseTo(0.5, 1);
    expect(Math.abs(wasserstein1Sketch(kllOf(x), kllOf(y)) - exact)).toBeLessThan(0.01);
  });

  it("rejects weights that do not match the values", () => {
    expect(() => wasserstein1([1, 2], [1], [1])).toThrow(/2 values but 1 weights/);
    expect(() => wasserstein1([1], [1], [-1])).toThrow(/non-negative/);
  });
});

describe("toWeightedPoints", () => {
  it("sorts, folds duplicates and drops zero weights", () => {
    expect(toWeightedPoints([3, 1, 3, 2], [1, 2, 3, 0])).toEqual({ values: [1, 3], weights: [2, 4] });
  });

  it("gives the same KS statistic as the raw samples", () => {
    expect(ksStatistic(toWeightedPoints([1, 1, 2]), toWeightedPoints([1, 2, 2]))).toBeCloseTo(1 / 3, 15);
  });
});

// ---- Jensen-Shannon ------------------------------------------------------------------------------

describe("jensenShannonDistance", () => {
  it("matches the scipy docs: jensenshannon([1, 0, 0], [0, 1, 0], 2) = 1 (disjoint supports)", () => {
    expect(jensenShannonDistance([1, 0, 0], [0, 1, 0])).toBe(1);
  });

  it("matches the scipy docs: jensenshannon([1, 0], [0.5, 0.5], 2) = 0.5579230452841438", () => {
    // By hand: m = (0.75, 0.25); KL(p||m) = log2(4/3) = 0.4150375; KL(q||m) = 0.5·log2(2/3) + 0.5·1 = 0.2075187;
    // JSD = (0.4150375 + 0.2075187)/2 = 0.3112781; distance = √0.3112781 = 0.5579230.
    expect(jensenShannonDistance([1, 0], [0.5, 0.5])).toBeCloseTo(0.5579230452841438, 15);
  });

  it("matches the scipy docs in base e: jensenshannon([1, 0, 0], [1, 0.5, 0.5]) = 0.46450140402245893", () => {
    // q is normalised to (0.5, 0.25, 0.25) first, as scipy does.
    expect(jensenShannonDistance([1, 0, 0], [1, 0.5, 0.5], Math.E)).toBeCloseTo(0.46450140402245893, 15);
  });

  it("is 0 for proportional counts and symmetric", () => {
    expect(jensenShannonDistance([1, 2, 3], [2, 4, 6])).toBe(0);
    expect(jensenShannonDistance([5, 1, 0], [1, 1, 1])).toBeCloseTo(
      jensenShannonDistance([1, 1, 1], [5, 1, 0]),
      15,
    );
  });

  it("matches the divergence computed directly from two raw categorical samples", () => {
    const rng = new Mulberry32(12);
    const draw = (weights: number[]) => {
      const counts = weights.map(() => 0);
      for (let i = 0; i < 2_000; i++) {
        let u = rng.nextFloat() * weights.reduce((a, b) => a + b, 0);
        let k = 0;
        while (u >= weights[k]) u -= weights[k++];
        counts[k]++;
      }
      return counts;
    };
    const p = draw([4, 3, 2, 1]);
    const q = draw([1, 2, 3, 4]);
    const pp = p.map((c) => c / 2_000);
    const qq = q.map((c) => c / 2_000);
    let divergence = 0;
    for (let i = 0; i < 4; i++) {
      const m = (pp[i] + qq[i]) / 2;
      divergence += 0.5 * pp[i] * Math.log2(pp[i] / m) + 0.5 * qq[i] * Math.log2(qq[i] / m);
    }
    expect(jensenShannonDistance(p, q)).toBeCloseTo(Math.sqrt(divergence), 14);
  });

  it("rejects mismatched lengths and a bad base", () => {
    expect(() => jensenShannonDistance([1], [1, 2])).toThrow(/matching bins/);
    expect(() => jensenShannonDistance([1], [1], 1)).toThrow(/base/);
  });
});

// ---- chi-square and the gamma functions ----------------------------------------------------------

describe("chiSquare", () => {
  it("matches the scipy docs: chisquare([16, 18, 16, 14, 12, 12]) → 2.0, p = 0.84914503608460956", () => {
    // scipy's default expectation is uniform; here as reference counts, rescaled to the 88 observed.
    const result = chiSquare([1, 1, 1, 1, 1, 1], [16, 18, 16, 14, 12, 12]);
    expect(result.statistic).toBeCloseTo(2, 13);
    expect(result.degreesOfFreedom).toBe(5);
    expect(result.pValue).toBeCloseTo(0.84914503608460956, 13);
  });

  it("matches the scipy docs: f_exp=[16, 16, 16, 16, 16, 8] → 3.5, p = 0.62338762774958223", () => {
    // 0 + 4/16 + 0 + 4/16 + 16/16 + 16/8 = 3.5
    const result = chiSquare([16, 16, 16, 16, 16, 8], [16, 18, 16, 14, 12, 12]);
    expect(result.statistic).toBe(3.5);
    expect(result.pValue).toBeCloseTo(0.62338762774958223, 13);
  });

  it("rescales reference counts to the observed total", () => {
    expect(chiSquare([32, 32, 32, 32, 32, 16], [16, 18, 16, 14, 12, 12]).statistic).toBe(3.5);
  });

  it("matches the statistic computed directly from raw categorical samples", () => {
    const reference = ["a", "a", "b", "c", "c", "c", "a", "b"];
    const current = ["a", "b", "b", "b", "c", "a", "b", "c", "c", "b"];
    const count = (sample: string[]) => ["a", "b", "c"].map((k) => sample.filter((v) => v === k).length);
    // Reference 3/2/3 of 8 → expected 3.75/2.5/3.75 of 10; observed 2/5/3.
    const direct = (2 - 3.75) ** 2 / 3.75 + (5 - 2.5) ** 2 / 2.5 + (3 - 3.75) ** 2 / 3.75;
    const result = chiSquare(count(reference), count(current));
    expect(result.statistic).toBeCloseTo(direct, 14);
    expect(result.degreesOfFreedom).toBe(2);
    // With 2 degrees of freedom the tail is exactly e^{-s/2}.
    expect(result.pValue).toBeCloseTo(Math.exp(-direct / 2), 14);
  });

  it("drops bins empty on both sides from the degrees of freedom", () => {
    expect(chiSquare([16, 0, 16, 16, 16, 16, 8], [16, 0, 18, 16, 14, 12, 12])).toEqual(
      chiSquare([16, 16, 16, 16, 16, 8], [16, 18, 16, 14, 12, 12]),
    );
  });

  it("is infinite with p = 0 when a never-expected category is observed", () => {
    expect(chiSquare([5, 5, 0], [5, 5, 1])).toEqual({
      statistic: Number.POSITIVE_INFINITY,
      degreesOfFreedom: 2,
      pValue: 0,
    });
  });

  it("has nothing to test with a single informative bin", () => {
    expect(chiSquare([3, 0], [7, 0])).toEqual({ statistic: 0, degreesOfFreedom: 0, pValue: 1 });
  });

  it("gives p = 0.05 at the 95% critical value of χ²(1), 1.959963984540054² = 3.841458820694124", () => {
    expect(chiSquarePValue(3.841458820694124, 1)).toBeCloseTo(0.05, 14);
  });
});

describe("gamma functions", () => {
  it("logGamma matches factorials, Γ(1/2) = √π and scipy.special.gammaln", () => {
    expect(logGamma(1)).toBeCloseTo(0, 14);
    expect(logGamma(5)).toBeCloseTo(Math.log(24), 14);
    expect(logGamma(10)).toBeCloseTo(Math.log(362880), 13);
    expect(logGamma(0.5)).toBeCloseTo(0.5 * Math.log(Math.PI), 14);
    expect(logGamma(1.5)).toBeCloseTo(-0.12078223763524526, 14);
    expect(logGamma(0.1)).toBeCloseTo(2.252712651734206, 14);
    expect(logGamma(100)).toBeCloseTo(359.1342053695754, 11);
    expect(logGamma(171.5)).toBeCloseTo(709.1431630309283, 10);
  });

  it("regularizedGammaQ matches closed forms: Q(1, x) = e^-x, Q(3, x) = e^-x(1 + x + x²/2)", () => {
    expect(regularizedGammaQ(1, 3)).toBeCloseTo(Math.exp(-3), 15);
    expect(regularizedGammaQ(3, 2)).toBeCloseTo(Math.exp(-2) * (1 + 2 + 2), 15);
    expect(regularizedGammaQ(3, 8)).toBeCloseTo(Math.exp(-8) * (1 + 8 + 32), 15);
  });

  it("regularizedGammaP(1/2, x) = erf(√x): erf(1) = 0.8427007929497149", () => {
    expect(regularizedGammaP(0.5, 1)).toBeCloseTo(0.8427007929497149, 14);
  });

  it("regularizedGammaQ matches scipy.special.gammaincc on both expansions", () => {
    const scipy: [number, number, number][] = [
      [2.5, 1, 0.8491450360846096],
      [0.5, 1, 0.15729920705028105],
      [31.5, 40, 0.0728954893246227],
      [10, 0.5, 0.999999999829033],
      [100, 120, 0.027863739890520652],
    ];
    for (const [a, x, q] of scipy) {
      expect(regularizedGammaQ(a, x)).toBeCloseTo(q, 13);
      expect(regularizedGammaP(a, x) + regularizedGammaQ(a, x)).toBeCloseTo(1, 14);
    }
  });

  it("handles the ends of the range and rejects bad arguments", () => {
    expect(regularizedGammaQ(2, 0)).toBe(1);
    expect(regularizedGammaP(2, 0)).toBe(0);
    expect(regularizedGammaQ(2, Number.POSITIVE_INFINITY)).toBe(0);
    expect(() => regularizedGammaQ(0, 1)).toThrow(/a > 0/);
    expect(() => logGamma(-1)).toThrow(/x > 0/);
  });
});
