/**
 * Size and latency of fp32 vs int8 (weight-only QDQ and dynamic) models under onnxruntime-web in
 * Node, single-threaded as in a Worker: two random-weight models, plus any ONNX files given (e.g. a
 * `vane train` model.onnx; its first input must be [batch, features] float32).
 * With --zoo: bytes and output error per model class on the fixture zoo against onnxruntime's own
 * quantizer, written to bench/RESULTS.md (bench/quantize-zoo.ts).
 * Run: npx tsx bench/quantize.ts [runs] [model.onnx ...] | npx tsx bench/quantize.ts --zoo [runs]
 */
import { readFile } from "node:fs/promises";
import * as ort from "onnxruntime-web";
import {
  DataType,
  decodeModel,
  encodeModel,
  float32Tensor,
  makeModel,
  makeNode,
  valueInfo,
} from "../src/toolchain/onnx/model.js";
import { type QuantizeOptions, quantizeModel } from "../src/toolchain/quantize.js";
import { quantizeZooSection } from "./quantize-zoo.js";

ort.env.wasm.numThreads = 1;
const zoo = process.argv.includes("--zoo");
const args = process.argv.slice(2).filter((a) => a !== "--zoo");
const runs = Number(args[0] ?? (zoo ? 51 : 300));
const extraModels = args.slice(1);

/** Fixed-seed uniform values in [-scale, scale), so runs are comparable. */
function randomValues(count: number, seed: number, scale: number): Float32Array {
  let state = seed >>> 0;
  return Float32Array.from({ length: count }, () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return (state / 2 ** 32) * 2 * scale - scale;
  });
}

function linearModel(layers: number[]): Uint8Array {
  const nodes = [];
  const initializers = [];
  let current = "x";
  for (let i = 0; i + 1 < layers.length; i++) {
    const [k, n] = [layers[i], layers[i + 1]];
    const last = i + 2 === layers.length;
    initializers.push(float32Tensor(`w${i}`, [k, n], randomValues(k * n, 7 + i, 1 / Math.sqrt(k))));
    initializers.push(float32Tensor(`b${i}`, [n], randomValues(n, 99 + i, 0.1)));
    nodes.push(makeNode("MatMul", [current, `w${i}`], [`h${i}`]));
    nodes.push(makeNode("Add", [`h${i}`, `b${i}`], [last ? "y" : `a${i}`]));
    if (!last) nodes.push(makeNode("Relu", [`a${i}`], [`r${i}`]));
    current = `r${i}`;
  }
  return encodeModel(
    makeModel({
      name: "bench",
      node: nodes,
      initializer: initializers,
      input: [valueInfo("x", DataType.FLOAT, ["batch", layers[0]])],
      output: [valueInfo("y", DataType.FLOAT, ["batch", layers.at(-1) ?? 0])],
    }),
  );
}

/** Lets onnxruntime constant-fold DequantizeLinear of initializers instead of keeping QDQ units. */
const FOLD_QDQ: ort.InferenceSession.SessionOptions = { extra: { session: { disable_quant_qdq: "1" } } };

interface Timing {
  createMs: number;
  runMs: number;
}

interface BenchModel {
  label: string;
  bytes: Uint8Array;
  input: string;
  features: number;
}

async function measure(
  { bytes, input: name, features }: Omit<BenchModel, "label">,
  batch: number,
  options: ort.InferenceSession.SessionOptions,
): Promise<Timing> {
  const created = performance.now();
  const session = await ort.InferenceSession.create(bytes, options);
  const createMs = performance.now() - created;
  const input = new ort.Tensor("float32", randomValues(batch * features, 3, 1), [batch, features]);
  for (let i = 0; i < 20; i++) await session.run({ [name]: input });
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const start = performance.now();
    await session.run({ [name]: input });
    times.push(performance.now() - start);
  }
  await session.release();
  times.sort((a, b) => a - b);
  return { createMs, runMs: times[Math.floor(times.length / 2)] };
}

const perChannel = { granularity: "per-channel", symmetric: true } as const;
const perTensor = { granularity: "per-tensor", symmetric: true } as const;
const variants: Array<[string, QuantizeOptions | null, ort.InferenceSession.SessionOptions]> = [
  ["fp32", null, {}],
  ["weight-only per-channel", { style: "weight-only", ...perChannel }, {}],
  ["weight-only per-tensor", { style: "weight-only", ...perTensor }, {}],
  ["weight-only per-channel, disable_quant_qdq", { style: "weight-only", ...perChannel }, FOLD_QDQ],
  ["dynamic per-channel", { style: "dynamic", ...perChannel }, {}],
  ["dynamic per-tensor", { style: "dynamic", ...perTensor }, {}],
];

async function fileModel(path: string): Promise<BenchModel> {
  const bytes = new Uint8Array(await readFile(path));
  const input = decodeModel(bytes).graph?.input?.[0];
  const features = Number(input?.type?.tensorType?.shape?.dim?.at(-1)?.dimValue ?? 0);
  return { label: path, bytes, input: input?.name ?? "", features };
}

async function latencyTable(): Promise<void> {
  const models: BenchModel[] = [
    ...[
      [4096, 2],
      [4096, 64, 2],
    ].map((layers) => ({
      label: layers.join("x"),
      bytes: linearModel(layers),
      input: "x",
      features: layers[0],
    })),
    ...(await Promise.all(extraModels.map(fileModel))),
  ];

  // One untimed pass first: the wasm module and its JIT warm up on whichever session comes first.
  await measure(models[1], 32, {});
  console.log(`onnxruntime-web ${ort.env.versions.web}, 1 thread, median of ${runs} runs\n`);
  console.log(
    "| model | variant (symmetric int8) | bytes | session create (ms) | batch 1 (ms) | batch 32 (ms) |",
  );
  console.log("|---|---|---:|---:|---:|---:|");
  for (const model of models) {
    for (const [label, options, session] of variants) {
      const bytes = options ? quantizeModel(model.bytes, options).bytes : model.bytes;
      const one = await measure({ ...model, bytes }, 1, session);
      const many = await measure({ ...model, bytes }, 32, session);
      const cells = [bytes.byteLength, one.createMs.toFixed(2), one.runMs.toFixed(4), many.runMs.toFixed(4)];
      console.log(`| ${model.label} | ${label} | ${cells.join(" | ")} |`);
    }
  }
}

if (zoo) await quantizeZooSection(runs);
else await latencyTable();
