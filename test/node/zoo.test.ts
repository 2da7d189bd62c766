import { readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { decode as decodePng } from "fast-png";
import jpeg from "jpeg-js";
import * as ortNode from "onnxruntime-node";
import * as ortWeb from "onnxruntime-web";
import { describe, expect, it } from "vitest";
import { WEB_SESSION_OPTIONS } from "../../src/core/session-options.js";
import { decodeModel, onnx } from "../../src/toolchain/onnx/model.js";
import {
  expectedOutputs,
  externalDataPath,
  hasExternalData,
  modelPath,
  outputNumbers,
  sampleInputs,
  type TensorJson,
  toOrtFeeds,
  ZOO_DIR,
  ZOO_FIXTURES,
  type ZooFixture,
} from "./zoo-fixtures.js";

ortWeb.env.wasm.numThreads = 1;

const TOLERANCE = 1e-4;

interface TokenizerCase {
  text: string;
  tokens: string[];
  input_ids: number[];
}

function maxAbsDifference(actual: readonly number[], expected: readonly number[]): number {
  return actual.reduce((max, value, i) => Math.max(max, Math.abs(value - expected[i])), 0);
}

async function runNode(fixture: ZooFixture): Promise<Record<string, ortWeb.Tensor>> {
  // A path, not bytes: onnxruntime-node finds model.onnx.data beside it.
  const session = await ortNode.InferenceSession.create(modelPath(fixture));
  try {
    return (await session.run(toOrtFeeds(ortNode, sampleInputs(fixture)) as never)) as never;
  } finally {
    await session.release();
  }
}

async function runWeb(fixture: ZooFixture): Promise<Record<string, ortWeb.Tensor>> {
  const externalData = hasExternalData(fixture)
    ? [{ path: "model.onnx.data", data: readFileSync(externalDataPath(fixture)) }]
    : undefined;
  const session = await ortWeb.InferenceSession.create(readFileSync(modelPath(fixture)), {
    ...WEB_SESSION_OPTIONS,
    executionProviders: ["wasm"],
    externalData,
  });
  try {
    return await session.run(toOrtFeeds(ortWeb, sampleInputs(fixture)));
  } finally {
    await session.release();
  }
}

function expectOutputsMatch(outputs: Record<string, ortWeb.Tensor>, expected: Record<string, TensorJson>) {
  expect(Object.keys(outputs).sort()).toEqual(Object.keys(expected).sort());
  for (const [name, tensor] of Object.entries(expected)) {
    expect(outputs[name].dims, name).toEqual(tensor.dims);
    expect(outputs[name].type, name).toBe(tensor.dtype);
    expect(maxAbsDifference(outputNumbers(outputs[name]), tensor.data), name).toBeLessThanOrEqual(TOLERANCE);
  }
}

function argmax(values: readonly number[]): number {
  return values.reduce((best, value, i) => (value > values[best] ? i : best), 0);
}

/** Interleaved 8-bit pixels (RGB or RGBA) -> NCHW float32, as preprocessing.json says. */
function cnnTensor(pixels: ArrayLike<number>, channels: number, plane: number): number[] {
  const { mean, std } = JSON.parse(readFileSync(join(ZOO_DIR, "cnn", "preprocessing.json"), "utf8"));
  return Array.from({ length: 3 * plane }, (_, i) => {
    const channel = Math.floor(i / plane);
    return Math.fround((pixels[(i % plane) * channels + channel] / 255 - mean[channel]) / std[channel]);
  });
}

function partition<T>(items: readonly T[], test: (item: T) => boolean): [T[], T[]] {
  return [items.filter(test), items.filter((item) => !test(item))];
}

function initializers(fixture: ZooFixture) {
  return decodeModel(readFileSync(modelPath(fixture))).graph?.initializer ?? [];
}

describe("the fixture model zoo", () => {
  it.each(ZOO_FIXTURES)("%s: onnxruntime-node answers sample.json with expected.json", async (fixture) => {
    expectOutputsMatch(await runNode(fixture), expectedOutputs(fixture));
  });

  it.each(ZOO_FIXTURES)(
    "%s: onnxruntime-web with the Worker's session options answers sample.json with expected.json",
    async (fixture) => {
      expectOutputsMatch(await runWeb(fixture), expectedOutputs(fixture));
    },
  );

  it.each(["mlp", "cnn", "encoder", "large"] as const)(
    "%s keeps its weight matrices in model.onnx.data and its small tensors inline, as PyTorch's default exporter does",
    (fixture) => {
      const [matrices, small] = partition(initializers(fixture), (tensor) => (tensor.dims?.length ?? 0) >= 2);
      expect(matrices.length).toBeGreaterThan(0);
      for (const tensor of matrices) {
        expect(tensor.dataLocation, tensor.name ?? "").toBe(onnx.TensorProto.DataLocation.EXTERNAL);
        expect(tensor.externalData?.find((entry) => entry.key === "location")?.value).toBe("model.onnx.data");
      }
      expect(
        small.filter((tensor) => tensor.dataLocation !== onnx.TensorProto.DataLocation.EXTERNAL),
      ).not.toEqual([]);
    },
  );

  it("constants holds its weights in Constant nodes and has no initializer", () => {
    const graph = decodeModel(readFileSync(modelPath("constants"))).graph;
    expect(graph?.initializer ?? []).toEqual([]);
    const constantOutputs = (graph?.node ?? [])
      .filter((node) => node.opType === "Constant")
      .map((n) => n.output?.[0]);
    const convWeights = (graph?.node ?? []).filter((node) => node.opType === "Conv").map((n) => n.input?.[1]);
    expect(convWeights.length).toBeGreaterThan(0);
    for (const weight of convWeights) expect(constantOutputs).toContain(weight);
  });

  it("sklearn's zipmap variant (skl2onnx's default) runs in onnxruntime-web, whose outputs cannot carry its maps", async () => {
    const session = await ortWeb.InferenceSession.create(
      readFileSync(join(ZOO_DIR, "sklearn", "model-zipmap.onnx")),
      {
        ...WEB_SESSION_OPTIONS,
        executionProviders: ["wasm"],
      },
    );
    try {
      await expect(session.run(toOrtFeeds(ortWeb, sampleInputs("sklearn")))).rejects.toThrow(
        "Reading data from non-tensor typed value is not supported",
      );
    } finally {
      await session.release();
    }
  });

  it("large holds at least 10 MB of fp32 weights", () => {
    expect(statSync(externalDataPath("large")).size).toBeGreaterThanOrEqual(10_000_000);
  });

  it("cnn's sample.json is sample.png normalised with preprocessing.json's mean and std", () => {
    const png = decodePng(readFileSync(join(ZOO_DIR, "cnn", "sample.png")));
    const { dims, data } = sampleInputs("cnn").pixel_values;
    expect(dims).toEqual([1, 3, png.height, png.width]);
    expect(cnnTensor(png.data, png.channels, png.width * png.height)).toEqual(data);
  });

  it("cnn names sample.jpg, decoded by jpeg-js, the pattern its labels call disc, as it does sample.png", async () => {
    const image = jpeg.decode(readFileSync(join(ZOO_DIR, "cnn", "sample.jpg")), { useTArray: true });
    const pixels = new ortNode.Tensor("float32", cnnTensor(image.data, 4, image.width * image.height), [
      1,
      3,
      image.height,
      image.width,
    ]);
    const session = await ortNode.InferenceSession.create(modelPath("cnn"));
    const { logits } = await session.run({ pixel_values: pixels });
    await session.release();
    const labels = readFileSync(join(ZOO_DIR, "cnn", "labels.txt"), "utf8")
      .trimEnd()
      .split("\n");
    expect(labels[argmax(outputNumbers(logits as never))]).toBe("disc");
    expect(labels[argmax(expectedOutputs("cnn").logits.data)]).toBe("disc");
  });

  it("encoder's tokenizer cases name vocab.txt's ids between [CLS] and [SEP]", () => {
    const vocab = readFileSync(join(ZOO_DIR, "encoder", "vocab.txt"), "utf8")
      .trimEnd()
      .split("\n");
    const cases: TokenizerCase[] = JSON.parse(
      readFileSync(join(ZOO_DIR, "encoder", "tokenizer-cases.json"), "utf8"),
    ).cases;
    for (const { text, tokens, input_ids: ids } of cases) {
      const kept = tokens.slice(0, ids.length - 2);
      expect(
        ids.map((id) => vocab[id]),
        text,
      ).toEqual(["[CLS]", ...kept, "[SEP]"]);
    }
  });
});
