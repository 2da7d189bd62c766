/**
 * A histogram over fixed bin edges taken from the reference profile, so production histograms line
 * up bin for bin with the reference (what PSI and JS distance compare) and merge by adding counts.
 *
 * Edges e₀ ≤ e₁ ≤ … ≤ e_B give the interior bins between consecutive edges, [e₀, e₁), [e₁, e₂), …,
 * with the last one closed so the reference maximum lands inside. An edge written twice, e_i = e_{i+1},
 * is a point bin [e_i, e_i] of its own (a discrete value or a point mass), and the interval after it
 * starts just above it. A single edge e₀ is one point bin too (profiles built before edges could
 * repeat). Values below e₀ (including -Infinity) go to underflow, above the last edge (including
 * +Infinity) to overflow, and NaN to its own count.
 */
import { z } from "zod";

export const SerializedHistogram = z.object({
  edges: z.array(z.number()).min(1),
  /** [underflow, ...interior bins, overflow]. */
  counts: z.array(z.number().int().nonnegative()),
  nan: z.number().int().nonnegative(),
});
export type SerializedHistogram = z.infer<typeof SerializedHistogram>;

export function assertValidEdges(edges: readonly number[]): void {
  if (edges.length === 0) throw new RangeError("histogram needs at least one bin edge");
  for (let i = 0; i < edges.length; i++) {
    if (!Number.isFinite(edges[i])) throw new RangeError(`bin edge ${edges[i]} is not finite`);
    if (i > 0 && !(edges[i] >= edges[i - 1])) {
      throw new RangeError(`bin edges must not decrease, got ${edges[i - 1]} then ${edges[i]}`);
    }
    if (i > 1 && edges[i] === edges[i - 2]) {
      throw new RangeError(`bin edge ${edges[i]} appears more than twice (twice makes a point bin)`);
    }
  }
}

/** Whether interior bin i is a point bin [e, e]. */
export function isPointBin(edges: readonly number[], i: number): boolean {
  return edges.length === 1 || edges[i] === edges[i + 1];
}

/** Number of interior bins for these edges (see the module comment for the single-edge case). */
export function interiorBinCount(edges: readonly number[]): number {
  return Math.max(1, edges.length - 1);
}

/** Index into the [underflow, ...interior, overflow] counts for a non-NaN value. */
export function binIndex(edges: readonly number[], value: number): number {
  const last = edges.length - 1;
  if (value < edges[0]) return 0;
  if (value > edges[last]) return interiorBinCount(edges) + 1;
  // Largest i with edges[i] <= value, by binary search; interior bin i is counts[i + 1].
  let lo = 0;
  let hi = edges.length;
  while (hi - lo > 1) {
    const mid = (lo + hi) >>> 1;
    if (edges[mid] <= value) lo = mid;
    else hi = mid;
  }
  if (lo > 0 && edges[lo - 1] === value) return lo; // the point bin [value, value]
  if (lo === last) return interiorBinCount(edges); // the last edge closes the last bin
  return lo + 1;
}

export class Histogram {
  readonly edges: readonly number[];
  private readonly bins: number[];
  private nanCount = 0;

  constructor(edges: readonly number[]) {
    assertValidEdges(edges);
    this.edges = Object.freeze([...edges]);
    this.bins = new Array<number>(interiorBinCount(edges) + 2).fill(0);
  }

  update(value: number): void {
    if (Number.isNaN(value)) this.nanCount++;
    else this.bins[binIndex(this.edges, value)]++;
  }

  /** Adds `other`'s counts into this histogram; both must share the same edges. */
  merge(other: Histogram): this {
    if (!this.hasSameEdges(other)) {
      throw new Error(
        `cannot merge histograms with different bin edges: ${describeEdges(this.edges)} vs ${describeEdges(other.edges)}`,
      );
    }
    for (let i = 0; i < this.bins.length; i++) this.bins[i] += other.bins[i];
    this.nanCount += other.nanCount;
    return this;
  }

  hasSameEdges(other: Histogram): boolean {
    return this.edges.length === other.edges.length && this.edges.every((e, i) => e === other.edges[i]);
  }

