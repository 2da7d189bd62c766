/**
 * Quantization per model class on the fixture zoo: vane's quantizer (both styles) against
 * onnxruntime's own quantize_dynamic (models/zoo/<fixture>/quantized-reference.json, written by
 * scripts/zoo/make_zoo.py): bytes and max abs output error against fp32 on each fixture's sample.
 * Then the two forms a quantized Conv can take, measured on one layer, which is why vane uses
 * DequantizeLinear -> Conv. Writes the "quantize-zoo" section of bench/RESULTS.md.
 */
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import * as ortNode from "onnxruntime-node";
import * as ortWeb from "onnxruntime-web";
import { quantizeWeight } from "../src/core/quantize-params.js";
import { WEB_SESSION_OPTIONS } from "../src/core/session-options.js";
import { loadModel } from "../src/toolchain/onnx/load.js";
import {
  DataType,
  encodeModel,
  float32Tensor,
  int8Tensor,
  intAttribute,
  intsAttribute,
  makeModel,
  makeNode,
  uint8Tensor,
  valueInfo,
} from "../src/toolchain/onnx/model.js";
import { type QuantizeOptions, type QuantizeReport, quantizeModel } from "../src/toolchain/quantize.js";
import {
  modelPath,
  outputNumbers,
  sampleInputs,
  toOrtFeeds,
  ZOO_DIR,
  type ZooFixture,
} from "../test/node/zoo-fixtures.js";
import { writeSection } from "./results-section.js";

type Ort = typeof ortWeb;
ortWeb.env.wasm.numThreads = 1;
const WORKER_OPTIONS = { ...WEB_SESSION_OPTIONS, executionProviders: ["wasm"] };

const CLASSES: Array<[ZooFixture, string]> = [
  ["mlp", "MLP (tabular)"],
  ["cnn", "CNN (image)"],
  ["encoder", "transformer encoder (text)"],
  ["constants", "Paddle-style CNN, weights in Constant nodes, opset 11"],
  ["multi", "recommender: embedding tables + MLP"],
  ["large", "text embedding, 20000-row table (10.6 MB)"],
  ["upsampler", "segmentation head: depthwise Conv, ConvTranspose"],
];

const STYLES: Array<[string, QuantizeOptions]> = [
  ["weight-only", { style: "weight-only", granularity: "per-channel", symmetric: true }],
  ["dynamic", { style: "dynamic", granularity: "per-channel", symmetric: true }],
];

interface Reference {
  fp32_bytes: number;
  reference?: { bytes: number; max_abs_error: Record<string, number>; ops: Record<string, number> };
}

async function outputs(ort: Ort, bytes: Uint8Array, fixture: ZooFixture): Promise<Record<string, number[]>> {
  const session = await ort.InferenceSession.create(bytes, ort === ortWeb ? WORKER_OPTIONS : {});
  try {
    const results = await session.run(toOrtFeeds(ort, sampleInputs(fixture)));
    return Object.fromEntries(Object.entries(results).map(([name, tensor]) => [name, outputNumbers(tensor)]));
  } finally {
    await session.release();
  }
}

function maxAbsError(reference: Record<string, number[]>, ours: Record<string, number[]>): number {
  let worst = 0;
  for (const [name, values] of Object.entries(reference)) {
    values.forEach((v, i) => {
      worst = Math.max(worst, Math.abs(v - ours[name][i]));
    });
  }
  return worst;
}

const percentOf = (bytes: number, of: number) =>
  `${bytes.toLocaleString("en")} (${((100 * bytes) / of).toFixed(1)}%)`;
const sci = (x: number) => x.toExponential(1);

function quantizedSummary(report: QuantizeReport): string {
  const counts = new Map<string, number>();
  for (const w of report.weights) counts.set(w.pattern, (counts.get(w.pattern) ?? 0) + 1);
  return [...counts].map(([pattern, n]) => `${n}x ${pattern}`).join(", ");
}

function floatSummary(report: QuantizeReport): string {
  const counts = new Map<string, number>();
  for (const s of report.skipped) {
    const why = s.reason.startsWith("both inputs are activations")
      ? "activation x activation MatMul (attention)"
      : s.reason.includes("rows: a table that small")
        ? "table under 16 rows"
        : s.reason;
    counts.set(why, (counts.get(why) ?? 0) + 1);
  }
  return [...counts].map(([why, n]) => `${n}x ${why}`).join(", ") || "none";
}

