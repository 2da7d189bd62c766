/**
 * A Bloom filter of the training vocabulary, small enough to ride in a manifest, so the edge can tell
 * which tokens of a request the model never saw in training (a strong early sign of input drift).
 */
import { z } from "zod";
import { fnv1a } from "./text-features.js";

export const SerializedBloom = z.object({
  /** Bit count. */
  bits: z.number().int().positive(),
  hashes: z.number().int().min(1).max(16),
  /** The bit array, base64. */
  data: z.string(),
});
export type SerializedBloom = z.infer<typeof SerializedBloom>;

/** Second, independent hash for double hashing (FNV-1a of the reversed token). */
function secondHash(token: string): number {
  let hash = 0x811c9dc5;
  for (let i = token.length - 1; i >= 0; i--) {
    hash ^= token.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return (hash >>> 0) | 1;
}

export class BloomFilter {
  private constructor(
    readonly bits: number,
    readonly hashes: number,
    private readonly array: Uint8Array,
  ) {}

  /** Sized for `expected` items at false-positive rate `fpRate`. */
  static forCapacity(expected: number, fpRate: number): BloomFilter {
    const bits = Math.max(64, Math.ceil((-expected * Math.log(fpRate)) / Math.LN2 ** 2));
    const hashes = Math.min(16, Math.max(1, Math.round((bits / Math.max(1, expected)) * Math.LN2)));
    return new BloomFilter(bits, hashes, new Uint8Array(Math.ceil(bits / 8)));
  }

  static deserialize(data: SerializedBloom): BloomFilter {
    const binary = atob(data.data);
    const array = Uint8Array.from(binary, (c) => c.charCodeAt(0));
    if (array.length !== Math.ceil(data.bits / 8))
      throw new Error("bloom filter data does not match its size");
    return new BloomFilter(data.bits, data.hashes, array);
  }

  add(token: string): void {
    for (const bit of this.positions(token)) this.array[bit >>> 3] |= 1 << (bit & 7);
  }

  has(token: string): boolean {
    for (const bit of this.positions(token))
      if ((this.array[bit >>> 3] & (1 << (bit & 7))) === 0) return false;
    return true;
  }

  serialize(): SerializedBloom {
    let binary = "";
    for (const byte of this.array) binary += String.fromCharCode(byte);
    return { bits: this.bits, hashes: this.hashes, data: btoa(binary) };
  }

  private *positions(token: string): Generator<number> {
    const a = fnv1a(token);
    const b = secondHash(token);
    for (let i = 0; i < this.hashes; i++) yield ((a + Math.imul(i, b)) >>> 0) % this.bits;
  }
}