  /** [underflow, ...interior bins, overflow], as stored and merged. */
  get counts(): readonly number[] {
    return this.bins;
  }

  /**
   * The vector PSI and JS distance compare (docs/drift.md): the outermost interval bins are open to
   * ±Infinity, so underflow and overflow are folded into them and values just outside the
   * reference's range weigh like values just inside. Beyond a point bin at either end, out-of-range
   * values keep a bin of their own: there they are new values, not a tail.
   */
  get comparedCounts(): number[] {
    const compared = [...this.bins];
    const last = compared.length - 1;
    if (!isPointBin(this.edges, 0)) {
      compared[1] += compared[0];
      compared[0] = 0;
    }
    if (!isPointBin(this.edges, interiorBinCount(this.edges) - 1)) {
      compared[last - 1] += compared[last];
      compared[last] = 0;
    }
    return compared;
  }

  get underflow(): number {
    return this.bins[0];
  }

  get overflow(): number {
    return this.bins[this.bins.length - 1];
  }

  get nan(): number {
    return this.nanCount;
  }

  /** Every value seen, NaN included. */
  get total(): number {
    let total = this.nanCount;
    for (const c of this.bins) total += c;
    return total;
  }

  clone(): Histogram {
    return new Histogram(this.edges).merge(this);
  }

  serialize(): SerializedHistogram {
    return { edges: [...this.edges], counts: [...this.bins], nan: this.nanCount };
  }

  static deserialize(data: unknown): Histogram {
    const parsed = SerializedHistogram.parse(data);
    const histogram = new Histogram(parsed.edges);
    if (parsed.counts.length !== histogram.bins.length) {
      throw new Error(
        `histogram with ${parsed.edges.length} edges needs ${histogram.bins.length} counts, got ${parsed.counts.length}`,
      );
    }
    histogram.bins.splice(0, histogram.bins.length, ...parsed.counts);
    histogram.nanCount = parsed.nan;
    return histogram;
  }
}

function describeEdges(edges: readonly number[]): string {
  return `${edges.length} edges [${edges[0]} … ${edges[edges.length - 1]}]`;
}

/** A reference with at most this many distinct values gets one bin per value, as Evidently does. */
export const MAX_DISCRETE_VALUES = 20;

/**
 * Bin edges from a reference sample (finite values only), by the convention in docs/drift.md:
 *  - at most MAX_DISCRETE_VALUES distinct values: one point bin per value;
 *  - otherwise every value holding at least 1/bins of the sample is a point bin (a point mass), and
 *    the other values are cut at their j/bins quantiles (j = 0…bins, deduplicated). Edges are actual
 *    sample values (inverse-CDF quantiles, no interpolation), the first the smallest and the last the
 *    largest of those values.
 */
export function binEdgesFromSample(values: readonly number[], bins: number): number[] {
  if (!(Number.isInteger(bins) && bins >= 1))
    throw new RangeError(`bins must be a positive integer, got ${bins}`);
  const sorted = values.filter(Number.isFinite).sort((a, b) => a - b);
  if (sorted.length === 0)
    throw new RangeError("cannot derive bin edges from a sample with no finite values");
  const distinct: Array<{ value: number; count: number }> = [];
  for (const value of sorted) {
    const top = distinct[distinct.length - 1];
    if (top?.value === value) top.count++;
    else distinct.push({ value, count: 1 });
  }
  const isPoint = (count: number) => distinct.length <= MAX_DISCRETE_VALUES || count * bins >= sorted.length;
  const points = distinct.filter((d) => isPoint(d.count)).map((d) => d.value);
  const rest = distinct
    .filter((d) => !isPoint(d.count))
    .flatMap((d) => new Array<number>(d.count).fill(d.value));
  const cuts: number[] = [];
  for (let j = 0; j <= bins && rest.length > 0; j++) {
    const rank = Math.ceil((j / bins) * rest.length);
    const cut = rest[Math.max(0, rank - 1)];
    if (cuts.length === 0 || cut > cuts[cuts.length - 1]) cuts.push(cut);
  }
  return [...cuts, ...points, ...points].sort((a, b) => a - b);
}
