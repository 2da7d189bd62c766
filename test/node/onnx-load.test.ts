import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { liftConstants } from "../../src/toolchain/onnx/constants.js";
import { ExternalDataError } from "../../src/toolchain/onnx/external-data.js";
import { loadModel, ModelFileError } from "../../src/toolchain/onnx/load.js";
import {
  DataType,
  decodeModel,
  encodeModel,
  float32Tensor,
  type GraphProto,
  makeModel,
  makeNode,
  onnx,
  type TensorProto,
  valueInfo,
} from "../../src/toolchain/onnx/model.js";
import { quantizeModel } from "../../src/toolchain/quantize.js";
import { runModel, wave } from "./compress-fixtures.js";

const [K, N] = [6, 4];
const WEIGHT = Float32Array.from(wave(K * N, 0.4));
const BIAS = Float32Array.from(wave(N, 1.7, 0.2));
const INPUT = { x: { data: Float32Array.from(wave(2 * K, 2.2)), dims: [2, K] } };

function externalTensor(name: string, dims: number[], entries: Record<string, string>): TensorProto {
  return {
    name,
    dims,
    dataType: DataType.FLOAT,
    dataLocation: onnx.TensorProto.DataLocation.EXTERNAL,
    externalData: Object.entries(entries).map(([key, value]) => ({ key, value })),
  };
}

function linearGraph(initializer: TensorProto[], extraNodes = [] as GraphProto["node"]): GraphProto {
  return {
    name: "linear",
    node: [
      ...(extraNodes ?? []),
      makeNode("MatMul", ["x", "w"], ["h"], [], "fc"),
      makeNode("Add", ["h", "b"], ["y"], [], "bias"),
    ],
    initializer,
    input: [valueInfo("x", DataType.FLOAT, ["batch", K])],
    output: [valueInfo("y", DataType.FLOAT, ["batch", N])],
  };
}

const inlineModel = encodeModel(
  makeModel(linearGraph([float32Tensor("w", [K, N], WEIGHT), float32Tensor("b", [N], BIAS)])),
);

function bytesOf(values: Float32Array): Uint8Array {
  return new Uint8Array(values.buffer.slice(0));
}

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "vane-load-"));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Writes model.onnx whose weight and bias live in `weights.bin` at the given entries. */
async function writeExternal(
  weightEntries: Record<string, string>,
  biasEntries: Record<string, string>,
  data: Uint8Array | undefined,
): Promise<string> {
  const graph = linearGraph([
    externalTensor("w", [K, N], weightEntries),
    externalTensor("b", [N], biasEntries),
  ]);
  const path = join(dir, "model.onnx");
  await writeFile(path, encodeModel(makeModel(graph)));
  if (data) await writeFile(join(dir, "weights.bin"), data);
  return path;
}

/** 16 bytes of padding, the weight, then the bias: offsets as PyTorch's exporter writes them. */
function dataFile(): Uint8Array {
  const file = new Uint8Array(16 + WEIGHT.byteLength + BIAS.byteLength);
  file.set(bytesOf(WEIGHT), 16);
  file.set(bytesOf(BIAS), 16 + WEIGHT.byteLength);
  return file;
}
const weightAt = { location: "weights.bin", offset: "16", length: String(K * N * 4) };
const biasAt = { location: "weights.bin", offset: String(16 + K * N * 4), length: String(N * 4) };

