import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  alignCategoricalCounts,
  CategoricalSketch,
  OTHER_CATEGORY,
} from "../../src/core/sketch/categorical.js";
import {
  createSketch,
  deserializeSketch,
  type FeatureSketch,
  mergeSketches,
  mergeSketchInto,
  serializeSketch,
  updateSketch,
} from "../../src/core/sketch/feature-sketch.js";
import { binEdgesFromSample, Histogram } from "../../src/core/sketch/histogram.js";
import { Mulberry32 } from "../../src/core/sketch/prng.js";
import { KllSketch } from "../../src/core/sketch/quantile.js";

// ---- helpers -------------------------------------------------------------------------------------

type Distribution = "uniform" | "normal" | "exponential" | "lognormal" | "integers";

function sampler(rng: Mulberry32, distribution: Distribution): () => number {
  const normal = () => {
    // Box-Muller; 1 - u keeps the logarithm finite.
    const u = 1 - rng.nextFloat();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rng.nextFloat());
  };
  switch (distribution) {
    case "uniform":
      return () => rng.nextFloat();
    case "normal":
      return normal;
    case "exponential":
      return () => -Math.log(1 - rng.nextFloat());
    case "lognormal":
      return () => Math.exp(2 * normal());
    case "integers":
      return () => Math.floor(rng.nextFloat() * 10);
  }
}

function sample(seed: number, distribution: Distribution, n: number): number[] {
  const next = sampler(new Mulberry32(seed), distribution);
  return Array.from({ length: n }, next);
}

/** Fraction of `sorted` that is <= x. */
function exactRank(sorted: readonly number[], x: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid] <= x) lo = mid + 1;
    else hi = mid;
  }
  return lo / sorted.length;
}

/** Fraction of `sorted` that is < x. */
function exactRankBelow(sorted: readonly number[], x: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid] < x) lo = mid + 1;
    else hi = mid;
  }
  return lo / sorted.length;
}

function sortedCopy(values: readonly number[]): number[] {
  return [...values].sort((a, b) => a - b);
}

/** Largest |sketch rank - exact rank| over the data's 0/1000 … 1000/1000 quantiles. */
function maxRankError(sketch: KllSketch, sorted: readonly number[]): number {
  let worst = 0;
  for (let j = 0; j <= 1000; j++) {
    const x = sorted[Math.min(sorted.length - 1, Math.floor((j / 1000) * sorted.length))];
    worst = Math.max(worst, Math.abs(sketch.rank(x) - exactRank(sorted, x)));
  }
  return worst;
}

/**
 * Largest distance of q from the exact rank interval [rank below, rank at] of quantile(q), over
 * q = 0.001 … 0.999: 0 means the returned value is an exact q-quantile.
 */
function maxQuantileError(sketch: KllSketch, sorted: readonly number[]): number {
  let worst = 0;
  for (let j = 1; j < 1000; j++) {
    const q = j / 1000;
    const v = sketch.quantile(q);
    const below = exactRankBelow(sorted, v);
    const at = exactRank(sorted, v);
    worst = Math.max(worst, below - q, q - at, 0);
  }
  return worst;
}

function kllOf(values: readonly number[], seed?: number): KllSketch {
  const sketch = new KllSketch({ seed });
  for (const v of values) sketch.update(v);
  return sketch;
}

/** Splits `values` at the given cut points (any order, duplicates allowed). */
function splitAt<T>(values: readonly T[], cuts: readonly number[]): T[][] {
  const points = [...new Set(cuts.map((c) => c % (values.length + 1)))].sort((a, b) => a - b);
  const parts: T[][] = [];
  let start = 0;
  for (const p of [...points, values.length]) {
    parts.push(values.slice(start, p));
    start = p;
  }
  return parts;
}

function shuffled<T>(items: readonly T[], seed: number): T[] {
  const rng = new Mulberry32(seed);
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = rng.nextUint32() % (i + 1);
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}

type Grouping = "left" | "right" | "tree";
const GROUPINGS: Grouping[] = ["left", "right", "tree"];

