/**
 * Seeded pseudo-random numbers for the trainer and the data splits. Math.random cannot be seeded, and
 * a run must be reproducible bit for bit from its seed.
 */
import { fmix32 } from "../share-hash.js";
import { Mulberry32 } from "../sketch/prng.js";

/** A 32-bit seed: integers in [0, 2^32). */
export function isSeed(value: number): boolean {
  return Number.isInteger(value) && value >= 0 && value <= 0xffffffff;
}

/**
 * Derives an independent seed for a named stream (e.g. "split", "init"), so that changing how many
 * numbers one stream draws does not shift another.
 */
export function deriveSeed(seed: number, stream: string): number {
  let h = seed >>> 0;
  for (let i = 0; i < stream.length; i++) h = Math.imul(h ^ stream.charCodeAt(i), 0x9e3779b1);
  // murmur3 finaliser: spreads low-entropy inputs (0, 1, 2, ...) over all 32 bits.
  return fmix32(h);
}

/** Shuffling, sampling and initialisation draws over the shared mulberry32 generator. */
export class Prng {
  private readonly generator: Mulberry32;

  constructor(seed: number) {
    if (!isSeed(seed)) throw new RangeError(`seed must be an integer in [0, 2^32), got ${seed}`);
    this.generator = new Mulberry32(seed);
  }

  /** Uniform in [0, 1). */
  next(): number {
    return this.generator.nextFloat();
  }

  /** Uniform integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }

  /** Standard normal (Box-Muller; 1 - u keeps the logarithm finite). */
  normal(): number {
    const u = 1 - this.next();
    const v = this.next();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  }

  /** A uniformly random ordering of 0..n-1. */
  permutation(n: number): Int32Array {
    const order = new Int32Array(n);
    for (let i = 0; i < n; i++) order[i] = i;
    for (let i = n - 1; i > 0; i--) {
      const j = this.int(i + 1);
      const swap = order[i];
      order[i] = order[j];
      order[j] = swap;
    }
    return order;
  }

  /** Fisher-Yates shuffle in place. */
  shuffle<T>(items: T[]): T[] {
    for (let i = items.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      const swap = items[i];
      items[i] = items[j];
      items[j] = swap;
    }
    return items;
  }
}
