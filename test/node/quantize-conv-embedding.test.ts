import { describe, expect, it } from "vitest";
import { WEB_SESSION_OPTIONS } from "../../src/core/session-options.js";
import {
  DataType,
  decodeModel,
  encodeModel,
  float32Tensor,
  type GraphProto,
  int64Tensor,
  intAttribute,
  intsAttribute,
  makeModel,
  makeNode,
  type TensorProto,
  valueInfo,
} from "../../src/toolchain/onnx/model.js";
import { type QuantizeOptions, quantizeModel } from "../../src/toolchain/quantize.js";
import {
  initializer,
  opTypes,
  RUNTIMES,
  type Runtime,
  runModel,
  tensorValues,
  wave,
} from "./compress-fixtures.js";

const WEB = { ...WEB_SESSION_OPTIONS, executionProviders: ["wasm"] };
const dynamic: QuantizeOptions = { style: "dynamic", granularity: "per-channel", symmetric: true };
const weightOnly: QuantizeOptions = { ...dynamic, style: "weight-only" };

function run(runtime: Runtime, bytes: Uint8Array, feeds: Parameters<typeof runModel>[2]) {
  return runModel(runtime, bytes, feeds, runtime === "onnxruntime-web" ? WEB : {});
}

/** Largest |w| (as float32) per index along `axis` of a row-major tensor, over 127: the symmetric scales. */
function symmetricScales(values: number[], dims: number[], axis: number): number[] {
  const inner = dims.slice(axis + 1).reduce((a, b) => a * b, 1);
  const scales = Array(dims[axis]).fill(0);
  values.forEach((v, i) => {
    const c = Math.floor(i / inner) % dims[axis];
    scales[c] = Math.max(scales[c], Math.abs(Math.fround(v)));
  });
  return scales.map((s) => Math.fround(s / 127));
}

// ----------------------------------------------------------------------------------------- Conv

const [C, H, W] = [4, 10, 10];
const IMAGE = { x: { data: Float32Array.from(wave(2 * C * H * W, 0.8)), dims: [2, C, H, W] } };
const IMAGE_MAX = Math.max(...Array.from(IMAGE.x.data, Math.abs));

interface ConvCase {
  name: string;
  op: "Conv" | "ConvTranspose";
  dims: number[];
  attributes: ReturnType<typeof intAttribute>[];
  channelAxis: number;
  /** Most weights any one output element sums over. */
  fanIn: number;
}

const CONVS: ConvCase[] = [
  {
    name: "a 3x3 Conv",
    op: "Conv",
    dims: [8, C, 3, 3],
    attributes: [intsAttribute("pads", [1, 1, 1, 1])],
    channelAxis: 0,
    fanIn: C * 9,
  },
  {
    name: "a depthwise (grouped) Conv",
    op: "Conv",
    dims: [C, 1, 3, 3],
    attributes: [intAttribute("group", C), intsAttribute("pads", [1, 1, 1, 1])],
    channelAxis: 0,
    fanIn: 9,
  },
  {
    name: "a stride-2 ConvTranspose",
    op: "ConvTranspose",
    dims: [C, 6, 2, 2],
    attributes: [intsAttribute("strides", [2, 2])],
    channelAxis: 1,
    fanIn: C,
  },
];

function convModel(c: ConvCase, opset = 17): { bytes: Uint8Array; weight: number[] } {
  const weight = wave(
    c.dims.reduce((a, b) => a * b, 1),
    1.3,
    0.4,
  ).map((v, i) => v * (1 + (i % 5)));
  const outputs = c.op === "Conv" ? c.dims[0] : c.dims[1];
  const graph: GraphProto = {
    name: "conv",
    node: [
      makeNode(c.op, ["x", "w", "b"], ["h"], c.attributes, "conv"),
      makeNode("Relu", ["h"], ["y"], [], "relu"),
    ],
    initializer: [float32Tensor("w", c.dims, weight), float32Tensor("b", [outputs], wave(outputs, 2, 0.1))],
    input: [valueInfo("x", DataType.FLOAT, ["batch", C, H, W])],
    output: [valueInfo("y", DataType.FLOAT, ["batch", outputs, "height", "width"])],
  };
  return { bytes: encodeModel(makeModel(graph, opset)), weight };
}