/** Combines parts with a binary merge: ((a·b)·c)·d, a·(b·(c·d)) or (a·b)·(c·d). */
function mergeAll<T>(parts: readonly T[], merge: (a: T, b: T) => T, grouping: Grouping): T {
  if (parts.length === 1) return parts[0];
  if (grouping === "left") return parts.reduce(merge);
  if (grouping === "right") return parts.reduceRight((acc, part) => merge(part, acc));
  const mid = parts.length >> 1;
  return merge(mergeAll(parts.slice(0, mid), merge, grouping), mergeAll(parts.slice(mid), merge, grouping));
}

function histogramOf(edges: readonly number[], values: readonly number[]): Histogram {
  const histogram = new Histogram(edges);
  for (const v of values) histogram.update(v);
  return histogram;
}

function categoricalOf(
  values: readonly string[],
  options: ConstructorParameters<typeof CategoricalSketch>[0],
) {
  const sketch = new CategoricalSketch(options);
  for (const v of values) sketch.update(v);
  return sketch;
}

// ---- histogram -----------------------------------------------------------------------------------

describe("Histogram", () => {
  it("counts values into [e_i, e_i+1) bins, with the last bin closed", () => {
    const histogram = histogramOf([0, 1, 2, 4], [0, 0.5, 1, 1.999, 2, 3.5, 4]);
    // [underflow, [0,1), [1,2), [2,4], overflow]
    expect(histogram.counts).toEqual([0, 2, 2, 3, 0]);
    expect(histogram.total).toBe(7);
  });

  it("sends values outside the edges to underflow/overflow and counts NaN apart", () => {
    const histogram = histogramOf(
      [0, 10],
      [-1, Number.NEGATIVE_INFINITY, 5, 10.5, Number.POSITIVE_INFINITY, Number.NaN],
    );
    expect(histogram.counts).toEqual([2, 1, 2]);
    expect(histogram.underflow).toBe(2);
    expect(histogram.overflow).toBe(2);
    expect(histogram.nan).toBe(1);
    expect(histogram.total).toBe(6);
  });

  it("treats a single edge as one point bin (a constant reference feature)", () => {
    const histogram = histogramOf([3], [2, 3, 3, 4]);
    expect(histogram.counts).toEqual([1, 2, 1]);
  });

  it("gives an edge written twice a point bin of its own, the interval after it starting above it", () => {
    // [underflow, {0}, (0,1), {1}, (1,3], overflow]
    const histogram = histogramOf([0, 0, 1, 1, 3], [-0.5, 0, 0, 0.5, 1, 1, 1, 1.0001, 3, 4]);
    expect(histogram.counts).toEqual([1, 2, 1, 3, 2, 1]);
  });

  it("closes the last bin with a point bin when the last edge is written twice", () => {
    // [underflow, [0,2), {2}, (2,3), {3}, overflow]
    const histogram = histogramOf([0, 2, 2, 3, 3], [0, 1.9, 2, 2.5, 3, 3.5]);
    expect(histogram.counts).toEqual([0, 2, 1, 1, 1, 1]);
  });

  it("rejects edges that are empty, decreasing, written three times or not finite", () => {
    expect(() => new Histogram([])).toThrow(/at least one bin edge/);
    expect(() => new Histogram([1, 0])).toThrow(/must not decrease/);
    expect(() => new Histogram([0, 0, 0])).toThrow(/more than twice/);
    expect(() => new Histogram([0, Number.POSITIVE_INFINITY])).toThrow(/not finite/);
  });

  it("compares with its outermost interval bins open to ±Infinity: under/overflow fold into them", () => {
    const histogram = histogramOf([0, 1, 2], [-5, 0.5, 1.5, 2, 7, Number.POSITIVE_INFINITY]);
    expect(histogram.counts).toEqual([1, 1, 2, 2]);
    expect(histogram.comparedCounts).toEqual([0, 2, 4, 0]);
  });

  it("compares values beyond a point bin at either end in their own bins (new values, not a tail)", () => {
    const histogram = histogramOf([0, 0, 1, 1], [-1, 0, 0.5, 1, 2, 2]);
    expect(histogram.comparedCounts).toEqual([1, 1, 1, 1, 2]);
    expect(histogramOf([4], [3, 4, 5]).comparedCounts).toEqual([1, 1, 1]);
  });

  it("merges by adding counts, NaN included", () => {
    const a = histogramOf([0, 1, 2], [0.5, Number.NaN, 3]);
    const b = histogramOf([0, 1, 2], [-1, 1.5, 1.5]);
    a.merge(b);
    expect(a.counts).toEqual([1, 1, 2, 1]);
    expect(a.nan).toBe(1);
    expect(b.counts).toEqual([1, 0, 2, 0]);
  });

  it("refuses to merge histograms with different edges", () => {
    const a = new Histogram([0, 1, 2]);
    expect(() => a.merge(new Histogram([0, 1, 3]))).toThrow(
      "cannot merge histograms with different bin edges: 3 edges [0 … 2] vs 3 edges [0 … 3]",
    );
    expect(() => a.merge(new Histogram([0, 1]))).toThrow(/different bin edges/);
  });

  it("round-trips through JSON", () => {
    const histogram = histogramOf([0, 0.25, 1], [0.1, 0.3, 0.3, 7, Number.NaN]);
    const restored = Histogram.deserialize(JSON.parse(JSON.stringify(histogram.serialize())));
    expect(restored.edges).toEqual([0, 0.25, 1]);
    expect(restored.counts).toEqual([0, 1, 2, 1]);
    expect(restored.nan).toBe(1);
  });

  it("rejects a serialized form whose counts do not match its edges", () => {
    expect(() => Histogram.deserialize({ edges: [0, 1], counts: [0, 0], nan: 0 })).toThrow(
      /needs 3 counts, got 2/,
    );
    expect(() => Histogram.deserialize({ edges: [0, 1], counts: [0, -1, 0], nan: 0 })).toThrow();
  });
});

