import { describe, expect, it } from "vitest";
import {
  DataType,
  decodeModel,
  encodeModel,
  float32Tensor,
  type GraphProto,
  intAttribute,
  makeModel,
  makeNode,
  OnnxFormatError,
  valueInfo,
} from "../../src/toolchain/onnx/model.js";
import { QuantizeError, type QuantizeOptions, quantizeModel } from "../../src/toolchain/quantize.js";
import {
  chainFixture,
  dimsOf,
  type Fixture,
  gemmFixture,
  initializer,
  initializerNames,
  isTopologicallySorted,
  opTypes,
  RUNTIMES,
  type Runtime,
  runModel,
  tensorValues,
  transposedInputFixture,
  wave,
} from "./compress-fixtures.js";

const COMBINATIONS: QuantizeOptions[] = (["weight-only", "dynamic"] as const).flatMap((style) =>
  (["per-channel", "per-tensor"] as const).flatMap((granularity) =>
    [true, false].map((symmetric) => ({ style, granularity, symmetric })),
  ),
);
const label = (o: QuantizeOptions) =>
  `${o.style} ${o.granularity} ${o.symmetric ? "symmetric" : "asymmetric"}`;

const FIXTURES: Fixture[] = [gemmFixture(), chainFixture(), transposedInputFixture()];
const BATCH = 3;

const DYNAMIC_MATMUL = ["DynamicQuantizeLinear", "MatMulInteger", "Cast", "Mul", "Mul"];
const EXPECTED_OPS: Record<string, Record<QuantizeOptions["style"], string[]>> = {
  // The dynamic Gemm scales its bias by beta (a Mul) before the Add.
  gemm: {
    "weight-only": ["DequantizeLinear", "Gemm", "Relu"],
    dynamic: [...DYNAMIC_MATMUL, "Mul", "Add", "Relu"],
  },
  chain: {
    "weight-only": ["DequantizeLinear", "MatMul", "DequantizeLinear", "MatMul", "Add"],
    dynamic: [...DYNAMIC_MATMUL, ...DYNAMIC_MATMUL, "Add"],
  },
  transA: { "weight-only": ["DequantizeLinear", "Gemm"], dynamic: ["Transpose", ...DYNAMIC_MATMUL] },
};

function inputFor(fixture: Fixture): { data: Float32Array; dims: number[] } {
  const dims = fixture.inputDims(BATCH);
  return { data: Float32Array.from(wave(dims[0] * dims[1], 0.5, 1.5)), dims };
}

/** The weight's own range per channel (or overall), widened to include 0, as the scheme defines it. */
function weightRanges(fixture: Fixture, weight: string, granularity: QuantizeOptions["granularity"]) {
  const layer = fixture.layers.find((l) => l.weight === weight);
  if (!layer) throw new Error(`no layer ${weight}`);
  const channels = granularity === "per-channel" ? layer.n : 1;
  const ranges = Array.from({ length: channels }, () => ({ low: 0, high: 0 }));
  for (let k = 0; k < layer.k; k++) {
    for (let n = 0; n < layer.n; n++) {
      const range = ranges[channels === 1 ? 0 : n];
      range.low = Math.min(range.low, layer.w(k, n));
      range.high = Math.max(range.high, layer.w(k, n));
    }
  }
  return ranges;
}

function expectedScales(fixture: Fixture, weight: string, options: QuantizeOptions): number[] {
  return weightRanges(fixture, weight, options.granularity).map(({ low, high }) =>
    Math.fround(options.symmetric ? Math.max(-low, high) / 127 : (high - low) / 255),
  );
}

/** Per-element bound on how far an activation the runtime quantizes may move. */
type ActivationQuantization = "none" | "dynamic-uint8" | "int8-blocks";

/**
 * The fp64 output of the float model and, per output, a bound on |quantized - float|: through a
 * layer y = alpha·x·W + b whose input carries error e and is quantized with step error a, and whose
 * weight column n has step s_n (|W_q - W| <= s_n / 2), |Δy_n| <= |alpha|·Σ_k [(e_k + a)(|W_kn| + s_n/2) + |x_k|·s_n/2].
 * Relu and bias additions do not grow it. A small relative term covers float32 accumulation.
 */
