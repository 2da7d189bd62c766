/**
 * Reading a dense classifier's weights out of ONNX bytes and writing new ones in, with the binding-free
 * wire-format editor the Worker's online updates use (src/core/onnx/dense-classifier.ts), checked
 * against onnxruntime-node running the written bytes and against the toolchain's protobufjs reader.
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import {
  type DenseWeights,
  readDenseClassifier,
  writeDenseClassifier,
} from "../../src/core/onnx/dense-classifier.js";
import { OnnxWireError } from "../../src/core/onnx/wire.js";
import { exportOnnx, modelFromOnnx } from "../../src/toolchain/export.js";
import { loadModel } from "../../src/toolchain/onnx/load.js";
import { decodeModel, readFloat32 } from "../../src/toolchain/onnx/model.js";
import { quantizeModel } from "../../src/toolchain/quantize.js";
import { openSession } from "../../src/toolchain/runtimes.js";

const spamV1 = new Uint8Array(readFileSync("models/spam/1/model.onnx"));

/** A deterministic stand-in for new weights: every value moved by a pattern of its position. */
function nudged(layers: readonly DenseWeights[]): DenseWeights[] {
  return layers.map((layer) => ({
    ...layer,
    weight: layer.weight.map((w, i) => w * 1.5 + ((i % 7) - 3) * 0.01),
    bias: layer.bias.map((b, i) => b - 0.25 + i * 0.1),
  }));
}

/** What the layers compute for `x` (rows of `inputs`): ReLU between layers, softmax if asked. */
function forward(layers: readonly DenseWeights[], x: Float32Array, rows: number, softmax: boolean): number[] {
  const out: number[] = [];
  for (let r = 0; r < rows; r++) {
    let current = Array.from(x.subarray(r * layers[0].inputs, (r + 1) * layers[0].inputs));
    layers.forEach((layer, l) => {
      const next = Array.from(layer.bias);
      for (let i = 0; i < layer.inputs; i++) {
        for (let o = 0; o < layer.outputs; o++) next[o] += current[i] * layer.weight[i * layer.outputs + o];
      }
      current = l < layers.length - 1 ? next.map((v) => Math.max(v, 0)) : next;
    });
    if (softmax) {
      const top = Math.max(...current);
      const exp = current.map((v) => Math.exp(v - top));
      const sum = exp.reduce((a, b) => a + b, 0);
      current = exp.map((v) => v / sum);
    }
    out.push(...current);
  }
  return out;
}

async function run(bytes: Uint8Array, input: string, x: Float32Array, rows: number, output: string) {
  const session = await openSession("node", bytes);
  const outputs = await session.run({
    [input]: { dtype: "float32", dims: [rows, x.length / rows], data: x },
  });
  await session.release();
  return Array.from(outputs[output].data as Float32Array);
}

function sample(rows: number, width: number): Float32Array {
  return Float32Array.from({ length: rows * width }, (_, i) => ((i * 37) % 11) / 10 - 0.5);
}