describe("binEdgesFromSample", () => {
  it("puts edges at the sample's j/bins quantiles, min and max included", () => {
    const values = Array.from({ length: 100 }, (_, i) => 100 - i); // 100 … 1, order does not matter
    expect(binEdgesFromSample(values, 4)).toEqual([1, 25, 50, 75, 100]);
  });

  it("gives a point mass (at least 1/bins of the sample) a bin of its own, apart from the interval above it", () => {
    // 60 zeros and 1…40: 0 holds 60% ≥ 1/4, so it is a point; 1…40 are cut at their quarters.
    const values = [...new Array<number>(60).fill(0), ...Array.from({ length: 40 }, (_, i) => i + 1)];
    const edges = binEdgesFromSample([...values, Number.NaN, Number.POSITIVE_INFINITY], 4);
    expect(edges).toEqual([0, 0, 1, 10, 20, 30, 40]);
    const histogram = histogramOf(edges, values);
    // [underflow, {0}, (0,1) empty, [1,10), [10,20), [20,30), [30,40], overflow]
    expect(histogram.counts).toEqual([0, 60, 0, 9, 10, 10, 11, 0]);
  });

  it("gives each value of a feature with at most 20 distinct values a bin of its own", () => {
    expect(binEdgesFromSample([0, 1, 1, 0, 0], 10)).toEqual([0, 0, 1, 1]);
    const histogram = histogramOf(binEdgesFromSample([0, 1, 2, 3], 2), [0, 1, 2, 2, 3, 3, 3]);
    // 2 and 3 no longer share the closed last bin [2, 3].
    expect(histogram.counts).toEqual([0, 1, 0, 1, 0, 2, 0, 3, 0]);
  });

  it("gives a constant sample one point bin", () => {
    expect(binEdgesFromSample([7, 7, 7], 10)).toEqual([7, 7]);
    expect(histogramOf([7, 7], [6, 7, 7, 8]).counts).toEqual([1, 2, 1]);
  });

  it("refuses a sample without finite values or a bad bin count", () => {
    expect(() => binEdgesFromSample([Number.NaN], 4)).toThrow(/no finite values/);
    expect(() => binEdgesFromSample([1, 2], 0)).toThrow(/positive integer/);
  });
});

// ---- KLL -----------------------------------------------------------------------------------------