function referenceWithBound(
  fixture: Fixture,
  x: Float32Array,
  scales: number[][],
  activation: ActivationQuantization,
): { reference: number[]; bound: number[] } {
  let values = fixture.rows(x, BATCH);
  let errors = values.map((row) => row.map(() => 0));
  fixture.layers.forEach((layer, index) => {
    const flatValues = values.flat();
    const flatErrors = errors.flat();
    const upper = Math.max(0, ...flatValues.map((v, i) => v + flatErrors[i]));
    const lower = Math.min(0, ...flatValues.map((v, i) => v - flatErrors[i]));
    const largest = Math.max(...flatValues.map((v, i) => Math.abs(v) + flatErrors[i]));
    const step =
      activation === "dynamic-uint8"
        ? (upper - lower) / 510
        : activation === "int8-blocks"
          ? largest / 254
          : 0;
    const next = values.map((row, r) =>
      Array.from({ length: layer.n }, (_, n) => {
        const s = scales[index].length === 1 ? scales[index][0] : scales[index][n];
        let sum = 0;
        let magnitude = 0;
        let bound = 0;
        for (let k = 0; k < layer.k; k++) {
          const w = layer.w(k, n);
          sum += row[k] * w;
          magnitude += Math.abs(row[k] * w);
          bound += (errors[r][k] + step) * (Math.abs(w) + s / 2) + (Math.abs(row[k]) * s) / 2;
        }
        const bias = layer.bias?.[n] ?? 0;
        const value = layer.alpha * sum + bias;
        const slack = 1e-4 * (1 + Math.abs(layer.alpha) * magnitude + Math.abs(bias));
        return {
          value: layer.relu ? Math.max(0, value) : value,
          error: Math.abs(layer.alpha) * bound + slack,
        };
      }),
    );
    values = next.map((row) => row.map((c) => c.value));
    errors = next.map((row) => row.map((c) => c.error));
  });
  return { reference: values.flat(), bound: errors.flat() };
}

/**
 * onnxruntime-node fuses DequantizeLinear + MatMul into MatMulNBits, which by default (accuracy level 4)
 * also quantizes the activations to int8 per block; onnxruntime-web keeps float activations.
 */
function activationQuantization(runtime: Runtime, options: QuantizeOptions): ActivationQuantization {
  if (options.style === "dynamic") return "dynamic-uint8";
  return runtime === "onnxruntime-node" ? "int8-blocks" : "none";
}

describe.each(FIXTURES)("fp32 reference for the $name fixture", (fixture) => {
  it.each(RUNTIMES)("matches the float model run in %s", async (runtime) => {
    const x = inputFor(fixture);
    const output = (await runModel(runtime, fixture.bytes, { [fixture.input]: x }))[fixture.output];
    const noScales = fixture.layers.map(() => [0]);
    const { reference, bound } = referenceWithBound(fixture, x.data, noScales, "none");
    reference.forEach((value, i) => {
      expect(Math.abs(output[i] - value)).toBeLessThanOrEqual(bound[i]);
    });
  });
});