describe("a dense classifier in ONNX bytes", () => {
  it("reads the shipped int8 spam model as one 4096x2 layer under a softmax, its weights dequantized", () => {
    const classifier = readDenseClassifier(spamV1, "features");
    expect(classifier.layers.map((l) => [l.inputs, l.outputs])).toEqual([[4096, 2]]);
    expect(classifier.softmax).toBe(true);
    const graph = decodeModel(spamV1).graph;
    const init = (name: string) => graph?.initializer?.find((t) => t.name === name);
    const q = new Int8Array(init("fc1.weight_quantized")?.rawData?.slice().buffer ?? new ArrayBuffer(0));
    const scale = readFloat32(init("fc1.weight_scale") ?? {});
    expect(classifier.layers[0].weight[2 * 2 + 1]).toBe(Math.fround(q[5] * scale[1]));
    expect(Array.from(classifier.layers[0].bias)).toEqual(Array.from(readFloat32(init("fc1.bias") ?? {})));
  });

  it("writes new weights into the int8 model, re-quantized per channel, and onnxruntime computes them", async () => {
    const classifier = readDenseClassifier(spamV1, "features");
    const layers = nudged(classifier.layers);
    const written = writeDenseClassifier(spamV1, classifier, layers);
    const reread = readDenseClassifier(written, "features");
    const scale = Math.max(...layers[0].weight.map(Math.abs)) / 127;
    const worst = Math.max(...reread.layers[0].weight.map((w, i) => Math.abs(w - layers[0].weight[i])));
    expect(worst).toBeLessThanOrEqual(scale / 2 + 1e-7);
    const x = sample(3, 4096);
    const actual = await run(written, "features", x, 3, "probabilities");
    const expected = forward(reread.layers, x, 3, true);
    expect(Math.max(...actual.map((v, i) => Math.abs(v - expected[i])))).toBeLessThan(1e-5);
  });

  it("leaves every other byte's meaning alone: rewriting the same weights keeps the quantized values", () => {
    const classifier = readDenseClassifier(spamV1, "features");
    const written = writeDenseClassifier(spamV1, classifier, classifier.layers);
    const before = decodeModel(spamV1);
    const after = decodeModel(written);
    expect(after.graph?.node).toEqual(before.graph?.node);
    expect(after.graph?.input).toEqual(before.graph?.input);
    expect(after.opsetImport).toEqual(before.opsetImport);
    const bytesOf = (model: typeof before, name: string) =>
      Array.from(model.graph?.initializer?.find((t) => t.name === name)?.rawData ?? []);
    for (const name of ["fc1.weight_quantized", "fc1.weight_scale", "fc1.bias"]) {
      expect(bytesOf(after, name)).toEqual(bytesOf(before, name));
    }
  });

  it("writes an fp32 MLP exactly, as the toolchain's own reader reads it back", () => {
    const widths = [16, 4, 2];
    const model = {
      arch: "mlp" as const,
      layers: [0, 1].map((l) => ({
        inputs: widths[l],
        outputs: widths[l + 1],
        weight: Float32Array.from({ length: widths[l] * widths[l + 1] }, (_, i) => Math.sin(i + l)),
        bias: Float32Array.from({ length: widths[l + 1] }, (_, i) => i / 10),
      })),
    };
    const bytes = exportOnnx(model);
    const classifier = readDenseClassifier(bytes, "features");
    expect(classifier.layers).toEqual(model.layers);
    const layers = nudged(classifier.layers);
    expect(modelFromOnnx(writeDenseClassifier(bytes, classifier, layers)).layers).toEqual(layers);
  });

  it("reads and writes a PyTorch export's transposed (transB) weights, which output logits", async () => {
    const { bytes } = await loadModel("models/zoo/mlp/model.onnx");
    const classifier = readDenseClassifier(bytes, "features");
    expect(classifier.layers.map((l) => [l.inputs, l.outputs])).toEqual([
      [8, 32],
      [32, 32],
      [32, 3],
    ]);
    expect(classifier.softmax).toBe(false);
    const layers = nudged(classifier.layers);
    const x = sample(4, 8);
    const actual = await run(writeDenseClassifier(bytes, classifier, layers), "features", x, 4, "logits");
    const expected = forward(layers, x, 4, false);
    expect(Math.max(...actual.map((v, i) => Math.abs(v - expected[i])))).toBeLessThan(1e-4);
  });

  it("re-quantizes per-tensor asymmetric uint8 weights with their zero points", async () => {
    const { bytes: fp32 } = await loadModel("models/zoo/mlp/model.onnx");
    const { bytes } = quantizeModel(fp32, {
      style: "weight-only",
      granularity: "per-tensor",
      symmetric: false,
    });
    const classifier = readDenseClassifier(bytes, "features");
    const written = writeDenseClassifier(bytes, classifier, nudged(classifier.layers));
    const reread = readDenseClassifier(written, "features");
    const x = sample(2, 8);
    const actual = await run(written, "features", x, 2, "logits");
    const expected = forward(reread.layers, x, 2, false);
    expect(Math.max(...actual.map((v, i) => Math.abs(v - expected[i])))).toBeLessThan(1e-4);
  });

  it("refuses a graph of other ops, naming what it found", async () => {
    const { bytes } = await loadModel("models/zoo/cnn/model.onnx");
    expect(() => readDenseClassifier(bytes, "image")).toThrow(
      "online updates take Gemm (-> Relu -> Gemm) graphs with an optional Softmax, found Conv -> Relu -> MaxPool -> Conv -> Relu -> MaxPool -> Conv -> Relu -> ReduceMean -> Reshape -> Gemm",
    );
  });

  it("refuses bytes that are not protobuf", () => {
    const notModel = new TextEncoder().encode("not a model at all");
    expect(() => readDenseClassifier(notModel, "features")).toThrow(OnnxWireError);
    expect(() => readDenseClassifier(notModel, "features")).toThrow("not a valid ONNX model");
  });
});
