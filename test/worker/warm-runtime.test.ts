/** The runtime's warm-up (src/serving/ort-runtime.ts) as the Worker runs it at module scope, in workerd. */
import { describe, expect, it } from "vitest";
import { runWarmModel } from "../../src/serving/ort-runtime.js";

describe("the runtime's warm-up in workerd", () => {
  it("answers the warm-up model's zero row with the softmax of its bias", async () => {
    const { y } = await runWarmModel();
    expect(y.dims).toEqual([1, 2]);
    const [first, second] = Array.from(y.data as Float32Array);
    expect(first).toBeCloseTo(Math.exp(0.1) / (Math.exp(0.1) + Math.exp(-0.1)), 6);
    expect(second).toBeCloseTo(Math.exp(-0.1) / (Math.exp(0.1) + Math.exp(-0.1)), 6);
  });
});