async function zooRows(): Promise<string[]> {
  const rows: string[] = [];
  const notes: string[] = [];
  for (const [fixture, label] of CLASSES) {
    const loaded = await loadModel(modelPath(fixture));
    const reference = JSON.parse(
      await readFile(join(ZOO_DIR, fixture, "quantized-reference.json"), "utf8"),
    ) as Reference;
    const fp32Web = await outputs(ortWeb, loaded.bytes, fixture);
    const fp32Node = await outputs(ortNode as unknown as Ort, loaded.bytes, fixture);
    const cells: string[] = [];
    let report: QuantizeReport | undefined;
    for (const [, options] of STYLES) {
      const quantized = quantizeModel(loaded.bytes, options);
      report ??= quantized.report;
      const web = maxAbsError(fp32Web, await outputs(ortWeb, quantized.bytes, fixture));
      const node = maxAbsError(fp32Node, await outputs(ortNode as unknown as Ort, quantized.bytes, fixture));
      cells.push(
        `${percentOf(quantized.bytes.byteLength, loaded.bytesOnDisk)}`,
        `${sci(web)} / ${sci(node)}`,
      );
    }
    const ref = reference.reference;
    const refCells = ref
      ? [percentOf(ref.bytes, reference.fp32_bytes), sci(Math.max(...Object.values(ref.max_abs_error)))]
      : ["does not quantize", ""];
    if (report && ref && ref.bytes < report.bytesAfter) {
      const rowScales = report.weights
        .filter((w) => w.pattern === "Gather int8 rows x row scales")
        .reduce((n, w) => n + w.shape[0] * 4, 0);
      notes.push(
        `${fixture}: onnxruntime's file is ${(report.bytesAfter - ref.bytes).toLocaleString("en")} bytes smaller than vane's weight-only one: its tables have one scale each, vane's one per row (4 bytes a row, ${rowScales.toLocaleString("en")} bytes here).`,
      );
    }
    if (report && report.opset.after !== report.opset.before) {
      notes.push(
        `${fixture}: opset raised ${report.opset.before} -> ${report.opset.after} (IR ${report.opset.irVersion.before} -> ${report.opset.irVersion.after}) for ${report.opset.neededBy}.`,
      );
    }
    rows.push(
      `| ${fixture}: ${label} | ${loaded.bytesOnDisk.toLocaleString("en")} | ${cells.join(" | ")} | ${refCells.join(" | ")} | ${report ? quantizedSummary(report) : ""} | ${report ? floatSummary(report) : ""} |`,
    );
  }
  return [...rows, "", ...notes];
}

interface ConvForm {
  label: string;
  bytes: number;
  error: number;
  ms: number;
}

/** One 3x3 Conv [32, 16, 3, 3] on a 1x16x32x32 input in the two forms a quantized Conv can take. */
async function convForms(runs: number): Promise<ConvForm[]> {
  const [m, c, k, side] = [32, 16, 3, 32];
  const wave = (n: number, phase: number, amplitude: number) =>
    Float32Array.from({ length: n }, (_, i) => amplitude * Math.sin(i * 0.37 + phase));
  const weight = wave(m * c * k * k, 1, 0.3);
  const bias = wave(m, 2, 0.1);
  const pads = intsAttribute("pads", [1, 1, 1, 1]);
  const io = {
    input: [valueInfo("x", DataType.FLOAT, [1, c, side, side])],
    output: [valueInfo("y", DataType.FLOAT, [1, m, side, side])],
  };
  const fp32 = encodeModel(
    makeModel({
      name: "conv",
      node: [makeNode("Conv", ["x", "w", "b"], ["y"], [pads])],
      initializer: [float32Tensor("w", [m, c, k, k], weight), float32Tensor("b", [m], bias)],
      ...io,
    }),
  );
  const dequantized = quantizeModel(fp32, {
    style: "dynamic",
    granularity: "per-channel",
    symmetric: true,
  }).bytes;
  // ConvInteger as onnxruntime's quantize_dynamic writes it, with per-channel scales applied after it;
  // onnxruntime's kernel takes one weight zero point, so the weights are uint8 around 128.
  const q = quantizeWeight(weight, [m, c, k, k], { granularity: "per-channel", symmetric: true }, 0);
  const integerNodes = (zeroPoint: string[]) => [
    makeNode("DynamicQuantizeLinear", ["x"], ["xq", "xs", "xz"]),
    makeNode("ConvInteger", ["xq", "wq", "xz", ...zeroPoint], ["yi"], [pads]),
    makeNode("Cast", ["yi"], ["yf"], [intAttribute("to", DataType.FLOAT)]),
    makeNode("Mul", ["xs", "ws"], ["s"]),
    makeNode("Mul", ["yf", "s"], ["ys"]),
    makeNode("Add", ["ys", "b"], ["y"]),
  ];
  const rescale = [float32Tensor("ws", [m, 1, 1], q.scale), float32Tensor("b", [m, 1, 1], bias)];
  const signed = q.values as Int8Array;
  const convInteger = encodeModel(
    makeModel({
      name: "conv-integer",
      node: integerNodes(["wz"]),
      initializer: [
        uint8Tensor(
          "wq",
          [m, c, k, k],
          Uint8Array.from(signed, (v) => v + 128),
        ),
        uint8Tensor("wz", [], Uint8Array.of(128)),
        ...rescale,
      ],
      ...io,
    }),
  );
  const convIntegerSigned = encodeModel(
    makeModel({
      name: "conv-integer-int8",
      node: integerNodes([]),
      initializer: [int8Tensor("wq", [m, c, k, k], signed), ...rescale],
      ...io,
    }),
  );
  const x = wave(c * side * side, 5, 0.9);
  const feeds = (ort: Ort) => ({ x: new ort.Tensor("float32", x, [1, c, side, side]) });
  const nodeReference = await (await ortNode.InferenceSession.create(fp32)).run(
    feeds(ortNode as unknown as Ort),
  );
  const reference = nodeReference.y.data as Float32Array;
  const forms = [
    ["fp32 Conv", fp32],
    ["DequantizeLinear -> Conv (vane)", dequantized],
    ["DynamicQuantizeLinear + ConvInteger, uint8 weights (onnxruntime's form)", convInteger],
    ["DynamicQuantizeLinear + ConvInteger, int8 weights", convIntegerSigned],
  ] as const;
  const sessions = await Promise.all(
    forms.map(([, bytes]) => ortWeb.InferenceSession.create(bytes, WORKER_OPTIONS)),
  );
  const errors: number[] = [];
  for (const session of sessions) {
    const y = (await session.run(feeds(ortWeb))).y.data as Float32Array;
    errors.push(y.reduce((worst, v, i) => Math.max(worst, Math.abs(v - reference[i])), 0));
  }
  // Round-robin, so load from other processes falls on every form alike.
  const times: number[][] = forms.map(() => []);
  for (let run = 0; run < runs; run++) {
    for (const [i, session] of sessions.entries()) {
      const start = performance.now();
      await session.run(feeds(ortWeb));
      times[i].push(performance.now() - start);
    }
  }
  await Promise.all(sessions.map((session) => session.release()));
  return forms.map(([label, bytes], i) => ({
    label,
    bytes: bytes.byteLength,
    error: errors[i],
    ms: times[i].sort((a, b) => a - b)[runs >> 1],
  }));
}

