/**
 * A histogram over fixed bin edges taken from the reference profile, so production histograms line
 * up bin for bin with the reference (what PSI and JS distance compare) and merge by adding counts.
 *
 * Edges e₀ < e₁ < … < e_B give the interior bins [e₀, e₁), [e₁, e₂), …, [e_{B-1}, e_B]; the last one is
 * closed so the reference maximum lands inside. A single edge e₀ gives one point bin [e₀, e₀] (a
 * constant reference feature). Values below e₀ (including -Infinity) go to underflow, above the last
 * edge (including +Infinity) to overflow, and NaN to its own count.
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
    if (i > 0 && !(edges[i] > edges[i - 1])) {
      throw new RangeError(`bin edges must be strictly increasing, got ${edges[i - 1]} then ${edges[i]}`);
    }
  }
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
  if (value === edges[last]) return interiorBinCount(edges);
  // Largest i with edges[i] <= value, by binary search; interior bin i is counts[i + 1].
  let lo = 0;
  let hi = last;
  while (hi - lo > 1) {
    const mid = (lo + hi) >>> 1;
    if (edges[mid] <= value) lo = mid;
    else hi = mid;
  }
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

  /** [underflow, ...interior bins, overflow]: the vector PSI and JS distance compare. */
  get counts(): readonly number[] {
    return this.bins;
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

/**
 * Quantile-based bin edges from a reference sample: the values at ranks j/bins (j = 0…bins) of the
 * finite values, deduplicated. Edges are actual sample values (inverse-CDF quantiles, no
 * interpolation) so a discrete feature gets one bin per heavy value instead of empty in-between bins;
 * fewer than bins + 1 edges come back when values repeat. The first edge is the sample minimum and
 * the last the maximum, so under/overflow count values outside the reference range.
 */
export function binEdgesFromSample(values: readonly number[], bins: number): number[] {
  if (!(Number.isInteger(bins) && bins >= 1))
    throw new RangeError(`bins must be a positive integer, got ${bins}`);
  const sorted = values.filter(Number.isFinite).sort((a, b) => a - b);
  if (sorted.length === 0)
    throw new RangeError("cannot derive bin edges from a sample with no finite values");
  const edges: number[] = [];
  for (let j = 0; j <= bins; j++) {
    const rank = Math.ceil((j / bins) * sorted.length);
    const edge = sorted[Math.max(0, rank - 1)];
    if (edges.length === 0 || edge > edges[edges.length - 1]) edges.push(edge);
  }
  return edges;
}
