/**
 * The quantizer on the fixture zoo: models as PyTorch, Paddle and scikit-learn users export them,
 * loaded the way every command loads them (external data inlined, Constant weights lifted).
 */
import { mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as ortNode from "onnxruntime-node";
import * as ortWeb from "onnxruntime-web";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { WEB_SESSION_OPTIONS } from "../../src/core/session-options.js";
import { loadModel } from "../../src/toolchain/onnx/load.js";
import {
  QuantizeError,
  type QuantizeOptions,
  type QuantizeReport,
  quantizeModel,
} from "../../src/toolchain/quantize.js";
import { vane } from "./run-cli.js";
import { modelPath, outputNumbers, sampleInputs, toOrtFeeds, type ZooFixture } from "./zoo-fixtures.js";

ortWeb.env.wasm.numThreads = 1;

const STYLES: QuantizeOptions[] = [
  { style: "weight-only", granularity: "per-channel", symmetric: true },
  { style: "dynamic", granularity: "per-channel", symmetric: true },
];

/** Every output of the quantized model stays within this share of the largest |fp32| value of that output. */
const TOLERANCE = 0.02;

interface Expectation {
  fixture: ZooFixture;
  /** Quantized weights by the nodes that now compute with them (weight-only style). */
  patterns: Record<string, number>;
  /** Largest quantized / fp32 file size, weight-only style. */
  ratio: number;
}

const EXPECTATIONS: Expectation[] = [
  { fixture: "mlp", patterns: { "DequantizeLinear -> Gemm": 3 }, ratio: 0.51 },
  { fixture: "cnn", patterns: { "DequantizeLinear -> Conv": 3, "DequantizeLinear -> Gemm": 1 }, ratio: 0.29 },
  {
    fixture: "encoder",
    patterns: {
      "Gather int8 rows x row scales": 2,
      "DequantizeLinear -> MatMul": 12,
      "DequantizeLinear -> Gemm": 2,
    },
    ratio: 0.3,
  },
  {
    fixture: "constants",
    patterns: { "DequantizeLinear -> Conv": 1, "DequantizeLinear -> MatMul": 1 },
    ratio: 0.82,
  },
  {
    fixture: "multi",
    patterns: { "Gather int8 rows x row scales": 2, "DequantizeLinear -> Gemm": 3 },
    ratio: 0.32,
  },
  {
    fixture: "large",
    patterns: { "Gather int8 rows x row scales": 1, "DequantizeLinear -> Gemm": 2 },
    ratio: 0.26,
  },
  {
    fixture: "upsampler",
    patterns: { "DequantizeLinear -> Conv": 3, "DequantizeLinear -> ConvTranspose": 2 },
    ratio: 0.42,
  },
];

type Ort = typeof ortWeb;
const RUNTIMES: Array<[string, Ort]> = [
  ["onnxruntime-node", ortNode as unknown as Ort],
  ["onnxruntime-web", ortWeb],
];

async function outputs(ort: Ort, bytes: Uint8Array, fixture: ZooFixture): Promise<Record<string, number[]>> {
  const options = ort === ortWeb ? { ...WEB_SESSION_OPTIONS, executionProviders: ["wasm"] } : {};
  const session = await ort.InferenceSession.create(bytes, options);
  try {
    const results = await session.run(toOrtFeeds(ort, sampleInputs(fixture)));
    return Object.fromEntries(Object.entries(results).map(([name, tensor]) => [name, outputNumbers(tensor)]));
  } finally {
    await session.release();
  }
}

function patternCounts(report: QuantizeReport): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const weight of report.weights) counts[weight.pattern] = (counts[weight.pattern] ?? 0) + 1;
  return counts;
}

describe.each(EXPECTATIONS)("the $fixture fixture", ({ fixture, patterns, ratio }) => {
  it("quantizes the weights each node class holds and shrinks the file", async () => {
    const { bytes } = await loadModel(modelPath(fixture));
    const { report } = quantizeModel(bytes, STYLES[0]);
    expect(patternCounts(report)).toEqual(patterns);
    expect(report.bytesAfter / report.bytesBefore).toBeLessThanOrEqual(ratio);
  });

  describe.each(STYLES)("$style", (options) => {
    it.each(RUNTIMES)(`stays within ${TOLERANCE * 100}% of fp32 on the sample in %s`, async (_, ort) => {
      const { bytes } = await loadModel(modelPath(fixture));
      const quantized = quantizeModel(bytes, options).bytes;
      const [reference, ours] = await Promise.all([
        outputs(ort, bytes, fixture),
        outputs(ort, quantized, fixture),
      ]);
      for (const [name, values] of Object.entries(reference)) {
        const largest = Math.max(...values.map(Math.abs));
        const worst = Math.max(...values.map((v, i) => Math.abs(v - ours[name][i])));
        expect(worst, name).toBeLessThanOrEqual(TOLERANCE * largest);
      }
    });
  });
});

describe("what the quantizer leaves float in real graphs", () => {
  it("keeps the encoder's attention MatMuls and its 2-row token type table float, saying why", async () => {
    const { bytes } = await loadModel(modelPath("encoder"));
    const { report } = quantizeModel(bytes, STYLES[0]);
    const attention =
      "both inputs are activations (as in attention's QK^T and scores x V): there is no weight";
    expect(report.skipped.filter((s) => s.reason === attention)).toHaveLength(4);
    expect(report.skipped.filter((s) => s.reason !== attention).map((s) => [s.node, s.weight])).toEqual([
      ['Gather "node_embedding_2"', "token_type_embeddings.weight"],
    ]);
  });

  it("lifts the Paddle-style Constant weights and raises opset 11 to 13, naming what changed", async () => {
    const loaded = await loadModel(modelPath("constants"));
    expect(loaded.liftedConstants).toHaveLength(5);
    const { report } = quantizeModel(loaded.bytes, STYLES[0]);
    expect(report.opset).toEqual({
      before: 11,
      after: 13,
      irVersion: { before: 6, after: 7 },
      neededBy: 'DequantizeLinear with per-channel scales (MatMul "/MatMul")',
      reinterpreted: ["Add", "Conv", "GlobalAveragePool", "MatMul", "Relu", "Reshape", "Softmax"],
    });
  });

  it("refuses the scikit-learn pipeline, whose ai.onnx.ml operators hold no rewritable weight", async () => {
    const { bytes } = await loadModel(modelPath("sklearn"));
    expect(() => quantizeModel(bytes, STYLES[0])).toThrow(
      new QuantizeError(
        "nothing to quantize: the model has no MatMul, Gemm, Conv, ConvTranspose or embedding Gather node " +
          "(its ops: Identity, LinearClassifier (ai.onnx.ml), Scaler (ai.onnx.ml))",
      ),
    );
  });
});

describe("vane quantize on an exported model", () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "vane-quantize-zoo-"));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("reads the CNN with its external data and prints each weight it quantized and how", async () => {
    const out = join(dir, "cnn-int8.onnx");
    const run = await vane(["quantize", modelPath("cnn"), "--out", out]);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain("features.0.weight [16x3x3x3] Conv");
    expect(run.stdout).toContain("-> int8 (DequantizeLinear -> Conv)");
    expect(await readdir(dir)).toEqual(["cnn-int8.onnx"]);
  });
});