describe("KllSketch", () => {
  it("is exact while everything fits (no compaction yet)", () => {
    const sketch = kllOf([5, 1, 4, 2, 3, 3]);
    expect(sketch.count).toBe(6);
    expect(sketch.rank(0)).toBe(0);
    expect(sketch.rank(3)).toBe(4 / 6);
    expect(sketch.rank(4.5)).toBe(5 / 6);
    expect(sketch.quantile(0.5)).toBe(3);
    expect(sketch.quantile(0.51)).toBe(3);
    expect(sketch.quantile(0.7)).toBe(4);
    expect(sketch.cdfPoints()).toEqual({ values: [1, 2, 3, 4, 5], weights: [1, 1, 2, 1, 1] });
  });

  it("answers NaN while empty", () => {
    const sketch = new KllSketch();
    expect(sketch.count).toBe(0);
    expect(sketch.min).toBeNaN();
    expect(sketch.quantile(0.5)).toBeNaN();
    expect(sketch.rank(1)).toBeNaN();
    expect(KllSketch.deserialize(sketch.serialize()).count).toBe(0);
  });

  it("keeps exact count, min and max, and returns them for q = 0 and q = 1", () => {
    const data = sample(1, "lognormal", 50_000);
    const sketch = kllOf(data);
    expect(sketch.count).toBe(50_000);
    expect(sketch.min).toBe(Math.min(...data));
    expect(sketch.max).toBe(Math.max(...data));
    expect(sketch.quantile(0)).toBe(sketch.min);
    expect(sketch.quantile(1)).toBe(sketch.max);
    expect(sketch.rank(sketch.max)).toBe(1);
    expect(sketch.rank(sketch.min - 1)).toBe(0);
  });

  it("keeps weights summing to the count after compaction", () => {
    const sketch = kllOf(sample(2, "normal", 30_001));
    const { weights } = sketch.cdfPoints();
    expect(weights.reduce((a, b) => a + b, 0)).toBe(30_001);
    expect(sketch.retainedItems).toBeLessThan(700);
  });

  it("accepts finite values only", () => {
    const sketch = new KllSketch();
    expect(() => sketch.update(Number.NaN)).toThrow(/finite values only/);
    expect(() => sketch.update(Number.POSITIVE_INFINITY)).toThrow(/finite values only/);
    expect(() => new KllSketch({ k: 4 })).toThrow(/k must be an integer/);
    expect(() => sketch.quantile(1.5)).toThrow(/q in \[0, 1\]/);
  });

  // The documented bound: normalized rank error well under 2% for k = 200 on 100k values, whatever
  // the distribution or arrival order (sorted input is the classic adversary for sampling sketches).
  const cases: [Distribution, "random" | "ascending" | "descending"][] = [
    ["uniform", "random"],
    ["normal", "random"],
    ["exponential", "random"],
    ["lognormal", "random"],
    ["integers", "random"],
    ["normal", "ascending"],
    ["normal", "descending"],
  ];
  for (const [distribution, order] of cases) {
    it(`has rank and quantile error < 0.02 for k=200 on 100k ${distribution} values in ${order} order`, () => {
      const data = sample(7, distribution, 100_000);
      if (order === "ascending") data.sort((a, b) => a - b);
      if (order === "descending") data.sort((a, b) => b - a);
      const sketch = kllOf(data);
      const sorted = sortedCopy(data);
      expect(maxRankError(sketch, sorted)).toBeLessThan(0.02);
      expect(maxQuantileError(sketch, sorted)).toBeLessThan(0.02);
    });
  }

  it("states a rank-error bound of 0 while exact and 2.446 / k^0.9433 once compacted", () => {
    expect(kllOf(sample(13, "normal", 200)).rankErrorBound).toBe(0);
    expect(kllOf(sample(13, "normal", 201)).rankErrorBound).toBeCloseTo(2.446 / 200 ** 0.9433, 15);
    expect(new KllSketch({ k: 400 }).rankErrorBound).toBe(0);
  });

  it("stays within its rank-error bound at every data point, over 40 seeds of 20k values", () => {
    for (let seed = 0; seed < 40; seed++) {
      const data = sample(500 + seed, "exponential", 20_000);
      const sketch = kllOf(data, seed);
      const sorted = sortedCopy(data);
      let worst = 0;
      for (const x of sorted) worst = Math.max(worst, Math.abs(sketch.rank(x) - exactRank(sorted, x)));
      expect(worst).toBeLessThan(sketch.rankErrorBound);
    }
  });

  it("gives the same sketch for the same input and seed, and a different one for another seed", () => {
    const data = sample(3, "normal", 20_000);
    expect(kllOf(data, 11).serialize()).toEqual(kllOf(data, 11).serialize());
    expect(kllOf(data, 11).serialize().items).not.toBe(kllOf(data, 12).serialize().items);
  });

  it("round-trips through JSON and then carries on exactly as the original would", () => {
    const data = sample(4, "exponential", 40_000);
    const original = kllOf(data.slice(0, 20_000));
    const restored = KllSketch.deserialize(JSON.parse(JSON.stringify(original.serialize())));
    expect(restored.cdfPoints()).toEqual(original.cdfPoints());
    for (const v of data.slice(20_000)) {
      original.update(v);
      restored.update(v);
    }
    expect(restored.serialize()).toEqual(original.serialize());
  });

  it("serializes to under 8 KB after a million updates, histogram included", () => {
    const reference = sample(5, "normal", 10_000);
    const feature = createSketch({ kind: "numeric", edges: binEdgesFromSample(reference, 20) });
    const next = sampler(new Mulberry32(6), "normal");
    for (let i = 0; i < 1_000_000; i++) updateSketch(feature, next());
    if (feature.kind !== "numeric") throw new Error("expected a numeric sketch");
    expect(feature.quantiles.count).toBe(1_000_000);
    expect(JSON.stringify(feature.quantiles.serialize()).length).toBeLessThan(7_000);
    expect(JSON.stringify(serializeSketch(feature)).length).toBeLessThan(8_192);
  });

  it("stays under 8 KB however large the count (doubling by self-merge up to 2^52)", () => {
    const sketch = kllOf(sample(8, "uniform", 1024));
    let largest = 0;
    while (sketch.count * 2 <= Number.MAX_SAFE_INTEGER) {
      sketch.merge(sketch.clone());
      largest = Math.max(largest, JSON.stringify(sketch.serialize()).length);
    }
    expect(sketch.count).toBe(2 ** 52);
    expect(largest).toBeLessThan(8_192);
  });

  it("refuses to merge sketches with different k", () => {
    expect(() => new KllSketch({ k: 200 }).merge(new KllSketch({ k: 100 }))).toThrow(
      "cannot merge KLL sketches with different k: 200 vs 100",
    );
  });

  it("rejects serialized forms that are inconsistent", () => {
    const good = kllOf([1, 2, 3]).serialize();
    expect(() => KllSketch.deserialize({ ...good, n: 4 })).toThrow(/weigh 3 but n is 4/);
    expect(() => KllSketch.deserialize({ ...good, levels: [2] })).toThrow(/2 items per level but holds 3/);
    expect(() => KllSketch.deserialize({ ...good, max: 2 })).toThrow(/within \[min, max\]/);
    expect(() => KllSketch.deserialize({ ...good, items: "not base64!" })).toThrow(/base64/);
    expect(() => KllSketch.deserialize({ ...good, k: "200" })).toThrow();
  });
});