describe("loadModel with external data", () => {
  it("inlines tensors from the data file beside the model and computes what the inline model computes", async () => {
    const path = await writeExternal(weightAt, biasAt, dataFile());
    const loaded = await loadModel(path);
    expect(loaded.externalDataFiles).toEqual(["weights.bin"]);
    const weight = loaded.model.graph?.initializer?.find((t) => t.name === "w");
    expect(weight?.dataLocation).toBe(onnx.TensorProto.DataLocation.DEFAULT);
    expect(weight?.externalData).toEqual([]);
    const [ours, reference] = await Promise.all([
      runModel("onnxruntime-node", loaded.bytes, INPUT),
      runModel("onnxruntime-node", inlineModel, INPUT),
    ]);
    expect(ours.y).toEqual(reference.y);
  });

  it("reads a tensor without a length entry by its shape", async () => {
    const { length: _, ...weightWithoutLength } = weightAt;
    const path = await writeExternal(weightWithoutLength, biasAt, dataFile());
    const loaded = await loadModel(path);
    const weight = loaded.model.graph?.initializer?.find((t) => t.name === "w");
    expect(new Float32Array(Uint8Array.from(weight?.rawData ?? []).buffer)).toEqual(WEIGHT);
  });

  it("counts the data file in the bytes on disk", async () => {
    const path = await writeExternal(weightAt, biasAt, dataFile());
    const loaded = await loadModel(path);
    const onnxFile = encodeModel(
      makeModel(linearGraph([externalTensor("w", [K, N], weightAt), externalTensor("b", [N], biasAt)])),
    );
    expect(loaded.bytesOnDisk).toBe(onnxFile.byteLength + dataFile().byteLength);
  });

  it("makes quantization see external weights", async () => {
    const path = await writeExternal(weightAt, biasAt, dataFile());
    const { bytes } = await loadModel(path);
    const { report } = quantizeModel(bytes, {
      style: "dynamic",
      granularity: "per-channel",
      symmetric: true,
    });
    expect(report.weights.map((w) => w.name)).toEqual(["w"]);
  });

  it("names the missing data file", async () => {
    const path = await writeExternal(weightAt, biasAt, undefined);
    await expect(loadModel(path)).rejects.toThrow(ExternalDataError);
    await expect(loadModel(path)).rejects.toThrow(
      `external data file ${join(dir, "weights.bin")} of tensor "w" does not exist`,
    );
  });

  it("refuses a range that ends past the data file", async () => {
    const path = await writeExternal(weightAt, { ...biasAt, offset: String(20 + K * N * 4) }, dataFile());
    await expect(loadModel(path)).rejects.toThrow(
      `tensor "b" reads bytes 116..132 of weights.bin, which has only 128`,
    );
  });

  it("refuses a length that disagrees with the tensor's shape", async () => {
    const path = await writeExternal(weightAt, { ...biasAt, length: "12" }, dataFile());
    await expect(loadModel(path)).rejects.toThrow(
      `tensor "b" has shape [4] (16 bytes) but its external data is 12 bytes`,
    );
  });

  it("refuses a location that climbs out of the model's folder", async () => {
    const path = await writeExternal({ ...weightAt, location: "../secret.bin" }, biasAt, dataFile());
    await expect(loadModel(path)).rejects.toThrow(
      /points to external data "\.\.\/secret\.bin", outside the model's folder/,
    );
  });

  it("refuses an absolute location", async () => {
    const path = await writeExternal({ ...weightAt, location: join(dir, "weights.bin") }, biasAt, dataFile());
    await expect(loadModel(path)).rejects.toThrow(ExternalDataError);
  });

  it("refuses a negative offset", async () => {
    const path = await writeExternal({ ...weightAt, offset: "-4" }, biasAt, dataFile());
    await expect(loadModel(path)).rejects.toThrow(`tensor "w" has an invalid external data offset "-4"`);
  });

  it("names a model file that does not exist", async () => {
    const path = join(dir, "absent.onnx");
    await expect(loadModel(path)).rejects.toThrow(ModelFileError);
    await expect(loadModel(path)).rejects.toThrow(`model ${path} does not exist`);
  });

  it("returns the file's own bytes when there is nothing to inline or lift", async () => {
    const path = join(dir, "inline.onnx");
    await writeFile(path, inlineModel);
    const loaded = await loadModel(path);
    expect(Buffer.compare(loaded.bytes, inlineModel)).toBe(0);
    expect(loaded.externalDataFiles).toEqual([]);
    expect(loaded.liftedConstants).toEqual([]);
  });
});

