/**
 * A dense classifier's weights read out of its ONNX bytes and written back in: the graphs vane trains
 * and many exporters write for linear and small MLP models, Gemm (-> Relu -> Gemm ...) with a Softmax
 * on top or logits out, weights in float32 initializers or stored as int8/uint8 behind a
 * DequantizeLinear (vane's quantizer). Writing replaces only those initializers' bytes, re-quantized
 * in the scheme they were stored in, and copies everything else as it was: the result is the same
 * graph with new weights. Binding-free (./messages.ts over ./wire.ts), so it runs in the Worker.
 */
import { type QuantizationScheme, quantizeWeight } from "../quantize-params.js";
import { elementCount } from "../tensor.js";
import {
  FLOAT,
  float32Bytes,
  type Graph,
  INT8,
  type InitializerData,
  readGraph,
  replaceInitializers,
  tensorValues,
  UINT8,
} from "./messages.js";
import { OnnxWireError } from "./wire.js";

/** One dense layer: row-major weight [inputs, outputs] (y = x W + b). */
export interface DenseWeights {
  inputs: number;
  outputs: number;
  weight: Float32Array;
  bias: Float32Array;
}

/** How one weight is stored in the graph, so new values can be written back the same way. */
type WeightStorage =
  | { kind: "float"; name: string; dims: [number, number]; transposed: boolean }
  | {
      kind: "quantized";
      name: string;
      scaleName: string;
      zeroPointName: string | null;
      dims: [number, number];
      transposed: boolean;
      scheme: QuantizationScheme;
      /** The channel axis of the stored tensor (per-channel), as DequantizeLinear's `axis`. */
      axis: number;
    };

export interface DenseClassifier {
  layers: DenseWeights[];
  /** Whether a Softmax ends the graph (else its output holds logits). */
  softmax: boolean;
  storage: Array<{ weight: WeightStorage; biasName: string }>;
}

const UNSUPPORTED = "online updates take Gemm (-> Relu -> Gemm) graphs with an optional Softmax";

/** The stored weight of a Gemm's B input: an initializer, or one dequantized from initializers. */
function weightOf(
  graph: Graph,
  name: string,
  transposed: boolean,
): { weight: Float32Array; storage: WeightStorage } {
  const asKN = (values: Float64Array, dims: [number, number]) => {
    if (!transposed) return Float32Array.from(values);
    const [rows, columns] = dims;
    const out = new Float32Array(values.length);
    for (let r = 0; r < rows; r++)
      for (let c = 0; c < columns; c++) out[c * rows + r] = values[r * columns + c];
    return out;
  };
  const direct = graph.initializers.get(name);
  if (direct) {
    if (direct.dataType !== FLOAT || direct.dims.length !== 2)
      throw new OnnxWireError(`${UNSUPPORTED}: weight ${name}`);
    const dims = direct.dims as [number, number];
    return { weight: asKN(tensorValues(direct), dims), storage: { kind: "float", name, dims, transposed } };
  }
  const dequantize = graph.nodes.find(
    (node) => node.outputs[0] === name && node.opType === "DequantizeLinear",
  );
  const [valuesName, scaleName, zeroPointName] = dequantize?.inputs ?? [];
  const values = graph.initializers.get(valuesName ?? "");
  const scale = graph.initializers.get(scaleName ?? "");
  const zeroPoint = zeroPointName ? graph.initializers.get(zeroPointName) : undefined;
  if (!dequantize || !values || !scale || values.dims.length !== 2 || (zeroPointName && !zeroPoint)) {
    throw new OnnxWireError(
      `${UNSUPPORTED}: weight ${name} is neither an initializer nor dequantized from them`,
    );
  }
  if (values.dataType !== INT8 && values.dataType !== UINT8)
    throw new OnnxWireError(`${UNSUPPORTED}: weight ${name}`);
  const dims = values.dims as [number, number];
  const perChannel = scale.dims.length === 1 && elementCount(scale.dims) > 1;
  const axis = perChannel ? (dequantize.ints.get("axis") ?? 1) : 1;
  const channelAxis = axis < 0 ? axis + 2 : axis;
  const scales = tensorValues(scale);
  const zeros = zeroPoint ? tensorValues(zeroPoint) : new Float64Array(scales.length);
  const stored = tensorValues(values);
  const inner = channelAxis === 1 ? 1 : dims[1];
  const dequantized = stored.map((q, i) => {
    const c = perChannel ? Math.floor(i / inner) % dims[channelAxis] : 0;
    return Math.fround((q - zeros[c]) * scales[c]);
  });
  const symmetric = values.dataType === INT8 && zeros.every((z) => z === 0);
  return {
    weight: asKN(dequantized, dims),
    storage: {
      kind: "quantized",
      name: valuesName,
      scaleName,
      zeroPointName: zeroPointName || null,
      dims,
      transposed,
      scheme: { granularity: perChannel ? "per-channel" : "per-tensor", symmetric },
      axis: channelAxis,
    },
  };
}

/**
 * The dense layers from `input` to the graph's end. Throws OnnxWireError, naming what differs, for
 * any other graph (a Gemm scaling or transposing its input, a missing bias, another op).
 */