// ---- categorical ---------------------------------------------------------------------------------

describe("CategoricalSketch", () => {
  it("counts categories with optional weights", () => {
    const sketch = new CategoricalSketch();
    sketch.update("b");
    sketch.update("a", 2);
    sketch.update("b");
    expect(sketch.entries()).toEqual([
      ["a", 2],
      ["b", 2],
    ]);
    expect(sketch.total).toBe(4);
  });

  it("sends categories past the bound, and '__other__' itself, to the overflow bucket", () => {
    const sketch = categoricalOf(["x", "y", "z", "x", "w", OTHER_CATEGORY], { maxCategories: 2 });
    expect(sketch.entries()).toEqual([
      ["x", 2],
      ["y", 1],
    ]);
    expect(sketch.other).toBe(3);
    expect(sketch.get(OTHER_CATEGORY)).toBe(3);
    expect(sketch.total).toBe(6);
  });

  it("with a fixed vocabulary tracks exactly those categories, zeros included", () => {
    const sketch = categoricalOf(["ham", "eggs", "spam"], { categories: ["spam", "ham"] });
    expect(sketch.entries()).toEqual([
      ["spam", 1],
      ["ham", 1],
    ]);
    expect(sketch.other).toBe(1);
    expect(new CategoricalSketch({ categories: ["a", "b"] }).serialize().counts).toEqual([0, 0]);
  });

  it("rejects bad vocabularies and weights", () => {
    expect(() => new CategoricalSketch({ categories: ["a", "a"] })).toThrow(/listed twice/);
    expect(() => new CategoricalSketch({ categories: [OTHER_CATEGORY] })).toThrow(/reserved/);
    expect(() => new CategoricalSketch().update("a", -1)).toThrow(/non-negative/);
  });

  it("refuses to merge sketches with different vocabularies or bounds", () => {
    const fixed = new CategoricalSketch({ categories: ["a", "b"] });
    expect(() => fixed.merge(new CategoricalSketch({ categories: ["a", "c"] }))).toThrow(
      /different vocabularies/,
    );
    expect(() => fixed.merge(new CategoricalSketch({ maxCategories: 2 }))).toThrow(/different shapes/);
    expect(() => new CategoricalSketch().merge(new CategoricalSketch({ maxCategories: 8 }))).toThrow(
      /different shapes/,
    );
  });

  it("in open mode, a merge past the bound keeps the heaviest categories and conserves the total", () => {
    const a = categoricalOf(["a", "a", "a", "b"], { maxCategories: 2 });
    const b = categoricalOf(["c", "c", "b", "b", "d"], { maxCategories: 2 });
    a.merge(b);
    // Union counts a 3, b 3, c 2; b's "d" was already in b's overflow. Ties keep the smaller name.
    expect(a.entries()).toEqual([
      ["a", 3],
      ["b", 3],
    ]);
    expect(a.other).toBe(3);
    expect(a.total).toBe(9);
  });

  it("round-trips through JSON", () => {
    const sketch = categoricalOf(["q", "p", "q", "r"], { maxCategories: 2 });
    const restored = CategoricalSketch.deserialize(JSON.parse(JSON.stringify(sketch.serialize())));
    expect(restored.serialize()).toEqual(sketch.serialize());
    expect(() => CategoricalSketch.deserialize({ ...sketch.serialize(), counts: [1] })).toThrow(
      /2 categories but 1 counts/,
    );
  });

  it("aligns two sketches' counts over the union of categories, overflow last", () => {
    const reference = categoricalOf(["a", "b", "b"], {});
    const current = categoricalOf(["b", "c"], {});
    expect(alignCategoricalCounts(reference, current)).toEqual({
      categories: ["a", "b", "c", OTHER_CATEGORY],
      expected: [1, 2, 0, 0],
      observed: [0, 1, 1, 0],
    });
  });
});

