/**
 * Counts per category with a bounded number of tracked categories and one overflow bucket, so a
 * high-cardinality or adversarial feature cannot grow a sketch without limit.
 *
 * Two modes:
 * - fixed vocabulary (the reference profile's categories): only those are tracked, everything else is
 *   "__other__". Merges are exact, associative and commutative; this is what production windows use.
 * - open (profiling a reference sample): the first `maxCategories` distinct categories seen are
 *   tracked. Merges keep the heaviest categories (ties by name) and fold the rest into "__other__".
 *   Merges are exact while the distinct categories fit; past that, every tracked count is a lower
 *   bound of the true count and the total stays exact.
 */
import { z } from "zod";

export const OTHER_CATEGORY = "__other__";
export const DEFAULT_MAX_CATEGORIES = 64;

export const SerializedCategorical = z.object({
  fixed: z.boolean(),
  maxCategories: z.number().int().positive(),
  categories: z.array(z.string()),
  counts: z.array(z.number().nonnegative()),
  other: z.number().nonnegative(),
});
export type SerializedCategorical = z.infer<typeof SerializedCategorical>;

export interface CategoricalOptions {
  /** Fixed vocabulary; when given, maxCategories is its length. */
  categories?: readonly string[];
  /** Bound on tracked categories in open mode (default 64), "__other__" not included. */
  maxCategories?: number;
}

export class CategoricalSketch {
  readonly fixed: boolean;
  readonly maxCategories: number;
  private counts = new Map<string, number>();
  private otherCount = 0;

  constructor(options: CategoricalOptions = {}) {
    if (options.categories !== undefined) {
      for (const category of options.categories) {
        if (category === OTHER_CATEGORY)
          throw new RangeError(`"${OTHER_CATEGORY}" is reserved for the overflow bucket`);
        if (this.counts.has(category)) throw new RangeError(`category "${category}" is listed twice`);
        this.counts.set(category, 0);
      }
      this.fixed = true;
      this.maxCategories = this.counts.size;
    } else {
      const max = options.maxCategories ?? DEFAULT_MAX_CATEGORIES;
      if (!(Number.isInteger(max) && max >= 1))
        throw new RangeError(`maxCategories must be a positive integer, got ${max}`);
      this.fixed = false;
      this.maxCategories = max;
    }
  }

  /** Adds `weight` to a category; "__other__" itself, or any category that does not fit, goes to the overflow. */
  update(category: string, weight = 1): void {
    if (!(Number.isFinite(weight) && weight >= 0))
      throw new RangeError(`weight ${weight} is not a finite non-negative number`);
    const current = this.counts.get(category);
    if (current !== undefined) this.counts.set(category, current + weight);
    else if (!this.fixed && category !== OTHER_CATEGORY && this.counts.size < this.maxCategories) {
      this.counts.set(category, weight);
    } else this.otherCount += weight;
  }

  /** Folds `other` into this sketch (other is left unchanged); both must be of the same mode and bound. */
  merge(other: CategoricalSketch): this {
    if (this.fixed !== other.fixed || this.maxCategories !== other.maxCategories) {
      throw new Error(
        `cannot merge categorical sketches of different shapes: ${this.describe()} vs ${other.describe()}`,
      );
    }
    if (this.fixed) {
      const same = [...this.counts.keys()].every((category) => other.counts.has(category));
      if (!same) throw new Error("cannot merge categorical sketches with different vocabularies");
    }
    for (const [category, count] of other.counts)
      this.counts.set(category, (this.counts.get(category) ?? 0) + count);
    this.otherCount += other.otherCount;
    if (this.counts.size > this.maxCategories) this.evictLightest();
    return this;
  }

  /** Count for a category, or for the overflow bucket when asked for "__other__". */
  get(category: string): number {
    return category === OTHER_CATEGORY ? this.otherCount : (this.counts.get(category) ?? 0);
  }

  /** Tracked categories and counts, in canonical order (vocabulary order if fixed, else by name). */
  entries(): [string, number][] {
    const entries = [...this.counts];
    return this.fixed ? entries : entries.sort(([a], [b]) => compareNames(a, b));
  }

  get other(): number {
    return this.otherCount;
  }

  get total(): number {
    let total = this.otherCount;
    for (const count of this.counts.values()) total += count;
    return total;
  }

  clone(): CategoricalSketch {
    return CategoricalSketch.deserialize(this.serialize());
  }

  serialize(): SerializedCategorical {
    const entries = this.entries();
    return {
      fixed: this.fixed,
      maxCategories: this.maxCategories,
      categories: entries.map(([category]) => category),
      counts: entries.map(([, count]) => count),
      other: this.otherCount,
    };
  }

  static deserialize(data: unknown): CategoricalSketch {
    const parsed = SerializedCategorical.parse(data);
    if (parsed.categories.length !== parsed.counts.length) {
      throw new Error(
        `categorical sketch has ${parsed.categories.length} categories but ${parsed.counts.length} counts`,
      );
    }
    if (parsed.categories.length > parsed.maxCategories) {
      throw new Error(
        `categorical sketch tracks ${parsed.categories.length} categories, more than its bound ${parsed.maxCategories}`,
      );
    }
    if (parsed.fixed && parsed.categories.length !== parsed.maxCategories) {
      throw new Error("fixed-vocabulary categorical sketch must list its whole vocabulary");
    }
    const sketch = parsed.fixed
      ? new CategoricalSketch({ categories: parsed.categories })
      : new CategoricalSketch({ maxCategories: parsed.maxCategories });
    parsed.categories.forEach((category, i) => {
      if (category === OTHER_CATEGORY) throw new Error(`"${OTHER_CATEGORY}" cannot be a tracked category`);
      if (!sketch.fixed && sketch.counts.has(category))
        throw new Error(`category "${category}" is listed twice`);
      sketch.counts.set(category, parsed.counts[i]);
    });
    sketch.otherCount = parsed.other;
    return sketch;
  }

  private evictLightest(): void {
    const ranked = [...this.counts].sort(([a, ca], [b, cb]) => cb - ca || compareNames(a, b));
    this.counts = new Map(ranked.slice(0, this.maxCategories));
    for (const [, count] of ranked.slice(this.maxCategories)) this.otherCount += count;
  }

  private describe(): string {
    return this.fixed
      ? `fixed vocabulary of ${this.maxCategories}`
      : `open with at most ${this.maxCategories}`;
  }
}

/** Code-unit order: locale-independent, so every runtime agrees. */
function compareNames(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * Both sketches' counts over one list of categories (the union, then "__other__"), ready for
 * chi-square or JS distance. Categories missing on one side count 0 there.
 */
export function alignCategoricalCounts(
  expected: CategoricalSketch,
  observed: CategoricalSketch,
): { categories: string[]; expected: number[]; observed: number[] } {
  const categories = expected.entries().map(([category]) => category);
  const known = new Set(categories);
  for (const [category] of observed.entries()) if (!known.has(category)) categories.push(category);
  categories.push(OTHER_CATEGORY);
  return {
    categories,
    expected: categories.map((category) => expected.get(category)),
    observed: categories.map((category) => observed.get(category)),
  };
}