describe("liftConstants", () => {
  const constant = (output: string, attribute: Parameters<typeof makeNode>[3]) =>
    makeNode("Constant", [], [output], attribute, `const_${output}`);
  const tensorAttribute = (t: TensorProto) => ({
    name: "value",
    type: onnx.AttributeProto.AttributeType.TENSOR,
    t,
  });

  /** The weight in a Constant's tensor value, the bias in value_floats: how Paddle2ONNX writes them. */
  function constantModel() {
    return makeModel(
      linearGraph(
        [],
        [
          constant("w", [tensorAttribute(float32Tensor("unnamed", [K, N], WEIGHT))]),
          constant("b", [
            {
              name: "value_floats",
              type: onnx.AttributeProto.AttributeType.FLOATS,
              floats: Array.from(BIAS),
            },
          ]),
        ],
      ),
    );
  }

  it("moves tensor and float-list constants into initializers named by the node's output", () => {
    const model = decodeModel(encodeModel(constantModel()));
    expect(liftConstants(model)).toEqual(["w", "b"]);
    expect(model.graph?.node?.map((n) => n.opType)).toEqual(["MatMul", "Add"]);
    expect(model.graph?.initializer?.map((t) => [t.name, t.dims?.map(Number)])).toEqual([
      ["w", [K, N]],
      ["b", [N]],
    ]);
  });

  it("leaves the graph computing the same outputs", async () => {
    const model = decodeModel(encodeModel(constantModel()));
    liftConstants(model);
    const [lifted, original] = await Promise.all([
      runModel("onnxruntime-node", encodeModel(model), INPUT),
      runModel("onnxruntime-node", encodeModel(constantModel()), INPUT),
    ]);
    expect(lifted.y).toEqual(original.y);
  });

  it("lifts value_int and value_ints as int64 scalars and vectors", () => {
    const model = decodeModel(
      encodeModel(
        makeModel({
          name: "shape",
          node: [
            constant("axis", [{ name: "value_int", type: onnx.AttributeProto.AttributeType.INT, i: 1 }]),
            constant("shape", [
              { name: "value_ints", type: onnx.AttributeProto.AttributeType.INTS, ints: [2, -1] },
            ]),
            makeNode("Reshape", ["x", "shape"], ["r"]),
            makeNode("Unsqueeze", ["r", "axis"], ["y"]),
          ],
          input: [valueInfo("x", DataType.FLOAT, [2, K])],
          output: [valueInfo("y", DataType.FLOAT, [2, 1, K])],
        }),
      ),
    );
    liftConstants(model);
    expect(
      model.graph?.initializer?.map((t) => [
        t.name,
        t.dataType,
        t.dims?.map(Number),
        t.int64Data?.map(Number),
      ]),
    ).toEqual([
      ["axis", DataType.INT64, [], [1]],
      ["shape", DataType.INT64, [2], [2, -1]],
    ]);
  });

  it("keeps a Constant that is itself a graph output", () => {
    const graph = linearGraph(
      [float32Tensor("w", [K, N], WEIGHT)],
      [constant("b", [tensorAttribute(float32Tensor("bias", [N], BIAS))])],
    );
    graph.output = [...(graph.output ?? []), valueInfo("b", DataType.FLOAT, [N])];
    const model = decodeModel(encodeModel(makeModel(graph)));
    expect(liftConstants(model)).toEqual([]);
    expect(model.graph?.node?.[0].opType).toBe("Constant");
  });

  it("makes quantization see Constant weights", () => {
    const { report } = quantizeModel(encodeModel(constantModel()), {
      style: "dynamic",
      granularity: "per-channel",
      symmetric: true,
    });
    expect(report.weights.map((w) => w.name)).toEqual(["w"]);
  });
});
