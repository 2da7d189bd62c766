import { readFile } from "node:fs/promises";
import { describe, expect, it } from "vitest";
import { modelFromOnnx } from "../../src/toolchain/export.js";
import { dequantizeWeights } from "../../src/toolchain/quantize/dequantize.js";
import { type QuantizeOptions, quantizeModel } from "../../src/toolchain/quantize.js";
import { predictProba } from "../../src/toolchain/train/model.js";
import { chainFixture, gemmFixture, opTypes, runModel, wave } from "./compress-fixtures.js";

const SCHEMES: QuantizeOptions[] = (["per-channel", "per-tensor"] as const).flatMap((granularity) =>
  [true, false].map((symmetric) => ({ style: "weight-only" as const, granularity, symmetric })),
);
const BATCH = 3;
/**
 * At "extended" and above onnxruntime-node fuses DequantizeLinear -> MatMul into an int8 kernel over
 * quantized activations; "basic" dequantizes and multiplies in fp32, as the Worker's runtime does.
 */
const FP32_DEQUANTIZE = { graphOptimizationLevel: "basic" } as const;

describe("dequantizeWeights", () => {
  for (const scheme of SCHEMES) {
    for (const fixture of [gemmFixture(), chainFixture()]) {
      it(`folds ${scheme.granularity} ${scheme.symmetric ? "symmetric" : "asymmetric"} weights of ${fixture.name} into the float graph that computes the same`, async () => {
        const quantized = quantizeModel(fixture.bytes, scheme).bytes;
        const folded = dequantizeWeights(quantized);
        const feeds = {
          [fixture.input]: {
            data: Float32Array.from(
              wave(
                fixture.inputDims(BATCH).reduce((a, b) => a * b, 1),
                0.7,
              ),
            ),
            dims: fixture.inputDims(BATCH),
          },
        };
        const before = (await runModel("onnxruntime-node", quantized, feeds, FP32_DEQUANTIZE))[
          fixture.output
        ];
        const after = (await runModel("onnxruntime-node", folded, feeds))[fixture.output];
        expect(opTypes(folded)).not.toContain("DequantizeLinear");
        expect(Math.max(...Array.from(after, (value, i) => Math.abs(value - before[i])))).toBeLessThan(1e-5);
      });
    }
  }

  it("reads the shipped int8 spam v1 back as the logistic model it serves", async () => {
    const served = await readFile("models/spam/1/model.onnx");
    const model = modelFromOnnx(dequantizeWeights(served));
    const features = Float32Array.from(wave(2 * 4096, 0.2, 0.05));
    const expected = (
      await runModel(
        "onnxruntime-node",
        served,
        { features: { data: features, dims: [2, 4096] } },
        FP32_DEQUANTIZE,
      )
    ).probabilities;
    const actual = predictProba(model, features);
    expect([model.arch, model.layers[0].inputs]).toEqual(["logistic", 4096]);
    expect(Math.max(...Array.from(actual, (value, i) => Math.abs(value - expected[i])))).toBeLessThan(1e-5);
  });
});
