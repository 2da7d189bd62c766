import { describe, expect, it } from "vitest";
import { hash52, inShare, murmur3 } from "../../src/core/share-hash.js";
import { isSampled } from "../../src/drift/sampling.js";
import { fairRange, keyFamilies } from "./key-families.js";

describe("murmur3", () => {
  it("matches the reference MurmurHash3_x86_32 on UTF-8 bytes", () => {
    expect(murmur3("", 0)).toBe(0);
    expect(murmur3("", 1)).toBe(0x514e28b7);
    expect(murmur3("", 0xffffffff)).toBe(0x81f16f39);
    expect(murmur3("\0\0\0\0", 0)).toBe(0x2362f9de);
    expect(murmur3("a", 0x9747b28c)).toBe(0x7fa09ea6);
    expect(murmur3("abc", 0x9747b28c)).toBe(0xc84a62dd);
    expect(murmur3("Hello, world!", 0x9747b28c)).toBe(0x24884cba);
    expect(murmur3("ππππππππ", 0x9747b28c)).toBe(0xd58063c1);
  });

  it("gives 52-bit hashes that are exact integers", () => {
    const hash = hash52("user-17");
    expect(Number.isSafeInteger(hash)).toBe(true);
    expect(hash).toBeLessThan(2 ** 52);
  });
});

describe("inShare", () => {
  for (const [family, keys] of Object.entries(keyFamilies)) {
    for (const share of [0.1, 0.3, 0.5]) {
      it(`puts a ${share} share of ${family} in, within 4 sigma`, () => {
        const [low, high] = fairRange(keys.length, share);
        const inside = keys.filter((key) => inShare("canary/spam", key, share)).length;
        expect(inside).toBeGreaterThanOrEqual(low);
        expect(inside).toBeLessThanOrEqual(high);
      });
    }
  }

  it("draws independently for different purposes", () => {
    const keys = keyFamilies["user-0..user-1999"];
    const both = keys.filter((key) => inShare("canary/spam", key, 0.5) && inShare("shadow/spam", key, 0.5));
    const [low, high] = fairRange(keys.length, 0.25);
    expect(both.length).toBeGreaterThanOrEqual(low);
    expect(both.length).toBeLessThanOrEqual(high);
  });

  it("is exactly hash52 / 2^52 < share, at the edge of a key's hash too", () => {
    for (const keys of Object.values(keyFamilies)) {
      for (const key of keys.slice(0, 200)) {
        const hash = hash52(`canary/spam:${key}`);
        for (const share of [1e-7, 0.1, 0.5, 0.999, hash / 2 ** 52, (hash + 1) / 2 ** 52]) {
          expect(inShare("canary/spam", key, share)).toBe(hash / 2 ** 52 < share);
        }
      }
    }
  });

  it("hashes a key longer than its ASCII scratch like a short one: over its UTF-8 bytes", () => {
    const long = `user-${"7".repeat(600)}`;
    expect(hash52(long)).toBe(murmur3(long, 0) * 2 ** 20 + (murmur3(long, 0x9747b28c) >>> 12));
    expect(inShare("drift", long, 0.5)).toBe(hash52(`drift:${long}`) / 2 ** 52 < 0.5);
  });

  it("takes every key at share 1 and none at share 0", () => {
    const keys = keyFamilies["aa..zz"];
    expect(keys.every((key) => inShare("canary/spam", key, 1))).toBe(true);
    expect(keys.some((key) => inShare("canary/spam", key, 0))).toBe(false);
  });
});

describe("isSampled", () => {
  for (const [family, keys] of Object.entries(keyFamilies)) {
    it(`samples a 0.1 share of request ids ${family}, within 4 sigma`, () => {
      const [low, high] = fairRange(keys.length, 0.1);
      const sampled = keys.filter((id) => isSampled(id, 0.1)).length;
      expect(sampled).toBeGreaterThanOrEqual(low);
      expect(sampled).toBeLessThanOrEqual(high);
    });
  }
});