export function readDenseClassifier(model: Uint8Array, input: string): DenseClassifier {
  const graph = readGraph(model);
  const classifier: DenseClassifier = { layers: [], softmax: false, storage: [] };
  let current = input;
  for (;;) {
    const next = graph.nodes.filter(
      (node) => node.inputs[0] === current && node.opType !== "DequantizeLinear",
    );
    if (next.length === 0) break;
    if (next.length > 1) throw new OnnxWireError(`${UNSUPPORTED}: ${current} feeds ${next.length} nodes`);
    const [node] = next;
    if (node.opType === "Gemm") {
      const transposed = node.ints.get("transB") === 1;
      if (
        (node.ints.get("transA") ?? 0) !== 0 ||
        (node.floats.get("alpha") ?? 1) !== 1 ||
        (node.floats.get("beta") ?? 1) !== 1
      ) {
        throw new OnnxWireError(`${UNSUPPORTED}: a Gemm scales or transposes its input`);
      }
      const { weight, storage } = weightOf(graph, node.inputs[1] ?? "", transposed);
      const bias = graph.initializers.get(node.inputs[2] ?? "");
      const [inputs, outputs] = transposed ? [storage.dims[1], storage.dims[0]] : storage.dims;
      if (!bias || bias.dataType !== FLOAT || elementCount(bias.dims) !== outputs) {
        throw new OnnxWireError(`${UNSUPPORTED}: a Gemm has no float32 bias of ${outputs} values`);
      }
      const previous = classifier.layers.at(-1);
      if (previous && previous.outputs !== inputs)
        throw new OnnxWireError(`${UNSUPPORTED}: layer widths do not chain`);
      classifier.layers.push({ inputs, outputs, weight, bias: Float32Array.from(tensorValues(bias)) });
      classifier.storage.push({ weight: storage, biasName: bias.name });
    } else if (node.opType === "Relu" && classifier.layers.length > 0 && !classifier.softmax) {
      // Between layers only: checked once the next Gemm is found.
    } else if (node.opType === "Softmax" && !classifier.softmax) {
      const axis = node.ints.get("axis") ?? -1;
      if (axis !== 1 && axis !== -1) throw new OnnxWireError(`${UNSUPPORTED}: Softmax over axis ${axis}`);
      classifier.softmax = true;
    } else {
      throw new OnnxWireError(`${UNSUPPORTED}: found ${node.opType}`);
    }
    current = node.outputs[0] ?? "";
  }
  const ops = graph.nodes.filter((node) => node.opType !== "DequantizeLinear").map((node) => node.opType);
  const expected = classifier.layers.flatMap((_, l) => (l === 0 ? ["Gemm"] : ["Relu", "Gemm"]));
  if (classifier.softmax) expected.push("Softmax");
  if (classifier.layers.length === 0 || ops.join() !== expected.join()) {
    throw new OnnxWireError(`${UNSUPPORTED}, found ${ops.join(" -> ") || "no nodes"}`);
  }
  return classifier;
}

/** New bytes for the stored weight of `layer` (and its scale and zero point when quantized). */
function storedWeight(storage: WeightStorage, layer: DenseWeights): Map<string, InitializerData> {
  const [rows, columns] = storage.dims;
  const stored = new Float32Array(rows * columns);
  for (let i = 0; i < layer.inputs; i++) {
    for (let o = 0; o < layer.outputs; o++) {
      const value = layer.weight[i * layer.outputs + o];
      stored[storage.transposed ? o * columns + i : i * columns + o] = value;
    }
  }
  if (storage.kind === "float")
    return new Map([[storage.name, { dataType: FLOAT, data: float32Bytes(stored) }]]);
  const quantized = quantizeWeight(stored, storage.dims, storage.scheme, storage.axis);
  const replaced = new Map([
    [
      storage.name,
      {
        dataType: quantized.dtype === "int8" ? INT8 : UINT8,
        data: new Uint8Array(quantized.values.buffer.slice(0)),
      },
    ],
    [storage.scaleName, { dataType: FLOAT, data: float32Bytes(quantized.scale) }],
  ]);
  if (storage.zeroPointName) {
    const zeroPoint =
      quantized.dtype === "uint8" ? quantized.zeroPoint : new Int8Array(quantized.scale.length);
    replaced.set(storage.zeroPointName, {
      dataType: quantized.dtype === "int8" ? INT8 : UINT8,
      data: new Uint8Array(zeroPoint.buffer.slice(0)),
    });
  }
  return replaced;
}

/**
 * `model`'s bytes with the classifier's weights and biases replaced by `layers` (same widths),
 * re-quantized as they were stored. Every other byte of the model is copied as it was.
 */
export function writeDenseClassifier(
  model: Uint8Array,
  classifier: DenseClassifier,
  layers: readonly DenseWeights[],
): Uint8Array {
  if (layers.length !== classifier.layers.length)
    throw new OnnxWireError("the new weights have other layers");
  const replaced = new Map<string, InitializerData>();
  classifier.storage.forEach((storage, l) => {
    const layer = layers[l];
    const old = classifier.layers[l];
    if (layer.inputs !== old.inputs || layer.outputs !== old.outputs) {
      throw new OnnxWireError(
        `layer ${l} is ${layer.inputs}x${layer.outputs}, the graph's ${old.inputs}x${old.outputs}`,
      );
    }
    for (const [name, value] of storedWeight(storage.weight, layer)) replaced.set(name, value);
    replaced.set(storage.biasName, { dataType: FLOAT, data: float32Bytes(layer.bias) });
  });
  return replaceInitializers(model, replaced);
}
