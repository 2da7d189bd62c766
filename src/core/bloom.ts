/**
 * A Bloom filter of the training vocabulary, small enough to ride in a manifest, so the edge can tell
 * which tokens of a request the model never saw in training (a strong early sign of input drift).
 * Tokens go in as the 32-bit FNV-1a hashes the text features already computed, so checking a
 * request's tokens costs no second pass over their characters.
 */
import { z } from "zod";
import { fmix32 } from "./share-hash.js";

export const SerializedBloom = z.object({
  /** Bit count. */
  /** Bit count, a power of two so a probe is a mask, not a division. */
  bits: z
    .number()
    .int()
    .min(64)
    .refine((bits) => (bits & (bits - 1)) === 0, "must be a power of two"),
  hashes: z.number().int().min(1).max(16),
  /** The bit array, base64. */
  data: z.string(),
});
export type SerializedBloom = z.infer<typeof SerializedBloom>;

/** A second hash from the first (murmur3's finaliser), for double hashing; odd, so probes differ. */
function remix(hash: number): number {
  return fmix32(hash) | 1;
}

export class BloomFilter {
  private constructor(
    readonly bits: number,
    readonly hashes: number,
    private readonly array: Uint8Array,
  ) {}

  /** Sized for `expected` items at false-positive rate `fpRate`. */
  static forCapacity(expected: number, fpRate: number): BloomFilter {
    const needed = Math.max(64, Math.ceil((-expected * Math.log(fpRate)) / Math.LN2 ** 2));
    const bits = 2 ** Math.ceil(Math.log2(needed));
    // The hash count that meets `fpRate` (the extra bits of the rounding only lower the rate).
    const hashes = Math.min(16, Math.max(1, Math.ceil(-Math.log2(fpRate))));
    return new BloomFilter(bits, hashes, new Uint8Array(Math.ceil(bits / 8)));
  }

  static deserialize(data: SerializedBloom): BloomFilter {
    const binary = atob(data.data);
    const array = Uint8Array.from(binary, (c) => c.charCodeAt(0));
    if (array.length !== Math.ceil(data.bits / 8))
      throw new Error("bloom filter data does not match its size");
    return new BloomFilter(data.bits, data.hashes, array);
  }

  /** Adds a token by its FNV-1a hash. */
  add(tokenHash: number): void {
    const a = tokenHash >>> 0;
    const b = remix(a);
    for (let i = 0; i < this.hashes; i++) {
      const bit = this.position(a, b, i);
      this.array[bit >>> 3] |= 1 << (bit & 7);
    }
  }

  /** On the predict path (every token of every sampled request): plain loops, no allocation. */
  has(tokenHash: number): boolean {
    const a = tokenHash >>> 0;
    const b = remix(a);
    for (let i = 0; i < this.hashes; i++) {
      const bit = this.position(a, b, i);
      if ((this.array[bit >>> 3] & (1 << (bit & 7))) === 0) return false;
    }
    return true;
  }

  serialize(): SerializedBloom {
    let binary = "";
    for (const byte of this.array) binary += String.fromCharCode(byte);
    return { bits: this.bits, hashes: this.hashes, data: btoa(binary) };
  }

  /** Double hashing: the i-th of k bit positions from two independent hashes. */
  private position(a: number, b: number, i: number): number {
    return (a + Math.imul(i, b)) & (this.bits - 1);
  }
}