describe.each(CONVS)("$name", (c) => {
  it("stores the weight as int8 with one scale per output channel and dequantizes it in front of the node", () => {
    const { bytes, weight } = convModel(c);
    const { bytes: quantized, report } = quantizeModel(bytes, dynamic);
    const model = decodeModel(quantized);
    expect(opTypes(quantized)).toEqual(["DequantizeLinear", c.op, "Relu"]);
    const dequantize = model.graph?.node?.[0];
    expect(dequantize?.attribute?.map((a) => [a.name, Number(a.i)])).toEqual([["axis", c.channelAxis]]);
    const values = initializer(model, "w_quantized");
    expect([values?.dataType, values?.dims?.map(Number)]).toEqual([DataType.INT8, c.dims]);
    expect(tensorValues(initializer(model, "w_scale") as TensorProto)).toEqual(
      symmetricScales(weight, c.dims, c.channelAxis),
    );
    expect(initializer(model, "w")).toBeUndefined();
    expect(report.weights.map((w) => [w.name, w.node, w.pattern])).toEqual([
      ["w", `${c.op} "conv"`, `DequantizeLinear -> ${c.op}`],
    ]);
  });

  it.each(RUNTIMES)("computes within the weight's rounding of the fp32 model in %s", async (runtime) => {
    const { bytes } = convModel(c);
    const { bytes: quantized, report } = quantizeModel(bytes, dynamic);
    const [ours, reference] = await Promise.all([run(runtime, quantized, IMAGE), run(runtime, bytes, IMAGE)]);
    // Each output sums at most fanIn products, each off by at most |x| * the weight's rounding error.
    const bound = report.weights[0].maxAbsError * c.fanIn * IMAGE_MAX + 1e-5;
    expect(ours.y).toHaveLength(reference.y.length);
    ours.y.forEach((value, i) => {
      expect(Math.abs(value - reference.y[i])).toBeLessThanOrEqual(bound);
    });
  });
});

describe("Conv quantization options", () => {
  it("stores one scale and no axis per tensor", () => {
    const { bytes, weight } = convModel(CONVS[0]);
    const model = decodeModel(quantizeModel(bytes, { ...weightOnly, granularity: "per-tensor" }).bytes);
    expect(model.graph?.node?.[0].attribute).toEqual([]);
    const scale = initializer(model, "w_scale") as TensorProto;
    expect([scale.dims?.length, tensorValues(scale)]).toEqual([
      0,
      symmetricScales(weight, [1, weight.length], 0),
    ]);
  });

  it("stores uint8 weights with a zero point per output channel when asymmetric", () => {
    const { bytes } = convModel(CONVS[0]);
    const model = decodeModel(quantizeModel(bytes, { ...weightOnly, symmetric: false }).bytes);
    const zeroPoint = initializer(model, "w_zero_point");
    expect([
      initializer(model, "w_quantized")?.dataType,
      zeroPoint?.dataType,
      zeroPoint?.dims?.map(Number),
    ]).toEqual([DataType.UINT8, DataType.UINT8, [8]]);
    expect(model.graph?.node?.[0].input).toEqual(["w_quantized", "w_scale", "w_zero_point"]);
  });

  it("raises opset 11 to 13 for per-channel scales and says what changed", () => {
    const { report } = quantizeModel(convModel(CONVS[0], 11).bytes, weightOnly);
    expect(report.opset).toEqual({
      before: 11,
      after: 13,
      irVersion: { before: 8, after: 8 },
      neededBy: 'DequantizeLinear with per-channel scales (Conv "conv")',
      reinterpreted: ["Conv", "Relu"],
    });
  });

  it("skips a Conv weight two Convs share and says so", () => {
    const { bytes } = convModel(CONVS[0]);
    const model = decodeModel(bytes);
    model.graph?.node?.push(
      makeNode("Conv", ["x", "w"], ["z"], [intsAttribute("pads", [1, 1, 1, 1])], "twin"),
    );
    model.graph?.output?.push(valueInfo("z", DataType.FLOAT, ["batch", 8, H, W]));
    expect(() => quantizeModel(encodeModel(model), dynamic)).toThrow(
      'nothing to quantize: Conv "conv": weight "w" is shared by 2 nodes (Conv "conv", Conv "twin")',
    );
  });

  it("skips a Conv whose weight arrives as a graph input", () => {
    const graph: GraphProto = {
      name: "runtime-weight",
      node: [makeNode("Conv", ["x", "w"], ["y"], [], "conv")],
      input: [valueInfo("x", DataType.FLOAT, [1, C, H, W]), valueInfo("w", DataType.FLOAT, [2, C, 1, 1])],
      output: [valueInfo("y", DataType.FLOAT, [1, 2, H, W])],
    };
    expect(() => quantizeModel(encodeModel(makeModel(graph)), dynamic)).toThrow(
      'Conv "conv": its weight "w" is computed at run time, not an initializer',
    );
  });
});

