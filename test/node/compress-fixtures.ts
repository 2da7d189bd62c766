/**
 * Foreign ONNX graphs (shapes and encodings our own exporter never writes) for the quantizer and
 * pruner tests, plus runners for both onnxruntime builds and helpers to read tensors back.
 */
import * as ortNode from "onnxruntime-node";
import * as ortWeb from "onnxruntime-web";
import {
  DataType,
  decodeModel,
  encodeModel,
  float32Tensor,
  floatAttribute,
  type GraphProto,
  intAttribute,
  type ModelProto,
  makeModel,
  makeNode,
  onnx,
  type TensorProto,
  tensorDims,
  valueInfo,
} from "../../src/toolchain/onnx/model.js";

ortWeb.env.wasm.numThreads = 1;

/** Deterministic values with mixed signs and magnitudes. */
export function wave(count: number, phase: number, amplitude = 1): number[] {
  return Array.from(
    { length: count },
    (_, i) => amplitude * Math.sin(i * 0.731 + phase) * (1 + ((i * 7) % 5) / 4),
  );
}

/** float32 initializer stored in float_data (the verbose encoding some exporters use). */
export function floatDataTensor(name: string, dims: number[], data: number[]): TensorProto {
  return { name, dims, dataType: DataType.FLOAT, floatData: Array.from(Float32Array.from(data)) };
}

/** One dense layer as the tests reason about it: y = alpha * x·W + bias, W the effective [K, N] weight. */
export interface Layer {
  weight: string;
  k: number;
  n: number;
  /** Effective [K, N] element. */
  w: (k: number, n: number) => number;
  alpha: number;
  /** Already multiplied by beta. */
  bias?: number[];
  relu?: boolean;
}

export interface Fixture {
  name: string;
  bytes: Uint8Array;
  input: string;
  /** Input dims for a batch of `batch` rows. */
  inputDims: (batch: number) => number[];
  /** Effective [batch, K] rows from the flat input (undoes a transA layout). */
  rows: (x: Float32Array, batch: number) => number[][];
  layers: Layer[];
  output: string;
}

const K = 48;
const N = 16;

/** Gemm with transB=1, alpha, beta and a float_data bias, then Relu; the weight is in raw_data. */
export function gemmFixture(): Fixture {
  const w = wave(N * K, 0.3);
  const c = wave(N, 1.1, 0.5);
  const [alpha, beta] = [0.75, -1.5];
  const graph: GraphProto = {
    name: "foreign-gemm",
    node: [
      makeNode(
        "Gemm",
        ["x", "fc.weight", "fc.bias"],
        ["h"],
        [intAttribute("transB", 1), floatAttribute("alpha", alpha), floatAttribute("beta", beta)],
        "fc",
      ),
      makeNode("Relu", ["h"], ["y"], [], "relu"),
    ],
    initializer: [float32Tensor("fc.weight", [N, K], w), floatDataTensor("fc.bias", [N], c)],
    input: [valueInfo("x", DataType.FLOAT, ["batch", K])],
    output: [valueInfo("y", DataType.FLOAT, ["batch", N])],
  };
  const stored = Float32Array.from(w);
  return {
    name: "gemm",
    bytes: encodeModel(makeModel(graph, 13)),
    input: "x",
    inputDims: (batch) => [batch, K],
    rows: (x, batch) => splitRows(x, batch, K),
    layers: [
      {
        weight: "fc.weight",
        k: K,
        n: N,
        w: (k, n) => stored[n * K + k],
        alpha,
        bias: Array.from(Float32Array.from(c), (v) => v * beta),
        relu: true,
      },
    ],
    output: "y",
  };
}

/** MatMul -> MatMul -> Add; the first weight in float_data, the second in raw_data. */
export function chainFixture(): Fixture {
  const [k1, h, n2] = [40, 24, 8];
  const w1 = Float32Array.from(wave(k1 * h, 0.2, 0.4));
  const w2 = Float32Array.from(wave(h * n2, 2.5, 0.8));
  const b = Float32Array.from(wave(n2, 0.9, 0.3));
  const graph: GraphProto = {
    name: "foreign-chain",
    node: [
      makeNode("MatMul", ["x", "w1"], ["h1"], [], "mm1"),
      makeNode("MatMul", ["h1", "w2"], ["h2"], [], "mm2"),
      makeNode("Add", ["h2", "b2"], ["y"], [], "add"),
    ],
    initializer: [
      floatDataTensor("w1", [k1, h], Array.from(w1)),
      float32Tensor("w2", [h, n2], w2),
      float32Tensor("b2", [n2], b),
    ],
    input: [valueInfo("x", DataType.FLOAT, ["batch", k1])],
    output: [valueInfo("y", DataType.FLOAT, ["batch", n2])],
  };
  return {
    name: "chain",
    bytes: encodeModel(makeModel(graph, 17)),
    input: "x",
    inputDims: (batch) => [batch, k1],
    rows: (x, batch) => splitRows(x, batch, k1),
    layers: [
      { weight: "w1", k: k1, n: h, w: (k, n) => w1[k * h + n], alpha: 1 },
      { weight: "w2", k: h, n: n2, w: (k, n) => w2[k * n2 + n], alpha: 1, bias: Array.from(b) },
    ],
    output: "y",
  };
}

