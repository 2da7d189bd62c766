import { gzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import {
  DataType,
  decodeModel,
  encodeModel,
  float32Tensor,
  makeModel,
  makeNode,
  valueInfo,
} from "../../src/toolchain/onnx/model.js";
import { PruneError, pruneModel } from "../../src/toolchain/prune.js";
import { chainFixture, gemmFixture, initializer, runModel, tensorValues, wave } from "./compress-fixtures.js";

/** Weight values by name, as stored in a model. */
function weightsOf(bytes: Uint8Array, names: string[]): number[][] {
  const model = decodeModel(bytes);
  return names.map((name) => {
    const tensor = initializer(model, name);
    if (!tensor) throw new Error(`no initializer ${name}`);
    return tensorValues(tensor);
  });
}

const zerosIn = (values: number[]) => values.filter((v) => v === 0).length;

describe("global magnitude pruning", () => {
  const fixture = chainFixture();
  const { bytes, report } = pruneModel(fixture.bytes, { sparsity: 0.6, scope: "global" });
  const before = weightsOf(fixture.bytes, ["w1", "w2"]);
  const after = weightsOf(bytes, ["w1", "w2"]);
  const total = 40 * 24 + 24 * 8;

  it("zeroes exactly the target share of all weights together", () => {
    expect(zerosIn(after.flat())).toBe(Math.round(0.6 * total));
  });

  it("zeroes the smallest magnitudes across layers", () => {
    const pruned = before.flat().filter((_, i) => after.flat()[i] === 0);
    const kept = before.flat().filter((_, i) => after.flat()[i] !== 0);
    expect(Math.max(...pruned.map(Math.abs))).toBeLessThanOrEqual(Math.min(...kept.map(Math.abs)));
  });

  it("leaves the surviving weights and the bias unchanged", () => {
    after.forEach((values, w) => {
      values.forEach((value, i) => {
        if (value !== 0) expect(value).toBe(before[w][i]);
      });
    });
    expect(weightsOf(bytes, ["b2"])).toEqual(weightsOf(fixture.bytes, ["b2"]));
  });

  it("reports the achieved sparsity per weight and overall", () => {
    expect(report.weights.map((w) => [w.name, w.nodes, w.shape, w.count, w.zeros])).toEqual([
      ["w1", ['MatMul "mm1"'], [40, 24], 960, zerosIn(after[0])],
      ["w2", ['MatMul "mm2"'], [24, 8], 192, zerosIn(after[1])],
    ]);
    expect(report.weights.map((w) => w.sparsity)).toEqual(after.map((v) => zerosIn(v) / v.length));
    expect(report.sparsity).toBe(Math.round(0.6 * total) / total);
  });

  it("reports raw and gzip sizes, and the zeros make the gzip smaller", () => {
    expect(report.bytes).toEqual({ before: fixture.bytes.byteLength, after: bytes.byteLength });
    expect(report.gzipBytes).toEqual({
      before: gzipSync(fixture.bytes).byteLength,
      after: gzipSync(bytes).byteLength,
    });
    expect(report.gzipBytes.after).toBeLessThan(report.gzipBytes.before * 0.7);
  });

  it("produces a model that computes with the pruned weights in onnxruntime-web", async () => {
    const x = Float32Array.from(wave(2 * 40, 0.5));
    const { y } = await runModel("onnxruntime-web", bytes, { x: { data: x, dims: [2, 40] } });
    const [w1, w2] = after;
    const b = weightsOf(bytes, ["b2"])[0];
    for (let r = 0; r < 2; r++) {
      const h = Array.from({ length: 24 }, (_, j) =>
        x.subarray(r * 40, r * 40 + 40).reduce((s, v, k) => s + v * w1[k * 24 + j], 0),
      );
      for (let n = 0; n < 8; n++) {
        const expected = h.reduce((s, v, j) => s + v * w2[j * 8 + n], b[n]);
        expect(y[r * 8 + n]).toBeCloseTo(expected, 4);
      }
    }
  });
});

describe("per-layer magnitude pruning", () => {
  it("zeroes the target share of each weight separately", () => {
    const fixture = chainFixture();
    const { bytes } = pruneModel(fixture.bytes, { sparsity: 0.25, scope: "layer" });
    expect(weightsOf(bytes, ["w1", "w2"]).map(zerosIn)).toEqual([240, 48]);
  });

  it("prunes a transposed Gemm weight stored in raw_data", () => {
    const fixture = gemmFixture();
    const { report } = pruneModel(fixture.bytes, { sparsity: 0.5, scope: "layer" });
    expect(report.weights.map((w) => [w.name, w.shape, w.zeros])).toEqual([["fc.weight", [16, 48], 384]]);
  });

  it("breaks ties in magnitude by position, so the count is exact", () => {
    const graph = {
      name: "ties",
      node: [makeNode("MatMul", ["x", "w"], ["y"], [], "mm")],
      initializer: [float32Tensor("w", [2, 4], [1, -1, 1, -1, 2, 2, -2, 2])],
      input: [valueInfo("x", DataType.FLOAT, [1, 2])],
      output: [valueInfo("y", DataType.FLOAT, [1, 4])],
    };
    const { bytes } = pruneModel(encodeModel(makeModel(graph)), { sparsity: 0.375, scope: "layer" });
    expect(weightsOf(bytes, ["w"])[0]).toEqual([0, 0, 0, -1, 2, 2, -2, 2]);
  });
});

describe("what the pruner touches", () => {
  const sharedAndForeign = () =>
    encodeModel(
      makeModel({
        name: "mixed",
        node: [
          makeNode("MatMul", ["x", "shared"], ["a"], [], "left"),
          makeNode("MatMul", ["x", "shared"], ["b"], [], "right"),
          makeNode("Add", ["a", "b"], ["y"], [], "sum"),
          makeNode("Gather", ["table", "ids"], ["e"], [], "embed"),
          makeNode("MatMul", ["e", "table"], ["z"], [], "tied"),
        ],
        initializer: [
          float32Tensor("shared", [4, 4], wave(16, 0)),
          float32Tensor("table", [4, 4], wave(16, 1)),
        ],
        input: [valueInfo("x", DataType.FLOAT, [1, 4]), valueInfo("ids", DataType.INT64, [1])],
        output: [valueInfo("y", DataType.FLOAT, [1, 4]), valueInfo("z", DataType.FLOAT, [1, 4])],
      }),
    );

  it("prunes a weight shared by two MatMuls once", () => {
    const { report } = pruneModel(sharedAndForeign(), { sparsity: 0.5, scope: "global" });
    expect(report.weights.map((w) => [w.name, w.nodes, w.zeros])).toEqual([
      ["shared", ['MatMul "left"', 'MatMul "right"'], 8],
    ]);
  });

  it("leaves a weight that also feeds another op, and says why", () => {
    const { bytes, report } = pruneModel(sharedAndForeign(), { sparsity: 0.5, scope: "global" });
    expect(report.skipped).toEqual([
      {
        node: 'MatMul "tied"',
        weight: "table",
        reason: 'weight "table" also feeds Gather "embed" as input 0, which compression does not rewrite',
      },
    ]);
    expect(weightsOf(bytes, ["table"])[0]).toEqual(Array.from(Float32Array.from(wave(16, 1))));
  });

  it("throws a PruneError for a model without MatMul or Gemm", () => {
    const bytes = encodeModel(
      makeModel({
        name: "plain",
        node: [makeNode("Relu", ["x"], ["y"])],
        input: [valueInfo("x", DataType.FLOAT, [1, 4])],
        output: [valueInfo("y", DataType.FLOAT, [1, 4])],
      }),
    );
    expect(() => pruneModel(bytes, { sparsity: 0.5, scope: "global" })).toThrow(
      new PruneError("nothing to prune: the model has no MatMul or Gemm node (its ops: Relu)"),
    );
  });

  it("throws a PruneError for a sparsity outside [0, 1]", () => {
    expect(() => pruneModel(chainFixture().bytes, { sparsity: 1.5, scope: "global" })).toThrow(
      new PruneError("sparsity must be between 0 and 1, got 1.5"),
    );
  });
});