// ------------------------------------------------------------------------------------ embeddings

const [ROWS, WIDTH] = [50, 12];
const TABLE = wave(ROWS * WIDTH, 0.6).map((v, i) => v * (1 + Math.floor(i / WIDTH) / 10));
const IDS = [0, 7, 49, 7, 23, 31];

function embeddingModel(
  extra: { nodes?: GraphProto["node"]; outputs?: GraphProto["output"] } = {},
): Uint8Array {
  const graph: GraphProto = {
    name: "embedding",
    node: [makeNode("Gather", ["table", "ids"], ["y"], [], "lookup"), ...(extra.nodes ?? [])],
    initializer: [float32Tensor("table", [ROWS, WIDTH], TABLE)],
    input: [valueInfo("ids", DataType.INT64, ["batch", "sequence"])],
    output: [valueInfo("y", DataType.FLOAT, ["batch", "sequence", WIDTH]), ...(extra.outputs ?? [])],
  };
  return encodeModel(makeModel(graph));
}

async function lookUp(runtime: Runtime, bytes: Uint8Array, ids = IDS): Promise<Float32Array> {
  const ort =
    runtime === "onnxruntime-node" ? await import("onnxruntime-node") : await import("onnxruntime-web");
  const session = await ort.InferenceSession.create(bytes, runtime === "onnxruntime-web" ? WEB : {});
  try {
    const feeds = { ids: new ort.Tensor("int64", BigInt64Array.from(ids.map(BigInt)), [2, ids.length / 2]) };
    return Float32Array.from((await session.run(feeds)).y.data as Float32Array);
  } finally {
    await session.release();
  }
}