describe.each(COMBINATIONS.map((o) => ({ ...o, label: label(o) })))("$label", (options) => {
  describe.each(FIXTURES)("on the $name fixture", (fixture) => {
    const { bytes } = quantizeModel(fixture.bytes, options);
    const model = decodeModel(bytes);

    it("emits the expected node types in a valid order", () => {
      expect(opTypes(bytes)).toEqual(EXPECTED_OPS[fixture.name][options.style]);
      expect(isTopologicallySorted(bytes)).toBe(true);
    });

    it("replaces each float weight by an 8-bit [K, N] initializer", () => {
      for (const layer of fixture.layers) {
        const quantized = initializer(model, `${layer.weight}_quantized`);
        expect(initializerNames(bytes)).not.toContain(layer.weight);
        // Dynamic stores symmetric weights as uint8 around 128: uint8 x int8 saturates on AVX2 CPUs.
        const signed = options.symmetric && options.style !== "dynamic";
        expect(quantized?.dataType).toBe(signed ? DataType.INT8 : DataType.UINT8);
        expect(dimsOf(quantized)).toEqual([layer.k, layer.n]);
      }
    });

    it("stores the scales and zero points the scheme defines", () => {
      for (const layer of fixture.layers) {
        const scales = expectedScales(fixture, layer.weight, options);
        // Dynamic Gemm folds alpha into the scale it multiplies the integer product by.
        const stored = options.style === "dynamic" ? scales.map((s) => Math.fround(s * layer.alpha)) : scales;
        const scale = initializer(model, `${layer.weight}_scale`);
        const zeroPoint = initializer(model, `${layer.weight}_zero_point`);
        const paramDims = options.granularity === "per-channel" ? [layer.n] : [];
        expect(dimsOf(scale)).toEqual(paramDims);
        expect(scale && tensorValues(scale)).toEqual(stored);
        if (options.symmetric && options.style === "dynamic") {
          expect(dimsOf(zeroPoint)).toEqual(paramDims);
          expect(zeroPoint?.dataType).toBe(DataType.UINT8);
          expect(zeroPoint && tensorValues(zeroPoint)).toEqual(scales.map(() => 128));
        } else if (options.symmetric) {
          expect(zeroPoint).toBeUndefined();
        } else {
          const ranges = weightRanges(fixture, layer.weight, options.granularity);
          expect(dimsOf(zeroPoint)).toEqual(paramDims);
          expect(zeroPoint?.dataType).toBe(DataType.UINT8);
          expect(zeroPoint && tensorValues(zeroPoint)).toEqual(
            ranges.map((r, c) => Math.round(-r.low / scales[c])),
          );
        }
      }
    });

    it("stores integers that reconstruct every weight within half a scale step", () => {
      for (const layer of fixture.layers) {
        const scales = expectedScales(fixture, layer.weight, options);
        const values = tensorValues(initializer(model, `${layer.weight}_quantized`) ?? {});
        const zeroPoint = initializer(model, `${layer.weight}_zero_point`);
        const zeros = zeroPoint ? tensorValues(zeroPoint) : scales.map(() => 0);
        for (let k = 0; k < layer.k; k++) {
          for (let n = 0; n < layer.n; n++) {
            const c = scales.length === 1 ? 0 : n;
            const restored = (values[k * layer.n + n] - zeros[c]) * scales[c];
            expect(Math.abs(restored - layer.w(k, n))).toBeLessThanOrEqual((scales[c] / 2) * (1 + 1e-6));
          }
        }
      }
    });

    it.each(RUNTIMES)("stays within the scale-derived bound of the fp32 model in %s", async (runtime) => {
      const x = inputFor(fixture);
      const feeds = { [fixture.input]: x };
      const float = (await runModel(runtime, fixture.bytes, feeds))[fixture.output];
      const quantized = (await runModel(runtime, bytes, feeds))[fixture.output];
      const scales = fixture.layers.map((layer) => expectedScales(fixture, layer.weight, options));
      const { bound } = referenceWithBound(fixture, x.data, scales, activationQuantization(runtime, options));
      expect(quantized).toHaveLength(float.length);
      float.forEach((value, i) => {
        expect(Math.abs(quantized[i] - value)).toBeLessThanOrEqual(bound[i]);
      });
    });
  });
});

describe("weight-only models with DequantizeLinear constant-folded", () => {
  // The Worker's recommended session option: onnxruntime folds the int8 weights back to float32 once,
  // at session creation, instead of keeping QDQ units that its wasm kernels run slowly.
  const fold = { extra: { session: { disable_quant_qdq: "1" } } };

  it.each(FIXTURES)("give the outputs of the default session in onnxruntime-web ($name)", async (fixture) => {
    const { bytes } = quantizeModel(fixture.bytes, {
      style: "weight-only",
      granularity: "per-channel",
      symmetric: true,
    });
    const feeds = { [fixture.input]: inputFor(fixture) };
    const folded = (await runModel("onnxruntime-web", bytes, feeds, fold))[fixture.output];
    const kept = (await runModel("onnxruntime-web", bytes, feeds))[fixture.output];
    folded.forEach((value, i) => {
      expect(value).toBeCloseTo(kept[i], 5);
    });
  });
});

