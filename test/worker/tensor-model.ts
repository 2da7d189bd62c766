/**
 * A tensor-input model unlike the text classifiers: two inputs of different dtypes (float32 x [batch,3],
 * int64 ids [batch,2]) and two outputs, built with the toolchain's ONNX builders.
 */
import {
  DataType,
  encodeModel,
  float32Tensor,
  int64Tensor,
  intAttribute,
  makeModel,
  makeNode,
  valueInfo,
} from "../../src/toolchain/onnx/model.js";

export function buildTensorModel(): Uint8Array {
  const graph = {
    name: "tensor-demo",
    node: [
      makeNode("Cast", ["ids"], ["ids_float"], [intAttribute("to", DataType.FLOAT)]),
      makeNode("Concat", ["x", "ids_float"], ["joined"], [intAttribute("axis", 1)]),
      makeNode("MatMul", ["joined", "W"], ["scores"]),
      makeNode("Relu", ["scores"], ["activated"]),
      makeNode("ReduceSum", ["activated", "axes"], ["total"], [intAttribute("keepdims", 1)]),
    ],
    initializer: [
      float32Tensor("W", [5, 2], [0.5, -1, 0.25, 2, -0.75, 1, 0.1, -0.2, 0.3, 0.05]),
      int64Tensor("axes", [1], [1]),
    ],
    input: [valueInfo("x", DataType.FLOAT, ["batch", 3]), valueInfo("ids", DataType.INT64, ["batch", 2])],
    output: [
      valueInfo("activated", DataType.FLOAT, ["batch", 2]),
      valueInfo("total", DataType.FLOAT, ["batch", 1]),
    ],
  };
  return encodeModel(makeModel(graph));
}

/**
 * A text classifier as spam's manifest describes it (features [batch,4096] -> probabilities
 * [batch,2]) whose weights went NaN in training: it loads and runs, and every output is NaN.
 */
export function buildNanWeightsModel(buckets: number): Uint8Array {
  const graph = {
    name: "nan-weights",
    node: [makeNode("MatMul", ["features", "W"], ["probabilities"])],
    initializer: [float32Tensor("W", [buckets, 2], new Array(buckets * 2).fill(Number.NaN))],
    input: [valueInfo("features", DataType.FLOAT, ["batch", buckets])],
    output: [valueInfo("probabilities", DataType.FLOAT, ["batch", 2])],
  };
  return encodeModel(makeModel(graph));
}