describe("embedding tables", () => {
  it("stores the table as int8 rows with one scale per row, and dequantizes only the rows looked up", () => {
    const { bytes, report } = quantizeModel(embeddingModel(), dynamic);
    const model = decodeModel(bytes);
    expect(opTypes(bytes)).toEqual(["Gather", "Cast", "Gather", "Mul"]);
    expect(initializer(model, "table_quantized")?.dataType).toBe(DataType.INT8);
    const scale = initializer(model, "table_scale") as TensorProto;
    expect(scale.dims?.map(Number)).toEqual([ROWS, 1]);
    expect(tensorValues(scale)).toEqual(symmetricScales(TABLE, [ROWS, WIDTH], 0));
    expect(initializer(model, "table")).toBeUndefined();
    expect(report.weights.map((w) => [w.name, w.node, w.pattern, w.bytesBefore, w.bytesAfter])).toEqual([
      [
        "table",
        'Gather "lookup"',
        "Gather int8 rows x row scales",
        ROWS * WIDTH * 4,
        ROWS * WIDTH + ROWS * 4,
      ],
    ]);
  });

  it.each(RUNTIMES)("returns each looked-up row within half its scale in %s", async (runtime) => {
    const { bytes } = quantizeModel(embeddingModel(), dynamic);
    const scales = symmetricScales(TABLE, [ROWS, WIDTH], 0);
    const rows = await lookUp(runtime, bytes);
    IDS.forEach((id, position) => {
      for (let j = 0; j < WIDTH; j++) {
        const error = Math.abs(rows[position * WIDTH + j] - Math.fround(TABLE[id * WIDTH + j]));
        expect(error).toBeLessThanOrEqual(scales[id] / 2 + 1e-7);
      }
    });
  });

  it.each(RUNTIMES)("subtracts per-row zero points when asymmetric, in %s", async (runtime) => {
    const { bytes, report } = quantizeModel(embeddingModel(), { ...dynamic, symmetric: false });
    expect(opTypes(bytes)).toEqual(["Gather", "Cast", "Gather", "Gather", "Cast", "Sub", "Mul"]);
    const rows = await lookUp(runtime, bytes);
    IDS.forEach((id, position) => {
      for (let j = 0; j < WIDTH; j++) {
        const error = Math.abs(rows[position * WIDTH + j] - Math.fround(TABLE[id * WIDTH + j]));
        expect(error).toBeLessThanOrEqual(report.weights[0].maxAbsError + 1e-7);
      }
    });
  });

  it.each(RUNTIMES)(
    "uses one scale and DequantizeLinear after the lookup per tensor, in %s",
    async (runtime) => {
      const { bytes, report } = quantizeModel(embeddingModel(), { ...dynamic, granularity: "per-tensor" });
      expect(opTypes(bytes)).toEqual(["Gather", "DequantizeLinear"]);
      expect(report.weights[0].pattern).toBe("Gather int8 rows -> DequantizeLinear");
      const rows = await lookUp(runtime, bytes);
      const step = Math.max(...TABLE.map(Math.abs)) / 127;
      IDS.forEach((id, position) => {
        for (let j = 0; j < WIDTH; j++) {
          expect(Math.abs(rows[position * WIDTH + j] - TABLE[id * WIDTH + j])).toBeLessThanOrEqual(
            step / 2 + 1e-6,
          );
        }
      });
    },
  );

  it("shares one int8 table between two lookups of it", () => {
    const second = makeNode("Gather", ["table", "ids"], ["z"], [], "second_lookup");
    const bytes = embeddingModel({
      nodes: [second],
      outputs: [valueInfo("z", DataType.FLOAT, ["batch", "sequence", WIDTH])],
    });
    const { bytes: quantized, report } = quantizeModel(bytes, dynamic);
    const model = decodeModel(quantized);
    expect(model.graph?.initializer?.map((t) => t.name)).toEqual(["table_quantized", "table_scale"]);
    expect(opTypes(quantized).filter((op) => op === "Mul")).toHaveLength(2);
    expect(report.weights).toHaveLength(1);
  });

  it("skips a table tied to an output projection and says why", () => {
    const bytes = embeddingModel({
      nodes: [
        makeNode("Transpose", ["table"], ["table_t"], [], "tie"),
        makeNode("MatMul", ["y", "table_t"], ["logits"], [], "project"),
      ],
      outputs: [valueInfo("logits", DataType.FLOAT, ["batch", "sequence", ROWS])],
    });
    expect(() => quantizeModel(bytes, dynamic)).toThrow(
      'Gather "lookup": weight "table" also feeds Transpose "tie" as input 0, which compression does not rewrite',
    );
  });

  it("skips a Gather along the table's columns", () => {
    const model = decodeModel(embeddingModel());
    const lookup = model.graph?.node?.[0];
    if (lookup) lookup.attribute = [intAttribute("axis", 1)];
    expect(() => quantizeModel(encodeModel(model), dynamic)).toThrow(
      'Gather "lookup": it gathers "table" along axis 1; only row (axis 0) lookups are rewritten',
    );
  });

  it("does not count a Gather over an int64 shape table as a weight", () => {
    const graph: GraphProto = {
      name: "shape-gather",
      node: [makeNode("Gather", ["sizes", "ids"], ["y"], [], "pick")],
      initializer: [int64Tensor("sizes", [4], [2, 3, 5, 7])],
      input: [valueInfo("ids", DataType.INT64, [2])],
      output: [valueInfo("y", DataType.INT64, [2])],
    };
    expect(() => quantizeModel(encodeModel(makeModel(graph)), dynamic)).toThrow(
      "nothing to quantize: the model has no MatMul, Gemm, Conv, ConvTranspose or embedding Gather node (its ops: Gather)",
    );
  });
});

