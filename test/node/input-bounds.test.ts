/** The bounds vane import reads from a graph: ids that index a table, sequences a table bounds. */
import { describe, expect, it } from "vitest";
import type { TensorSpec } from "../../src/core/tensor.js";
import { withInputBounds } from "../../src/toolchain/onnx/input-bounds.js";
import { loadModel } from "../../src/toolchain/onnx/load.js";
import {
  DataType,
  decodeModel,
  encodeModel,
  float32Tensor,
  int64Tensor,
  intAttribute,
  makeModel,
  makeNode,
  valueInfo,
} from "../../src/toolchain/onnx/model.js";
import { graphSignature } from "../../src/toolchain/onnx/signature.js";
import { quantizeModel } from "../../src/toolchain/quantize.js";
import { modelPath, type ZooFixture } from "./zoo-fixtures.js";

async function boundsOf(fixture: ZooFixture) {
  const { model } = await loadModel(modelPath(fixture));
  const inputs = withInputBounds(model, graphSignature(model).inputs);
  return Object.fromEntries(inputs.map((input) => [input.name, input.bounds]));
}

describe("bounds read from the zoo's exports", () => {
  it("the recommender's ids index its embedding tables", async () => {
    expect(await boundsOf("multi")).toEqual({
      user_id: {
        values: {
          min: 0,
          max: 999,
          reason: 'it indexes the 1000 rows of user_embeddings.weight (Gather "/user_embeddings/Gather")',
        },
      },
      item_ids: {
        values: {
          min: 0,
          max: 4999,
          reason: 'it indexes the 5000 rows of item_embeddings.weight (Gather "/item_embeddings/Gather")',
        },
      },
      context: undefined,
    });
  });

  it("the encoder's sequence axis is bounded by its 64 positions on every input that shares it", async () => {
    const bounds = await boundsOf("encoder");
    const sliced = 'Slice "node_slice_1" cuts position_ids, 64 long, to this length';
    expect(bounds.token_type_ids?.axes).toEqual([{ axis: 1, max: 64, reason: sliced }]);
    expect(bounds.attention_mask?.axes).toEqual([
      { axis: 1, max: 64, reason: `${sliced} (axis sequence, shared with token_type_ids)` },
    ]);
    expect(bounds.input_ids).toMatchObject({
      values: { min: 0, max: 999 },
      axes: [{ axis: 1, max: 64 }],
    });
    expect(bounds.token_type_ids?.values).toMatchObject({ min: 0, max: 1 });
  });

  it("a model without tables has no bounds", async () => {
    expect(await boundsOf("cnn")).toEqual({ pixel_values: undefined });
  });

  it("a table vane quantize turned into int8 rows bounds its ids as the float one did", async () => {
    const { bytes } = await loadModel(modelPath("multi"));
    const quantized = decodeModel(
      quantizeModel(bytes, { style: "weight-only", granularity: "per-channel", symmetric: true }).bytes,
    );
    const [user] = withInputBounds(quantized, graphSignature(quantized).inputs);
    expect(user.bounds?.values).toMatchObject({ min: 0, max: 999 });
  });
});

describe("positions made by Range", () => {
  it("bound the axis whose size is the Range's limit by the rows of the table they index", () => {
    // input_ids [batch, sequence] -> Shape -> Gather(1) -> Range(0, n, 1) -> Gather(8-row table).
    const graph = {
      name: "range-positions",
      node: [
        makeNode("Shape", ["input_ids"], ["shape"]),
        makeNode("Gather", ["shape", "one"], ["length"], [intAttribute("axis", 0)]),
        makeNode("Range", ["zero", "length", "step"], ["positions"]),
        makeNode("Gather", ["positions_table", "positions"], ["position_vectors"]),
      ],
      initializer: [
        int64Tensor("one", [], [1]),
        int64Tensor("zero", [], [0]),
        int64Tensor("step", [], [1]),
        float32Tensor("positions_table", [8, 2], new Array(16).fill(0.5)),
      ],
      input: [valueInfo("input_ids", DataType.INT64, ["batch", "sequence"])],
      output: [valueInfo("position_vectors", DataType.FLOAT, ["sequence", 2])],
    };
    const model = decodeModel(encodeModel(makeModel(graph)));
    const inputs: TensorSpec[] = [{ name: "input_ids", dtype: "int64", shape: ["batch", "sequence"] }];
    expect(withInputBounds(model, inputs)[0].bounds).toEqual({
      axes: [
        {
          axis: 1,
          max: 8,
          reason:
            'positions 0..n-1 of this axis index the 8 rows of positions_table (Gather "Gather_position_vectors")',
        },
      ],
    });
  });
});
