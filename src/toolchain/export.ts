/**
 * Trained models to ONNX and back. The graph is Gemm (-> Relu -> Gemm) over float32 [batch, inputs]
 * features, then Softmax for a classifier of any number of classes or nothing for a regressor: the
 * ops every ONNX runtime (including onnxruntime-web in the Worker) has.
 */

import type { DenseLayer, Model } from "../core/learn/network.js";
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

/** What the last layer's outputs become: class probabilities, or the values themselves. */
export type OutputHead = "softmax" | "linear";

export const PROBABILITIES_OUTPUT = "probabilities";
export const VALUE_OUTPUT = "value";

/** The graph output a head's model answers on. */
export function headOutput(head: OutputHead): string {
  return head === "softmax" ? PROBABILITIES_OUTPUT : VALUE_OUTPUT;
}

/**
 * ONNX bytes computing the model for input `inputName` ([batch, inputs] float32): `probabilities`
 * [batch, classes] under a softmax head, `value` [batch, outputs] under a linear one.
 */
export function exportOnnx(model: Model, inputName = "features", head: OutputHead = "softmax"): Uint8Array {
  const nodes: NodeProto[] = [];
  const initializers: TensorProto[] = [];
  const output = headOutput(head);
  let current = inputName;
  model.layers.forEach((layer, l) => {
    const prefix = `fc${l + 1}`;
    const last = l === model.layers.length - 1;
    initializers.push(
      float32Tensor(`${prefix}.weight`, [layer.inputs, layer.outputs], layer.weight),
      float32Tensor(`${prefix}.bias`, [layer.outputs], layer.bias),
    );
    const out = last ? (head === "softmax" ? "logits" : output) : `${prefix}.out`;
    nodes.push(makeNode("Gemm", [current, `${prefix}.weight`, `${prefix}.bias`], [out]));
    current = out;
    if (!last) {
      nodes.push(makeNode("Relu", [current], [`${prefix}.relu`]));
      current = `${prefix}.relu`;
    }
  });
  if (head === "softmax") nodes.push(makeNode("Softmax", [current], [output], [intAttribute("axis", 1)]));
  const outputs = model.layers[model.layers.length - 1].outputs;
  return encodeModel(
    makeModel({
      name: head === "softmax" ? `vane-classifier-${model.arch}` : `vane-regressor-${model.arch}`,
      node: nodes,
      initializer: initializers,
      input: [valueInfo(inputName, DataType.FLOAT, ["batch", model.layers[0].inputs])],
      output: [valueInfo(output, DataType.FLOAT, ["batch", outputs])],
    }),
  );
}

/**
 * Reads a model and its head back from ONNX bytes of the shape `exportOnnx` writes (after float pruning
 * too, which only zeroes weights). Quantized or foreign graphs are rejected with an OnnxFormatError.
 */
export function readExportedModel(bytes: Uint8Array): { model: Model; head: OutputHead } {
  const graph = decodeModel(bytes).graph;
  const initializers = new Map((graph?.initializer ?? []).map((tensor) => [tensor.name ?? "", tensor]));
  const nodes = graph?.node ?? [];
  const gemms = nodes.filter((node) => node.opType === "Gemm");
  const ops = nodes.map((node) => node.opType);
  const head: OutputHead = ops.at(-1) === "Softmax" ? "softmax" : "linear";
  const expected = [
    ...(gemms.length === 1 ? ["Gemm"] : ["Gemm", "Relu", "Gemm"]),
    ...(head === "softmax" ? ["Softmax"] : []),
  ];
  if (ops.join() !== expected.join()) {
    throw new OnnxFormatError(
      `expected a Gemm (-> Relu -> Gemm) (-> Softmax) graph, found ${ops.join(" -> ") || "no nodes"}`,
    );
  }
  const layers = gemms.map((node) => gemmLayer(node, initializers));
  layers.forEach((layer, l) => {
    const next = layers[l + 1];
    if (next && next.inputs !== layer.outputs) throw new OnnxFormatError("Gemm layer widths do not chain");
  });
  return { model: { arch: layers.length === 1 ? "logistic" : "mlp", layers }, head };
}

/** The model of a classifier `exportOnnx` wrote with `classes` outputs (2 for the spam models). */
export function modelFromOnnx(bytes: Uint8Array, classes = 2): Model {
  const { model, head } = readExportedModel(bytes);
  const outputs = model.layers[model.layers.length - 1].outputs;
  if (head !== "softmax")
    throw new OnnxFormatError("expected a classifier ending in Softmax, found a regressor");
  if (outputs !== classes) throw new OnnxFormatError(`expected ${classes} output classes, found ${outputs}`);
  return model;
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
