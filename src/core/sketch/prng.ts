/**
 * mulberry32, a tiny seedable 32-bit PRNG. Sketches flip coins when they compact; with a seed (kept
 * in the serialized form) the same input gives the same sketch in Node and in workerd, and tests are
 * reproducible. Math.random cannot be seeded.
 */
export class Mulberry32 {
  private s: number;

  constructor(seed: number) {
    this.s = seed >>> 0;
  }

  /** The whole generator state, enough to resume the sequence. */
  get state(): number {
    return this.s;
  }

  nextUint32(): number {
    this.s = (this.s + 0x6d2b79f5) >>> 0;
    let t = this.s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  }

  /** Uniform in [0, 1). */
  nextFloat(): number {
    return this.nextUint32() / 4294967296;
  }
}
