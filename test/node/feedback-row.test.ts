import { describe, expect, it } from "vitest";
import { denseFeatures, encodeFeatures, FeedbackRow } from "../../src/core/feedback-row.js";

describe("features of a feedback row", () => {
  it("are sparse when fewer than half the values are nonzero", () => {
    const values = Float32Array.from([0, 0.25, 0, 0, -1.5, 0]);
    expect(encodeFeatures(values, [6], true)).toEqual({ dims: [6], indices: [1, 4], values: [0.25, -1.5] });
  });

  it("are dense when half or more are nonzero", () => {
    expect(encodeFeatures(Float32Array.from([1, 0, 2, 0]), [2, 2], true)).toEqual({
      dims: [2, 2],
      values: [1, 0, 2, 0],
    });
  });

  it("write float32 values with the fewest digits that read back as the same float32", () => {
    const value = Math.fround(0.1);
    const [written] = encodeFeatures(Float32Array.from([value, 0, 0]), [3], true).values;
    expect(written).toBe(0.1);
    expect(Math.fround(written)).toBe(value);
  });

  it("read back to the exact dense values", () => {
    const values = Float32Array.from({ length: 64 }, (_, i) => (i % 9 === 0 ? Math.fround(1 / (i + 3)) : 0));
    const encoded = JSON.parse(JSON.stringify(encodeFeatures(values, [64], true)));
    expect(Array.from(denseFeatures(encoded))).toEqual(Array.from(values));
  });

  it("keep int64 inputs as whole numbers", () => {
    expect(encodeFeatures(BigInt64Array.from([101n, 2054n, 102n]), [3], false)).toEqual({
      dims: [3],
      values: [101, 2054, 102],
    });
  });

  it("are refused by the row schema when values do not match indices", () => {
    const row = {
      requestId: "user-17",
      index: 0,
      time: "2026-12-01T22:00:00.000Z",
      version: 1,
      label: "spam",
      features: { dims: [4096], indices: [3, 9], values: [0.5] },
    };
    expect(FeedbackRow.safeParse(row).error?.issues[0].path).toEqual(["features"]);
  });
});