// ------------------------------------------------------------------------------------- attention

describe("attention", () => {
  /** One head of self-attention: Q, K, V projections, softmax(Q K^T) V, output projection. */
  function attentionModel(softmaxAxis: number, opset: number): Uint8Array {
    const d = 8;
    const projection = (name: string, phase: number) => float32Tensor(name, [d, d], wave(d * d, phase, 0.3));
    const graph: GraphProto = {
      name: "attention",
      node: [
        makeNode("MatMul", ["x", "wq"], ["q"], [], "query"),
        makeNode("MatMul", ["x", "wk"], ["k"], [], "key"),
        makeNode("MatMul", ["x", "wv"], ["v"], [], "value"),
        makeNode("Transpose", ["k"], ["kt"], [intsAttribute("perm", [0, 2, 1])], "key_t"),
        makeNode("MatMul", ["q", "kt"], ["scores"], [], "scores"),
        makeNode("Softmax", ["scores"], ["weights"], [intAttribute("axis", softmaxAxis)], "softmax"),
        makeNode("MatMul", ["weights", "v"], ["context"], [], "context"),
        makeNode("MatMul", ["context", "wo"], ["y"], [], "output"),
      ],
      initializer: [
        projection("wq", 0.1),
        projection("wk", 0.7),
        projection("wv", 1.9),
        projection("wo", 2.6),
      ],
      input: [valueInfo("x", DataType.FLOAT, ["batch", "sequence", d])],
      output: [valueInfo("y", DataType.FLOAT, ["batch", "sequence", d])],
      valueInfo: [valueInfo("scores", DataType.FLOAT, ["batch", "sequence", "sequence"])],
    };
    return encodeModel(makeModel(graph, opset));
  }

  it("quantizes the projections and leaves QK^T and scores x V float, saying why", () => {
    const { report } = quantizeModel(attentionModel(-1, 17), dynamic);
    expect(report.weights.map((w) => w.node)).toEqual([
      'MatMul "query"',
      'MatMul "key"',
      'MatMul "value"',
      'MatMul "output"',
    ]);
    const why = "both inputs are activations (as in attention's QK^T and scores x V): there is no weight";
    expect(report.skipped).toEqual([
      { node: 'MatMul "scores"', reason: why },
      { node: 'MatMul "context"', reason: why },
    ]);
  });

  it.each(RUNTIMES)("runs quantized in %s", async (runtime) => {
    const { bytes } = quantizeModel(attentionModel(-1, 17), dynamic);
    const x = { data: Float32Array.from(wave(2 * 5 * 8, 0.3)), dims: [2, 5, 8] };
    const [ours, reference] = await Promise.all([
      run(runtime, bytes, { x }),
      run(runtime, attentionModel(-1, 17), { x }),
    ]);
    const largest = Math.max(...Array.from(reference.y, Math.abs));
    ours.y.forEach((value, i) => {
      expect(Math.abs(value - reference.y[i])).toBeLessThanOrEqual(0.05 * largest);
    });
  });

  it("raises opset 11 past a Softmax over its last axis, which keeps its meaning at 13", () => {
    const { report } = quantizeModel(attentionModel(2, 11), weightOnly);
    expect([report.opset.before, report.opset.after]).toEqual([11, 13]);
  });

  it("refuses to raise opset 11 past a Softmax over a middle axis", () => {
    expect(() => quantizeModel(attentionModel(1, 11), weightOnly)).toThrow(
      "and raising it would change the meaning of Softmax; per-tensor weight-only quantization needs only opset 10",
    );
  });
});
