import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, it } from "vitest";
import {
  DataType,
  decodeModel,
  encodeModel,
  makeModel,
  makeNode,
  valueInfo,
} from "../../src/toolchain/onnx/model.js";
import { chainFixture, initializer, opTypes, tensorValues, withExternalData } from "./compress-fixtures.js";
import { vane } from "./run-cli.js";

let dir: string;
let model: string;
let plain: string;
let unknownOp: string;
let notOnnx: string;
let external: string;
let externalMissing: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "vane-compress-"));
  model = join(dir, "chain.onnx");
  await writeFile(model, chainFixture().bytes);
  plain = join(dir, "plain.onnx");
  await writeFile(
    plain,
    encodeModel(
      makeModel({
        name: "plain",
        node: [makeNode("Relu", ["x"], ["y"])],
        input: [valueInfo("x", DataType.FLOAT, [1, 4])],
        output: [valueInfo("y", DataType.FLOAT, [1, 4])],
      }),
    ),
  );
  unknownOp = join(dir, "unknown-op.onnx");
  await writeFile(
    unknownOp,
    encodeModel(
      makeModel({
        name: "unknown",
        node: [
          makeNode("MatMul", ["x", "w"], ["y"], [], "mm"),
          { ...makeNode("Scramble", ["w"], ["z"], [], "odd"), domain: "com.example" },
        ],
        initializer: [{ name: "w", dims: [4, 4], dataType: DataType.FLOAT, floatData: Array(16).fill(0.5) }],
        input: [valueInfo("x", DataType.FLOAT, [1, 4])],
        output: [valueInfo("y", DataType.FLOAT, [1, 4]), valueInfo("z", DataType.FLOAT, [4, 4])],
      }),
    ),
  );
  const exported = withExternalData(chainFixture().bytes, "chain.onnx.data");
  await mkdir(join(dir, "exported"));
  external = join(dir, "exported", "chain.onnx");
  await writeFile(external, exported.onnx);
  await writeFile(join(dir, "exported", "chain.onnx.data"), exported.data);
  await mkdir(join(dir, "exported-without-data"));
  externalMissing = join(dir, "exported-without-data", "chain.onnx");
  await writeFile(externalMissing, exported.onnx);
  notOnnx = join(dir, "notes.onnx");
  await writeFile(notOnnx, "these are not the weights you are looking for");
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** A fresh, empty output directory per test, so concurrent runs can each check what they left behind. */
function workDir(): Promise<string> {
  return mkdtemp(join(dir, "out-"));
}

// Each run starts a CLI process; running them side by side keeps the file fast.
describe.concurrent("vane quantize", () => {
  it("writes a weight-only per-channel int8 model by default", async ({ expect }) => {
    const out = join(await workDir(), "default.onnx");
    const run = await vane(["quantize", model, "--out", out]);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain(`quantized ${model} -> ${out} (weight-only, per-channel, symmetric int8)`);
    expect(opTypes(new Uint8Array(await readFile(out)))).toEqual([
      "DequantizeLinear",
      "MatMul",
      "DequantizeLinear",
      "MatMul",
      "Add",
    ]);
  });

  it("prints the report as JSON with the chosen style, granularity and symmetry", async ({ expect }) => {
    const out = join(await workDir(), "dynamic.onnx");
    const run = await vane([
      "quantize",
      model,
      "--out",
      out,
      "--style",
      "dynamic",
      "--granularity",
      "per-tensor",
      "--asymmetric",
      "--json",
    ]);
    expect(run.code).toBe(0);
    const report = JSON.parse(run.stdout);
    expect([report.style, report.granularity, report.symmetric]).toEqual(["dynamic", "per-tensor", false]);
    expect(report.weights.map((w: { name: string; dtype: string }) => [w.name, w.dtype])).toEqual([
      ["w1", "uint8"],
      ["w2", "uint8"],
    ]);
    expect(report.bytesAfter).toBe((await readFile(out)).byteLength);
  });

  it("reads weights from the external data file beside the model and writes one self-contained file", async ({
    expect,
  }) => {
    const work = await workDir();
    const out = join(work, "quantized.onnx");
    const run = await vane(["quantize", external, "--out", out, "--style", "dynamic", "--json"]);
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout).weights.map((w: { name: string }) => w.name)).toEqual(["w1", "w2"]);
    expect(await readdir(work)).toEqual(["quantized.onnx"]);
    const stored = decodeModel(new Uint8Array(await readFile(out))).graph?.initializer ?? [];
    expect(stored.filter((t) => (t.externalData ?? []).length > 0)).toEqual([]);
  });

  it("replaces an existing output file whole", async ({ expect }) => {
    const work = await workDir();
    const out = join(work, "existing.onnx");
    await writeFile(out, "old contents");
    const run = await vane(["quantize", model, "--out", out]);
    expect(run.code).toBe(0);
    expect(decodeModel(new Uint8Array(await readFile(out))).graph?.node?.[0].opType).toBe("DequantizeLinear");
    expect(await readdir(work)).toEqual(["existing.onnx"]);
  });

  it.for([
    ["a missing input", () => [join(dir, "absent.onnx")], /model .*absent\.onnx does not exist/],
    ["a file that is not ONNX", () => [notOnnx], /notes\.onnx: not a valid ONNX model/],
    [
      "a missing external data file",
      () => [externalMissing],
      /exported-without-data\/chain\.onnx: external data file .*exported-without-data\/chain\.onnx\.data of tensor "w1" does not exist/,
    ],
    [
      "a model without weights to quantize",
      () => [plain],
      /plain\.onnx: nothing to quantize: the model has no MatMul, Gemm, Conv, ConvTranspose or embedding Gather node \(its ops: Relu\)/,
    ],
    [
      "a weight that also feeds an unknown op",
      () => [unknownOp],
      /nothing to quantize: MatMul "mm": weight "w" also feeds Scramble "odd" \(domain com\.example\)/,
    ],
    [
      "an unknown style",
      () => [model, "--style", "static"],
      /--style must be one of weight-only, dynamic, got "static"/,
    ],
  ] as const)("fails on %s with a clear message and no output", async ([, args, message], { expect }) => {
    const work = await workDir();
    const run = await vane(["quantize", ...args(), "--out", join(work, "out.onnx")]);
    expect(run.code).not.toBe(0);
    expect(run.stderr).toMatch(message);
    expect(await readdir(work)).toEqual([]);
  });
});

