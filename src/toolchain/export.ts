/**
 * Trained models to ONNX and back. The graph is Gemm (-> Relu -> Gemm) -> Softmax over float32
 * [batch, buckets] features, the ops every ONNX runtime (including onnxruntime-web in the Worker) has.
 */

import {
  DataType,
  decodeModel,
  encodeModel,
  float32Tensor,
  intAttribute,
  makeModel,
  makeNode,
  type NodeProto,
  OnnxFormatError,
  readFloat32,
  type TensorProto,
  tensorDims,
  valueInfo,
} from "./onnx/model.js";
import { CLASSES, type DenseLayer, type Model } from "./train/model.js";

export const PROBABILITIES_OUTPUT = "probabilities";

/** ONNX bytes computing `predictProba(model, features)` for input `inputName` ([batch, inputs] float32). */
export function exportOnnx(model: Model, inputName = "features"): Uint8Array {
  const nodes: NodeProto[] = [];
  const initializers: TensorProto[] = [];
  let current = inputName;
  model.layers.forEach((layer, l) => {
    const prefix = `fc${l + 1}`;
    const last = l === model.layers.length - 1;
    initializers.push(
      float32Tensor(`${prefix}.weight`, [layer.inputs, layer.outputs], layer.weight),
      float32Tensor(`${prefix}.bias`, [layer.outputs], layer.bias),
    );
    const output = last ? "logits" : `${prefix}.out`;
    nodes.push(makeNode("Gemm", [current, `${prefix}.weight`, `${prefix}.bias`], [output]));
    current = output;
    if (!last) {
      nodes.push(makeNode("Relu", [current], [`${prefix}.relu`]));
      current = `${prefix}.relu`;
    }
  });
  nodes.push(makeNode("Softmax", [current], [PROBABILITIES_OUTPUT], [intAttribute("axis", 1)]));
  return encodeModel(
    makeModel({
      name: `vane-spam-${model.arch}`,
      node: nodes,
      initializer: initializers,
      input: [valueInfo(inputName, DataType.FLOAT, ["batch", model.layers[0].inputs])],
      output: [valueInfo(PROBABILITIES_OUTPUT, DataType.FLOAT, ["batch", CLASSES])],
    }),
  );
}

/**
 * Reads a model back from ONNX bytes of the shape `exportOnnx` writes (after float pruning too, which
 * only zeroes weights). Quantized or foreign graphs are rejected with an OnnxFormatError.
 */
export function modelFromOnnx(bytes: Uint8Array): Model {
  const graph = decodeModel(bytes).graph;
  const initializers = new Map((graph?.initializer ?? []).map((tensor) => [tensor.name ?? "", tensor]));
  const nodes = graph?.node ?? [];
  const gemms = nodes.filter((node) => node.opType === "Gemm");
  const expected = gemms.length === 1 ? ["Gemm", "Softmax"] : ["Gemm", "Relu", "Gemm", "Softmax"];
  const ops = nodes.map((node) => node.opType);
  if (ops.join() !== expected.join()) {
    throw new OnnxFormatError(
      `expected a ${expected.join(" -> ")} graph, found ${ops.join(" -> ") || "no nodes"}`,
    );
  }
  const layers = gemms.map((node) => gemmLayer(node, initializers));
  layers.forEach((layer, l) => {
    const next = layers[l + 1];
    if (next && next.inputs !== layer.outputs) throw new OnnxFormatError("Gemm layer widths do not chain");
  });
  if (layers[layers.length - 1].outputs !== CLASSES) {
    throw new OnnxFormatError(
      `expected ${CLASSES} output classes, found ${layers[layers.length - 1].outputs}`,
    );
  }
  return { arch: layers.length === 1 ? "logistic" : "mlp", layers };
}

function gemmLayer(node: NodeProto, initializers: Map<string, TensorProto>): DenseLayer {
  for (const attribute of node.attribute ?? []) {
    const value =
      attribute.name === "alpha" || attribute.name === "beta" ? attribute.f : Number(attribute.i ?? 0);
    const neutral = attribute.name === "alpha" || attribute.name === "beta" ? 1 : 0;
    if (value !== neutral) throw new OnnxFormatError(`Gemm ${node.name} has ${attribute.name} = ${value}`);
  }
  const [, weightName, biasName] = node.input ?? [];
  const weight = initializers.get(weightName ?? "");
  const bias = initializers.get(biasName ?? "");
  if (!weight || !bias)
    throw new OnnxFormatError(`Gemm ${node.name} does not take its weights from initializers`);
  const [inputs, outputs] = tensorDims(weight);
  if (tensorDims(weight).length !== 2 || tensorDims(bias).join() !== String(outputs)) {
    throw new OnnxFormatError(
      `Gemm ${node.name} has weight ${tensorDims(weight)} and bias ${tensorDims(bias)}`,
    );
  }
  return { inputs, outputs, weight: readFloat32(weight), bias: readFloat32(bias) };
}
