import { describe, expect, it } from "vitest";
import { estimateSessionBytes } from "../../src/core/session-estimate.js";
import { onnxRuntime } from "../../src/serving/ort-runtime.js";
import { SessionCache } from "../../src/serving/session-cache.js";
import { decode, shippedVersion } from "./fixtures.js";

const v1 = shippedVersion("spam", 1);
const v2 = shippedVersion("spam", 2);
const bytesOf = (files: Record<string, string>) => async () => decode(files["model.onnx"]).slice().buffer;
const zeros = () => ({
  features: new (onnxRuntime().Tensor)("float32", new Float32Array(4096), [1, 4096]),
});

describe("the session cache", () => {
  it("builds a session once per version and reuses it", async () => {
    const cache = new SessionCache(64 * 1024 * 1024);
    let loads = 0;
    const load = async () => {
      loads++;
      return bytesOf(v1.files)();
    };
    await cache.run(v1.manifest, load, zeros());
    await cache.run(v1.manifest, load, zeros());
    expect(loads).toBe(1);
    expect(cache.keys()).toEqual(["spam@1"]);
  });

  it("evicts the older version when a second one exceeds the budget", async () => {
    const oneSession = estimateSessionBytes(v1.manifest.model.bytes);
    const cache = new SessionCache(oneSession + estimateSessionBytes(v2.manifest.model.bytes) - 1);
    await cache.load(v1.manifest, bytesOf(v1.files));
    await cache.load(v2.manifest, bytesOf(v2.files));
    expect(cache.keys()).toEqual(["spam@2"]);
    expect(cache.usedBytes()).toBe(estimateSessionBytes(v2.manifest.model.bytes));
  });

  it("evicts the least recently used version, not the first loaded", async () => {
    // Three versions of the same size in a budget for two: version 1 is loaded first but used last.
    const cache = new SessionCache(2 * estimateSessionBytes(v1.manifest.model.bytes));
    const version = (n: number) => ({ ...v1.manifest, version: n });
    await cache.load(version(1), bytesOf(v1.files));
    await cache.load(version(3), bytesOf(v1.files));
    await cache.run(version(1), bytesOf(v1.files), zeros());
    await cache.load(version(4), bytesOf(v1.files));
    expect(cache.keys()).toEqual(["spam@1", "spam@4"]);
  });

  it("keeps the most recently used version when it makes room", async () => {
    const cache = new SessionCache(3 * estimateSessionBytes(v1.manifest.model.bytes));
    await cache.load(v1.manifest, bytesOf(v1.files));
    await cache.load(v2.manifest, bytesOf(v2.files));
    await cache.run(v1.manifest, bytesOf(v1.files), zeros());
    expect(cache.keys()).toEqual(["spam@2", "spam@1"]);
  });

  it("remembers a failed load instead of retrying it on every request", async () => {
    const cache = new SessionCache(64 * 1024 * 1024);
    let attempts = 0;
    const broken = async () => {
      attempts++;
      throw new Error("object is missing");
    };
    const manifest = { ...v1.manifest, version: 99 };
    await expect(cache.load(manifest, broken)).rejects.toThrow("object is missing");
    await expect(cache.load(manifest, broken)).rejects.toThrow("object is missing");
    expect(attempts).toBe(1);
    expect(cache.keys()).toEqual([]);
  });
});