function convVerdict([fp32, dequantized, integer]: ConvForm[]): string {
  const faster = integer.ms < dequantized.ms;
  return (
    `Here ConvInteger (uint8) is ${(((integer.bytes - dequantized.bytes) / dequantized.bytes) * 100).toFixed(1)}% larger with ` +
    `${(integer.error / dequantized.error).toFixed(1)}x the error, and ${faster ? "faster" : "slower"} per call ` +
    `(${integer.ms.toFixed(3)} ms against ${dequantized.ms.toFixed(3)} ms for the folded Conv, fp32 ${fp32.ms.toFixed(3)} ms)` +
    (faster
      ? ": wasm's integer kernels pay off in CPU time, and the session keeps uint8 weights where the folded Conv holds float ones. vane keeps the smaller, more accurate form; an integer-Conv option for CPU-bound image models is a follow-up."
      : ".")
  );
}

export async function quantizeZooSection(runs: number): Promise<void> {
  const started = new Date().toISOString();
  const zoo = await zooRows();
  const conv = await convForms(runs);
  await writeSection(
    "quantize-zoo",
    [
      "## Quantization per model class: vane vs onnxruntime's quantize_dynamic (fixture zoo)",
      "",
      `Command: \`npx tsx bench/quantize.ts --zoo ${runs}\`; ${started}; onnxruntime-web ${ortWeb.env.versions.web} (1 thread, the Worker's session options), onnxruntime-node ${ortNode.env.versions.node ?? ""}.`,
      "Fixtures from `models/zoo` (scripts/zoo/make_zoo.py), each read as `vane quantize` reads it (external data inlined, Constant weights lifted). vane's quantizer runs per-channel symmetric int8 in its two styles; onnxruntime's numbers are `quantize_dynamic`'s (per-channel QInt8, the first configuration that quantizes and runs, from each fixture's quantized-reference.json, measured by onnxruntime in Python). Bytes are the model file (plus external data for fp32), in brackets against fp32. Error: max |output - fp32 output| over every output on the fixture's sample, vane's in onnxruntime-web / onnxruntime-node; one sample per fixture, so differences under about 2x are noise.",
      "",
      "| fixture | fp32 bytes | vane weight-only bytes | its error web / node | vane dynamic bytes | its error web / node | onnxruntime quantize_dynamic bytes | its error | vane quantized (weight-only) | left float, why |",
      "|---|---:|---:|---:|---:|---:|---:|---:|---|---|",
      ...zoo,
      "",
      "The scikit-learn fixture (LinearClassifier, ai.onnx.ml) holds no weight either quantizer rewrites.",
      "",
      `### A quantized Conv: DequantizeLinear -> Conv or ConvInteger`,
      "",
      `One Conv [32, 16, 3, 3] (pads 1) on a 1x16x32x32 input, in onnxruntime-web with the Worker's session options; error against onnxruntime-node's fp32 output; median of ${runs} interleaved runs. Both integer forms run in the wasm build, so the choice is by size and error: DequantizeLinear -> Conv needs no runtime quantization nodes and keeps the bias in the Conv, its error is the weight's alone, and the Worker's options fold it into a float Conv at load. ConvTranspose has no integer form at all.`,
      "",
      "| form | bytes | max abs error | web ms |",
      "|---|---:|---:|---:|",
      ...conv.map(
        (f) => `| ${f.label} | ${f.bytes.toLocaleString("en")} | ${sci(f.error)} | ${f.ms.toFixed(3)} |`,
      ),
      "",
      convVerdict(conv),
    ].join("\n"),
  );
  console.log(zoo.join("\n"));
  console.log(convVerdict(conv));
}
