/** The model the Worker warms its runtime with (src/serving/warm-model.ts): what it is and that it runs. */
import { describe, expect, it } from "vitest";
import { warmFeeds, warmModelBytes } from "../../src/serving/warm-model.js";
import {
  DataType,
  encodeModel,
  float32Tensor,
  int8Tensor,
  intAttribute,
  makeModel,
  makeNode,
  valueInfo,
} from "../../src/toolchain/onnx/model.js";
import { runOnce } from "../../src/toolchain/runtimes.js";

/** The shipped int8 classifiers' graph in miniature: int8 weights dequantized, Gemm, Softmax. */
function buildWarmModel(): Uint8Array {
  return encodeModel(
    makeModel({
      name: "warm",
      node: [
        makeNode("DequantizeLinear", ["w_quantized", "w_scale"], ["w"], [intAttribute("axis", 1)]),
        makeNode("Gemm", ["x", "w", "b"], ["logits"]),
        makeNode("Softmax", ["logits"], ["y"]),
      ],
      initializer: [
        int8Tensor("w_quantized", [4, 2], new Int8Array([1, -1, 2, -2, 3, -3, 4, -4])),
        float32Tensor("w_scale", [2], [0.5, 0.25]),
        float32Tensor("b", [2], [0.1, -0.1]),
      ],
      input: [valueInfo("x", DataType.FLOAT, ["batch", 4])],
      output: [valueInfo("y", DataType.FLOAT, ["batch", 2])],
    }),
  );
}

describe("the warm-up model", () => {
  it("is the toolchain's encoding of the miniature int8 classifier", () => {
    expect(Buffer.from(warmModelBytes()).toString("base64")).toBe(
      Buffer.from(buildWarmModel()).toString("base64"),
    );
  });

  it("runs in onnxruntime-web with the Worker's session options: softmax of the bias for its zero row", async () => {
    const outputs = await runOnce("web", warmModelBytes(), warmFeeds());
    expect(outputs.y.dims).toEqual([1, 2]);
    const [first, second] = Array.from(outputs.y.data as Float32Array);
    expect(first).toBeCloseTo(Math.exp(0.1) / (Math.exp(0.1) + Math.exp(-0.1)), 6);
    expect(second).toBeCloseTo(Math.exp(-0.1) / (Math.exp(0.1) + Math.exp(-0.1)), 6);
  });
});