// ---- feature sketch ------------------------------------------------------------------------------

describe("FeatureSketch", () => {
  it("numeric sketches feed the histogram every value and the KLL sketch the finite ones", () => {
    const sketch = createSketch({ kind: "numeric", edges: [0, 1] });
    for (const v of [0.5, Number.NaN, Number.POSITIVE_INFINITY, -2]) updateSketch(sketch, v);
    if (sketch.kind !== "numeric") throw new Error("expected a numeric sketch");
    expect(sketch.histogram.counts).toEqual([1, 1, 1]);
    expect(sketch.histogram.nan).toBe(1);
    expect(sketch.quantiles.count).toBe(2);
  });

  it("categorical sketches count strings against the spec's vocabulary", () => {
    const sketch = createSketch({ kind: "categorical", categories: ["red", "green"] });
    for (const v of ["red", "blue", "red"]) updateSketch(sketch, v);
    if (sketch.kind !== "categorical") throw new Error("expected a categorical sketch");
    expect(sketch.categories.get("red")).toBe(2);
    expect(sketch.categories.other).toBe(1);
  });

  it("rejects values of the wrong type and invalid specs", () => {
    expect(() => updateSketch(createSketch({ kind: "numeric", edges: [0] }), "x")).toThrow(TypeError);
    expect(() => updateSketch(createSketch({ kind: "categorical" }), 1)).toThrow(TypeError);
    expect(() => createSketch({ kind: "numeric", edges: [] })).toThrow();
  });

  it("merges into a new sketch and leaves the inputs unchanged", () => {
    const a = createSketch({ kind: "numeric", edges: [0, 1] });
    const b = createSketch({ kind: "numeric", edges: [0, 1] });
    updateSketch(a, 0.5);
    updateSketch(b, 2);
    const before = [serializeSketch(a), serializeSketch(b)];
    const merged = mergeSketches(a, b);
    expect([serializeSketch(a), serializeSketch(b)]).toEqual(before);
    if (merged.kind !== "numeric") throw new Error("expected a numeric sketch");
    expect(merged.histogram.counts).toEqual([0, 1, 1]);
    expect(merged.quantiles.count).toBe(2);
  });

  it("merges in place into the target, equal to the copying merge, and leaves the source unchanged", () => {
    const a = createSketch({ kind: "numeric", edges: [0, 1] });
    const b = createSketch({ kind: "numeric", edges: [0, 1] });
    for (const v of [0.25, 0.5, 3]) updateSketch(a, v);
    for (const v of [-1, 0.75]) updateSketch(b, v);
    const copied = serializeSketch(mergeSketches(a, b));
    const source = serializeSketch(b);
    mergeSketchInto(a, b);
    expect(serializeSketch(a)).toEqual(copied);
    expect(serializeSketch(b)).toEqual(source);
    expect(() => mergeSketchInto(a, createSketch({ kind: "categorical" }))).toThrow("cannot merge");
  });

  it("refuses to merge sketches of different kinds or bins", () => {
    const numeric = createSketch({ kind: "numeric", edges: [0, 1] });
    expect(() => mergeSketches(numeric, createSketch({ kind: "categorical" }))).toThrow(
      "cannot merge a numeric sketch with a categorical sketch",
    );
    expect(() => mergeSketches(numeric, createSketch({ kind: "numeric", edges: [0, 2] }))).toThrow(
      /different bin edges/,
    );
  });

  it("round-trips both kinds through JSON and validates what it reads", () => {
    const numeric = createSketch({ kind: "numeric", edges: [0, 1, 2] });
    for (const v of sample(9, "exponential", 5_000)) updateSketch(numeric, v);
    const categorical = createSketch({ kind: "categorical", maxCategories: 3 });
    for (const v of ["a", "b", "c", "d"]) updateSketch(categorical, v);
    for (const sketch of [numeric, categorical]) {
      const json = JSON.parse(JSON.stringify(serializeSketch(sketch)));
      expect(serializeSketch(deserializeSketch(json))).toEqual(serializeSketch(sketch));
    }
    expect(() => deserializeSketch({ kind: "numeric", histogram: {} })).toThrow();
    expect(() => deserializeSketch({ kind: "text" })).toThrow();
  });
});