describe("quantization report", () => {
  const fixture = chainFixture();
  const options: QuantizeOptions = { style: "weight-only", granularity: "per-channel", symmetric: true };
  const { bytes, report } = quantizeModel(fixture.bytes, options);

  it("lists every quantized weight with its shape, type and scale range", () => {
    expect(report.weights.map((w) => [w.name, w.op, w.shape, w.dtype, w.granularity])).toEqual([
      ["w1", "MatMul", [40, 24], "int8", "per-channel"],
      ["w2", "MatMul", [24, 8], "int8", "per-channel"],
    ]);
    const scales = expectedScales(fixture, "w1", options);
    expect(report.weights[0].scale).toEqual({ min: Math.min(...scales), max: Math.max(...scales) });
  });

  it("reports a reconstruction error of at most half the largest scale", () => {
    for (const weight of report.weights) {
      expect(weight.maxAbsError).toBeGreaterThan(0);
      expect(weight.maxAbsError).toBeLessThanOrEqual((weight.scale.max / 2) * (1 + 1e-6));
    }
  });

  it("stores one byte per weight plus one float scale per channel", () => {
    expect(report.weights.map((w) => [w.bytesBefore, w.bytesAfter])).toEqual([
      [40 * 24 * 4, 40 * 24 + 24 * 4],
      [24 * 8 * 4, 24 * 8 + 8 * 4],
    ]);
    expect(initializer(decodeModel(bytes), "w1_quantized")?.rawData?.byteLength).toBe(40 * 24);
  });

  it("reports the model size before and after, which shrinks", () => {
    expect(report.bytesBefore).toBe(fixture.bytes.byteLength);
    expect(report.bytesAfter).toBe(bytes.byteLength);
    // 4800 bytes of float weights become 1200 bytes of int8 plus scales and the DequantizeLinear nodes.
    expect(report.bytesAfter).toBeLessThan(report.bytesBefore / 2);
  });
});

describe.each(COMBINATIONS.map((o) => ({ ...o, label: label(o) })))("model size with $label", (options) => {
  it.each([gemmFixture(), chainFixture()])("shrinks the $name fixture to under half", (fixture) => {
    const { bytes } = quantizeModel(fixture.bytes, options);
    expect(bytes.byteLength).toBeLessThan(fixture.bytes.byteLength / 2);
  });
});

/** A graph with input x [batch, 8] and output y [batch, 4]. */
function graphOf(nodes: GraphProto["node"], initializers: GraphProto["initializer"]) {
  return {
    name: "test",
    node: nodes,
    initializer: initializers,
    input: [valueInfo("x", DataType.FLOAT, ["batch", 8])],
    output: [valueInfo("y", DataType.FLOAT, ["batch", 4])],
  };
}

const weight = (name: string, rows = 8, columns = 4, phase = 0) =>
  float32Tensor(name, [rows, columns], wave(rows * columns, phase));
const weightOnly: QuantizeOptions = { style: "weight-only", granularity: "per-channel", symmetric: true };
const dynamic: QuantizeOptions = { style: "dynamic", granularity: "per-channel", symmetric: true };

