import { describe, expect, it } from "vitest";
import { BloomFilter } from "../../src/core/bloom.js";
import { fnv1a } from "../../src/core/kinds/hashed-text/features.js";

const words = (prefix: string, count: number) =>
  Array.from({ length: count }, (_, i) => fnv1a(`${prefix}${i}`));

describe("BloomFilter", () => {
  it("never forgets a token it was given", () => {
    const filter = BloomFilter.forCapacity(5_000, 0.01);
    const known = words("known-", 5_000);
    for (const token of known) filter.add(token);
    expect(known.every((token) => filter.has(token))).toBe(true);
  });

  it("answers yes for unknown tokens at most at the false-positive rate it was sized for", () => {
    const filter = BloomFilter.forCapacity(5_000, 0.01);
    for (const token of words("known-", 5_000)) filter.add(token);
    const falsePositives = words("other-", 20_000).filter((token) => filter.has(token)).length / 20_000;
    expect(falsePositives).toBeGreaterThan(0);
    expect(falsePositives).toBeLessThan(0.01);
  });

  it("survives serialization bit for bit", () => {
    const filter = BloomFilter.forCapacity(100, 0.01);
    for (const token of words("t", 100)) filter.add(token);
    const copy = BloomFilter.deserialize(filter.serialize());
    expect(copy.serialize()).toEqual(filter.serialize());
    expect(words("t", 100).every((token) => copy.has(token))).toBe(true);
  });

  it("refuses data that does not match its declared size", () => {
    const data = BloomFilter.forCapacity(100, 0.01).serialize();
    expect(() => BloomFilter.deserialize({ ...data, bits: data.bits * 2 })).toThrow(
      "does not match its size",
    );
  });
});