// ---- merge laws (property-based) -----------------------------------------------------------------

describe("merges are associative and commutative", () => {
  const cuts = fc.array(fc.nat({ max: 10_000 }), { maxLength: 8 });
  const order = fc.integer();

  it("histogram counts equal the single-pass counts for any split, order and grouping", () => {
    const value = fc.oneof(
      fc.double({ min: -5, max: 5 }),
      fc.constantFrom(-1, 0, 1, 2, Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY),
    );
    const edges = [-1, 0, 0.5, 1, 2];
    fc.assert(
      fc.property(fc.array(value, { maxLength: 300 }), cuts, order, (values, cutPoints, seed) => {
        const expected = histogramOf(edges, values).serialize();
        const parts = shuffled(splitAt(values, cutPoints), seed).map((part) => histogramOf(edges, part));
        for (const grouping of GROUPINGS) {
          const merged = mergeAll(
            parts.map((p) => p.clone()),
            (a, b) => a.merge(b),
            grouping,
          );
          expect(merged.serialize()).toEqual(expected);
        }
      }),
      { numRuns: 200 },
    );
  });

  it("categorical counts equal the single-pass counts (fixed vocabulary, any data)", () => {
    const vocabulary = ["a", "b", "c"];
    fc.assert(
      fc.property(
        fc.array(fc.constantFrom("a", "b", "c", "d", "e", OTHER_CATEGORY), { maxLength: 300 }),
        cuts,
        order,
        (values, cutPoints, seed) => {
          const expected = categoricalOf(values, { categories: vocabulary }).serialize();
          const parts = shuffled(splitAt(values, cutPoints), seed).map((part) =>
            categoricalOf(part, { categories: vocabulary }),
          );
          for (const grouping of GROUPINGS) {
            const merged = mergeAll(parts, (a, b) => a.clone().merge(b), grouping);
            expect(merged.serialize()).toEqual(expected);
          }
        },
      ),
      { numRuns: 200 },
    );
  });

  it("categorical counts equal the single-pass counts (open mode, distinct categories within the bound)", () => {
    fc.assert(
      fc.property(
        fc.array(fc.string({ maxLength: 2 }), { maxLength: 300 }),
        cuts,
        order,
        (values, cutPoints, seed) => {
          const bound = Math.max(1, new Set(values).size);
          const expected = categoricalOf(values, { maxCategories: bound }).serialize();
          const parts = shuffled(splitAt(values, cutPoints), seed).map((part) =>
            categoricalOf(part, { maxCategories: bound }),
          );
          for (const grouping of GROUPINGS) {
            const merged = mergeAll(parts, (a, b) => a.clone().merge(b), grouping);
            expect(merged.serialize()).toEqual(expected);
          }
        },
      ),
      { numRuns: 200 },
    );
  });

  it("open-mode categorical merges past the bound never overcount and conserve the total", () => {
    fc.assert(
      fc.property(
        fc.array(fc.constantFrom("a", "b", "c", "d", "e"), { maxLength: 200 }),
        cuts,
        (values, cutPoints) => {
          const parts = splitAt(values, cutPoints).map((part) => categoricalOf(part, { maxCategories: 2 }));
          const merged = mergeAll(parts, (a, b) => a.clone().merge(b), "left");
          expect(merged.total).toBe(values.length);
          for (const [category, count] of merged.entries()) {
            expect(count).toBeLessThanOrEqual(values.filter((v) => v === category).length);
          }
        },
      ),
      { numRuns: 200 },
    );
  });

  it("KLL keeps count, min and max exact and quantiles within the error bound", () => {
    const distribution = fc.constantFrom<Distribution>("uniform", "normal", "lognormal", "integers");
    fc.assert(
      fc.property(
        fc.integer(),
        distribution,
        fc.integer({ min: 1, max: 30_000 }),
        fc.array(fc.nat({ max: 30_000 }), { maxLength: 10 }),
        (seed, dist, n, cutPoints) => {
          const data = sample(seed, dist, n);
          const parts = shuffled(splitAt(data, cutPoints), seed);
          const sketches = parts.map((part, i) => kllOf(part, i));
          const sorted = sortedCopy(data);
          for (const grouping of GROUPINGS) {
            const merged = mergeAll(sketches, (a, b) => a.clone().merge(b), grouping);
            expect(merged.count).toBe(n);
            expect(merged.min).toBe(sorted[0]);
            expect(merged.max).toBe(sorted[n - 1]);
            expect(maxRankError(merged, sorted)).toBeLessThan(0.02);
            expect(maxQuantileError(merged, sorted)).toBeLessThan(0.02);
          }
        },
      ),
      { numRuns: 30 },
    );
  });

  it("feature sketches merge the same way whichever side is first", () => {
    const edges = binEdgesFromSample(sample(10, "normal", 1_000), 10);
    const build = (values: number[]): FeatureSketch => {
      const sketch = createSketch({ kind: "numeric", edges });
      for (const v of values) updateSketch(sketch, v);
      return sketch;
    };
    const a = build(sample(11, "normal", 3_000));
    const b = build(sample(12, "normal", 3_000));
    const ab = mergeSketches(a, b);
    const ba = mergeSketches(b, a);
    if (ab.kind !== "numeric" || ba.kind !== "numeric") throw new Error("expected numeric sketches");
    expect(ab.histogram.counts).toEqual(ba.histogram.counts);
    expect(ab.quantiles.count).toBe(6_000);
    expect(Math.abs(ab.quantiles.quantile(0.5) - ba.quantiles.quantile(0.5))).toBeLessThan(0.05);
  });
});