describe("weights the quantizer leaves alone", () => {
  it("skips a weight shared by two MatMuls and quantizes the rest", async () => {
    const bytes = encodeModel(
      makeModel(
        graphOf(
          [
            makeNode("MatMul", ["x", "shared"], ["a"], [], "left"),
            makeNode("MatMul", ["x", "shared"], ["b"], [], "right"),
            makeNode("Add", ["a", "b"], ["ab"], [], "sum"),
            makeNode("MatMul", ["ab", "own"], ["y"], [], "last"),
          ],
          [weight("shared"), weight("own", 4, 4, 1)],
        ),
      ),
    );
    const { bytes: quantized, report } = quantizeModel(bytes, weightOnly);
    expect(report.weights.map((w) => w.name)).toEqual(["own"]);
    expect(report.skipped).toEqual([
      {
        node: 'MatMul "left"',
        weight: "shared",
        reason: 'weight "shared" is shared by 2 nodes (MatMul "left", MatMul "right")',
      },
    ]);
    expect(initializerNames(quantized)).toEqual(["shared", "own_quantized", "own_scale"]);
    // Only "own" is quantized, so y = ab·own with ab exact: |Δy_n| <= Σ_k |ab_k|·s_n/2.
    const x = Float32Array.from(wave(8, 2));
    const { y } = await runModel("onnxruntime-web", quantized, { x: { data: x, dims: [1, 8] } });
    const shared = Float32Array.from(wave(32, 0));
    const own = Float32Array.from(wave(16, 1));
    const ab = Array.from(
      { length: 4 },
      (_, j) => 2 * x.reduce((sum, xk, k) => sum + xk * shared[k * 4 + j], 0),
    );
    for (let n = 0; n < 4; n++) {
      const column = [0, 1, 2, 3].map((k) => own[k * 4 + n]);
      const scale = Math.max(...column.map(Math.abs)) / 127;
      const exact = ab.reduce((sum, v, k) => sum + v * column[k], 0);
      const bound = ab.reduce((sum, v) => sum + (Math.abs(v) * scale) / 2, 0) + 1e-4 * (1 + Math.abs(exact));
      expect(Math.abs(y[n] - exact)).toBeLessThanOrEqual(bound);
    }
  });

  it("skips a weight that also feeds an op it does not understand", () => {
    const bytes = encodeModel(
      makeModel(
        graphOf(
          [
            makeNode("MatMul", ["x", "w"], ["a"], [], "mm"),
            { ...makeNode("Scramble", ["w"], ["w2"], [], "odd"), domain: "com.example" },
            makeNode("MatMul", ["a", "v"], ["y"], [], "mm2"),
          ],
          [weight("w"), weight("v", 4, 4)],
        ),
      ),
    );
    const { report } = quantizeModel(bytes, weightOnly);
    expect(report.weights.map((w) => w.name)).toEqual(["v"]);
    expect(report.skipped).toEqual([
      {
        node: 'MatMul "mm"',
        weight: "w",
        reason:
          'weight "w" also feeds Scramble "odd" (domain com.example) as input 0, which compression does not rewrite',
      },
    ]);
  });

  it("throws a QuantizeError naming the unknown op when it is the only reader besides the MatMul", () => {
    const bytes = encodeModel(
      makeModel(
        graphOf(
          [
            makeNode("MatMul", ["x", "w"], ["y"], [], "mm"),
            { ...makeNode("Scramble", ["w"], ["w2"], [], "odd"), domain: "com.example" },
          ],
          [weight("w")],
        ),
      ),
    );
    const reason =
      'weight "w" also feeds Scramble "odd" (domain com.example) as input 0, which compression does not rewrite';
    expect(() => quantizeModel(bytes, weightOnly)).toThrow(
      new QuantizeError(`nothing to quantize: MatMul "mm": ${reason}`, [
        { node: 'MatMul "mm"', weight: "w", reason },
      ]),
    );
  });

  it("throws a QuantizeError when the weights only feed an unknown op", () => {
    const bytes = encodeModel(
      makeModel(
        graphOf(
          [{ ...makeNode("Scramble", ["x", "w"], ["y"], [], "odd"), domain: "com.example" }],
          [weight("w")],
        ),
      ),
    );
    expect(() => quantizeModel(bytes, weightOnly)).toThrow(
      new QuantizeError(
        "nothing to quantize: the model has no MatMul, Gemm, Conv, ConvTranspose or embedding Gather node (its ops: Scramble (com.example))",
      ),
    );
  });

  it("throws a QuantizeError for a model without MatMul, Gemm, Conv or embedding", () => {
    const bytes = encodeModel(
      makeModel(
        graphOf(
          [makeNode("Add", ["x", "b"], ["s"]), makeNode("Relu", ["s"], ["y"])],
          [float32Tensor("b", [8], wave(8, 0))],
        ),
      ),
    );
    expect(() => quantizeModel(bytes, dynamic)).toThrow(
      new QuantizeError(
        "nothing to quantize: the model has no MatMul, Gemm, Conv, ConvTranspose or embedding Gather node (its ops: Add, Relu)",
      ),
    );
  });

  it("throws a QuantizeError when a MatMul multiplies two activations", () => {
    const bytes = encodeModel(
      makeModel(
        graphOf([makeNode("Relu", ["x"], ["r"]), makeNode("MatMul", ["x", "r"], ["y"], [], "mm")], []),
      ),
    );
    expect(() => quantizeModel(bytes, weightOnly)).toThrow(
      'nothing to quantize: MatMul "mm": both inputs are activations',
    );
  });

  it("skips a weight that is also a graph input", () => {
    const graph = graphOf([makeNode("MatMul", ["x", "w"], ["y"], [], "mm")], [weight("w")]);
    graph.input.push(valueInfo("w", DataType.FLOAT, [8, 4]));
    expect(() => quantizeModel(encodeModel(makeModel(graph)), weightOnly)).toThrow(
      'MatMul "mm": weight "w" is also a graph input, so it can be replaced at run time',
    );
  });

  it("skips a MatMul whose B input is a graph input without an initializer", () => {
    const graph = graphOf([makeNode("MatMul", ["x", "w"], ["y"], [], "mm")], []);
    graph.input.push(valueInfo("w", DataType.FLOAT, [8, 4]));
    expect(() => quantizeModel(encodeModel(makeModel(graph)), weightOnly)).toThrow(
      'MatMul "mm": its B input "w" is a graph input, not an initializer',
    );
  });

  it("skips a constant on the left of a MatMul", () => {
    const bytes = encodeModel(
      makeModel(graphOf([makeNode("MatMul", ["left", "x"], ["y"], [], "mm")], [weight("left", 4, 8)])),
    );
    expect(() => quantizeModel(bytes, weightOnly)).toThrow(
      'MatMul "mm": its constant operand "left" is the left input; only right-hand (B) weights are handled',
    );
  });

  it("rejects bytes that are not an ONNX model", () => {
    expect(() => quantizeModel(new TextEncoder().encode("definitely not onnx"), weightOnly)).toThrow(
      OnnxFormatError,
    );
  });
});