/** Gemm with transA=1 (the input arrives as [K, batch]) and no bias. */
export function transposedInputFixture(): Fixture {
  const [k, n] = [32, 12];
  const w = Float32Array.from(wave(k * n, 4.2, 0.6));
  const graph: GraphProto = {
    name: "foreign-transa",
    node: [makeNode("Gemm", ["xt", "proj"], ["y"], [intAttribute("transA", 1)], "proj")],
    initializer: [float32Tensor("proj", [k, n], w)],
    input: [valueInfo("xt", DataType.FLOAT, [k, "batch"])],
    output: [valueInfo("y", DataType.FLOAT, ["batch", n])],
  };
  return {
    name: "transA",
    bytes: encodeModel(makeModel(graph, 13)),
    input: "xt",
    inputDims: (batch) => [k, batch],
    rows: (x, batch) =>
      Array.from({ length: batch }, (_, r) => Array.from({ length: k }, (_, i) => x[i * batch + r])),
    layers: [{ weight: "proj", k, n, w: (i, j) => w[i * n + j], alpha: 1 }],
    output: "y",
  };
}

function splitRows(x: Float32Array, batch: number, width: number): number[][] {
  return Array.from({ length: batch }, (_, r) => Array.from(x.subarray(r * width, (r + 1) * width)));
}

export type Runtime = "onnxruntime-node" | "onnxruntime-web";
export const RUNTIMES: Runtime[] = ["onnxruntime-node", "onnxruntime-web"];

export async function runModel(
  runtime: Runtime,
  bytes: Uint8Array,
  feeds: Record<string, { data: Float32Array; dims: number[] }>,
  options: ortWeb.InferenceSession.SessionOptions = {},
): Promise<Record<string, Float32Array>> {
  const ort = (runtime === "onnxruntime-node" ? ortNode : ortWeb) as typeof ortWeb;
  const session = await ort.InferenceSession.create(bytes, options);
  try {
    const inputs = Object.fromEntries(
      Object.entries(feeds).map(([name, { data, dims }]) => [name, new ort.Tensor("float32", data, dims)]),
    );
    const results = await session.run(inputs);
    return Object.fromEntries(
      Object.entries(results).map(([name, tensor]) => [name, tensor.data as Float32Array]),
    );
  } finally {
    await session.release();
  }
}

export function initializer(model: ModelProto, name: string): TensorProto | undefined {
  return model.graph?.initializer?.find((t) => t.name === name);
}

export function initializerNames(bytes: Uint8Array): string[] {
  return (decodeModel(bytes).graph?.initializer ?? []).map((t) => t.name ?? "");
}

export function opTypes(bytes: Uint8Array): string[] {
  return (decodeModel(bytes).graph?.node ?? []).map((n) => n.opType ?? "");
}

/** Integer or float values of an initializer, whichever encoding it uses. */
export function tensorValues(tensor: TensorProto): number[] {
  const raw = tensor.rawData ?? new Uint8Array();
  const copy = Uint8Array.from(raw).buffer;
  switch (tensor.dataType) {
    case DataType.INT8:
      return Array.from(new Int8Array(copy));
    case DataType.UINT8:
      return Array.from(new Uint8Array(copy));
    case DataType.FLOAT:
      return raw.length > 0 ? Array.from(new Float32Array(copy)) : (tensor.floatData ?? []).map(Number);
    default:
      throw new Error(`unexpected data type ${tensor.dataType}`);
  }
}

export function dimsOf(tensor: TensorProto | undefined): number[] | undefined {
  return tensor ? tensorDims(tensor) : undefined;
}

/** Each node reads only graph inputs, initializers and outputs of nodes before it. */
export function isTopologicallySorted(bytes: Uint8Array): boolean {
  const graph = decodeModel(bytes).graph as GraphProto;
  const known = new Set([
    "",
    ...(graph.input ?? []).map((i) => i.name ?? ""),
    ...(graph.initializer ?? []).map((t) => t.name ?? ""),
  ]);
  for (const node of graph.node ?? []) {
    if (!(node.input ?? []).every((name) => known.has(name))) return false;
    for (const name of node.output ?? []) known.add(name);
  }
  return true;
}

/**
 * The model as PyTorch 2.x saves it by default: every float initializer's bytes moved to one data
 * file (`location`, beside the .onnx) at 64-byte-aligned offsets, referenced by external data entries.
 */
export function withExternalData(
  bytes: Uint8Array,
  location: string,
): { onnx: Uint8Array; data: Uint8Array } {
  const model = decodeModel(bytes);
  const chunks: Uint8Array[] = [];
  let offset = 0;
  for (const tensor of model.graph?.initializer ?? []) {
    if (tensor.dataType !== DataType.FLOAT) continue;
    const values = Float32Array.from(tensorValues(tensor));
    const padding = (64 - (offset % 64)) % 64;
    chunks.push(new Uint8Array(padding), new Uint8Array(values.buffer));
    offset += padding;
    tensor.rawData = new Uint8Array();
    tensor.floatData = [];
    tensor.dataLocation = onnx.TensorProto.DataLocation.EXTERNAL;
    tensor.externalData = [
      { key: "location", value: location },
      { key: "offset", value: String(offset) },
      { key: "length", value: String(values.byteLength) },
    ];
    offset += values.byteLength;
  }
  const data = new Uint8Array(offset);
  let at = 0;
  for (const chunk of chunks) {
    data.set(chunk, at);
    at += chunk.byteLength;
  }
  return { onnx: encodeModel(model), data };
}