describe.concurrent("vane prune", () => {
  it("writes a pruned model and reports sparsity and gzip sizes", async ({ expect }) => {
    const out = join(await workDir(), "pruned.onnx");
    const run = await vane(["prune", model, "--out", out, "--sparsity", "0.5", "--scope", "layer", "--json"]);
    expect(run.code).toBe(0);
    const report = JSON.parse(run.stdout);
    expect(report.weights.map((w: { name: string; zeros: number }) => [w.name, w.zeros])).toEqual([
      ["w1", 480],
      ["w2", 96],
    ]);
    expect(report.gzipBytes.after).toBeLessThan(report.gzipBytes.before);
    expect(report.bytes.after).toBe((await readFile(out)).byteLength);
  });

  it("fails on a sparsity above 1 with a clear message and no output", async ({ expect }) => {
    const work = await workDir();
    const run = await vane(["prune", model, "--out", join(work, "out.onnx"), "--sparsity", "1.2"]);
    expect(run.code).not.toBe(0);
    expect(run.stderr).toContain('--sparsity must be a number between 0 and 1, got "1.2"');
    expect(await readdir(work)).toEqual([]);
  });

  it("fails on a model without MatMul or Gemm and writes nothing", async ({ expect }) => {
    const work = await workDir();
    const run = await vane(["prune", plain, "--out", join(work, "out.onnx"), "--sparsity", "0.5"]);
    expect(run.code).not.toBe(0);
    expect(run.stderr).toMatch(/plain\.onnx: nothing to prune: the model has no MatMul or Gemm node/);
    expect(await readdir(work)).toEqual([]);
  });
});

describe.concurrent("vane prune --fine-tune", () => {
  let training: string;

  beforeAll(async () => {
    training = join(dir, "training");
    // A tiny model from the real trainer: fine-tuning only works on our own graphs and records.
    const run = await vane([
      "train",
      "--out",
      training,
      "--arch",
      "mlp",
      "--hidden",
      "4",
      "--buckets",
      "256",
      "--limit",
      "200",
      "--epochs",
      "1",
    ]);
    if (run.code !== 0) throw new Error(`vane train failed: ${run.stderr}`);
  });

  it("retrains with the pruned weights held at zero and writes the updated record beside --out", async ({
    expect,
  }) => {
    const work = await workDir();
    const out = join(work, "model.onnx");
    const args = ["--out", out, "--sparsity", "0.5", "--scope", "layer", "--fine-tune", training, "--json"];
    const run = await vane(["prune", join(training, "model.onnx"), ...args]);
    expect(run.code).toBe(0);
    const report = JSON.parse(run.stdout);
    const model = decodeModel(new Uint8Array(await readFile(out)));
    const zeros = report.weights.map(
      (w: { name: string }) => tensorValues(initializer(model, w.name) ?? {}).filter((v) => v === 0).length,
    );
    expect(zeros).toEqual(report.weights.map((w: { zeros: number }) => w.zeros));
    const record = JSON.parse(await readFile(join(work, "training.json"), "utf8"));
    expect(record.fineTuning.sparsity).toBe(report.fineTuning.sparsity);
    expect(report.fineTuning.training).toBe(join(work, "training.json"));
  });

  it("refuses to write into the training directory", async ({ expect }) => {
    const before = await readdir(training);
    const run = await vane([
      "prune",
      join(training, "model.onnx"),
      "--out",
      join(training, "pruned.onnx"),
      "--sparsity",
      "0.5",
      "--fine-tune",
      training,
    ]);
    expect(run.code).not.toBe(0);
    expect(run.stderr).toContain(`--out must be outside the training directory ${training} when fine-tuning`);
    expect(await readdir(training)).toEqual(before);
  });

  it("refuses a model the trainer did not export", async ({ expect }) => {
    const work = await workDir();
    const run = await vane([
      "prune",
      model,
      "--out",
      join(work, "m.onnx"),
      "--sparsity",
      "0.5",
      "--fine-tune",
      training,
    ]);
    expect(run.code).not.toBe(0);
    expect(run.stderr).toContain(`--fine-tune needs a model exported by vane train or distill: ${model}: `);
    expect(await readdir(work)).toEqual([]);
  });
});