describe("opset handling", () => {
  const gemmAt = (opset: number, extra: GraphProto["node"] = []) =>
    encodeModel(
      makeModel(
        graphOf(
          [
            makeNode("Gemm", ["x", "w", "b"], ["g"], [], "fc"),
            makeNode("Relu", ["g"], ["y"]),
            ...(extra ?? []),
          ],
          [weight("w"), float32Tensor("b", [4], wave(4, 3))],
        ),
        opset,
      ),
    );

  it("raises opset 11 to 13 for per-channel DequantizeLinear, and the model runs", async () => {
    const { bytes, report } = quantizeModel(gemmAt(11), weightOnly);
    expect(report.opset).toEqual({
      before: 11,
      after: 13,
      irVersion: { before: 8, after: 8 },
      neededBy: 'DequantizeLinear with per-channel scales (Gemm "fc")',
      reinterpreted: ["Gemm", "Relu"],
    });
    expect(decodeModel(bytes).opsetImport.map((o) => [o.domain, Number(o.version)])).toEqual([["", 13]]);
    const { y } = await runModel("onnxruntime-web", bytes, {
      x: { data: Float32Array.from(wave(8, 1)), dims: [1, 8] },
    });
    expect(y).toHaveLength(4);
  });

  it("keeps opset 11 for per-tensor weight-only, which needs only 10", () => {
    const { report } = quantizeModel(gemmAt(11), { ...weightOnly, granularity: "per-tensor" });
    expect(report.opset).toEqual({
      before: 11,
      after: 11,
      irVersion: { before: 8, after: 8 },
      reinterpreted: [],
    });
  });

  it("raises the IR version with the opset when the old one cannot carry opset 13", () => {
    const model = decodeModel(gemmAt(10));
    model.irVersion = 5;
    const { bytes, report } = quantizeModel(encodeModel(model), weightOnly);
    expect([report.opset.before, report.opset.after, report.opset.irVersion]).toEqual([
      10,
      13,
      { before: 5, after: 7 },
    ]);
    expect(Number(decodeModel(bytes).irVersion)).toBe(7);
  });

  it("refuses to raise the opset past an op whose meaning would change", () => {
    // Over axis 0 of a 2-D tensor: opset 11 normalises the whole tensor, opset 13 each column.
    const softmax = makeNode("Softmax", ["y"], ["p"], [intAttribute("axis", 0)], "softmax");
    expect(() => quantizeModel(gemmAt(11, [softmax]), weightOnly)).toThrow(
      new QuantizeError(
        'weight-only per-channel quantization needs opset 13 for DequantizeLinear with per-channel scales (Gemm "fc") ' +
          "but the model uses opset 11, and raising it would " +
          "change the meaning of Softmax; per-tensor weight-only quantization needs only opset 10",
      ),
    );
  });
});

describe("dynamic quantization of a shared activation", () => {
  it("quantizes an activation read by two MatMuls once", async () => {
    const bytes = encodeModel(
      makeModel(
        graphOf(
          [
            makeNode("MatMul", ["x", "q"], ["a"], [], "q"),
            makeNode("MatMul", ["x", "k"], ["b"], [], "k"),
            makeNode("Add", ["a", "b"], ["y"]),
          ],
          [weight("q"), weight("k", 8, 4, 2)],
        ),
      ),
    );
    const { bytes: quantized } = quantizeModel(bytes, dynamic);
    expect(opTypes(quantized).filter((op) => op === "DynamicQuantizeLinear")).toHaveLength(1);
    const { y } = await runModel("onnxruntime-web", quantized, {
      x: { data: Float32Array.from(wave(8, 1)), dims: [1, 8] },
    });
    expect(y).toHaveLength(4);
  });
});
