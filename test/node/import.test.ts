/** `vane import` on the fixture zoo: models as PyTorch, Paddle and skl2onnx export them. */
import { existsSync } from "node:fs";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ConflictError, InvalidInputError, UnprocessableError } from "../../src/core/errors.js";
import { Manifest } from "../../src/core/manifest.js";
import { type ImportOptions, importModel } from "../../src/toolchain/import.js";
import { loadModel } from "../../src/toolchain/onnx/load.js";
import { vane } from "./run-cli.js";
import { modelPath, sampleInputs, ZOO_DIR, type ZooFixture } from "./zoo-fixtures.js";

let scratch: string;
beforeEach(async () => {
  scratch = await mkdtemp(join(tmpdir(), "vane-import-"));
});
afterEach(async () => {
  await rm(scratch, { recursive: true, force: true });
});

const options = (fixture: ZooFixture, extra: Partial<ImportOptions> = {}): ImportOptions => ({
  source: modelPath(fixture),
  out: join(scratch, fixture),
  name: fixture,
  version: 1,
  task: {},
  ...extra,
});

async function writtenManifest(dir: string): Promise<Manifest> {
  return Manifest.parse(JSON.parse(await readFile(join(dir, "manifest.json"), "utf8")));
}

describe("vane import", () => {
  it("turns PyTorch's default export (external data) into one self-contained model with its manifest", async () => {
    const report = await importModel(options("mlp", { task: { labels: ["a", "b", "c"], softmax: true } }));
    expect(report.source.externalDataFiles).toEqual(["model.onnx.data"]);
    const manifest = await writtenManifest(report.dir);
    expect(manifest).toMatchObject({
      name: "mlp",
      version: 1,
      inputs: [{ name: "features", dtype: "float32", shape: ["batch", 8] }],
      outputs: [{ name: "logits", dtype: "float32", shape: ["batch", 3] }],
      input: { kind: "tensors" },
      task: { kind: "classification", output: "logits", labels: ["a", "b", "c"], softmax: true },
      training: { opsets: { "ai.onnx": 20 } },
    });
    const copied = await loadModel(join(report.dir, "model.onnx"));
    expect(copied.externalDataFiles).toEqual([]);
    expect(manifest.model.bytes).toBe(copied.bytes.byteLength);
  });

  it("runs the model under onnxruntime-node and onnxruntime-web and records how closely they agree", async () => {
    const report = await importModel(options("mlp"));
    expect(report.sample).toEqual({ features: [2, 8] });
    expect(report.agreement).toHaveLength(1);
    expect(report.agreement[0]).toMatchObject({ output: "logits", dims: [2, 3] });
    expect(report.agreement[0].maxAbsDifference).toBeLessThan(1e-4);
  });

  it("stores the measured onnxruntime-web session size, at least the model's bytes", async () => {
    const report = await importModel(options("mlp"));
    const manifest = await writtenManifest(report.dir);
    expect(manifest.memory?.sessionBytes).toBe(report.memory.sessionBytes);
    expect(report.memory.sessionBytes).toBeGreaterThanOrEqual(manifest.model.bytes);
    expect(report.memory.runtimeBytes).toBeGreaterThan(0);
  });

  it("refuses a model that cannot fit the isolate, saying by how much", async () => {
    const attempt = importModel(options("large", { memoryLimitBytes: 40 * 1024 * 1024 }));
    await expect(attempt).rejects.toBeInstanceOf(UnprocessableError);
    await expect(attempt).rejects.toThrow(/cannot fit a Worker: .* MB over the isolate's 40\.0 MB/);
  });

  it("lifts weights held in Constant nodes (Paddle style) and keeps the opset the graph imports", async () => {
    const report = await importModel(options("constants"));
    expect(report.source.liftedConstants.length).toBeGreaterThan(0);
    expect(report.opsets).toEqual({ "ai.onnx": 11 });
    const manifest = await writtenManifest(report.dir);
    expect(manifest.outputs[0].name).toBe("save_infer_model/scale_0.tmp_0");
  });

  it("reads int64 inputs and several outputs, and the output an embedding task names", async () => {
    const report = await importModel(
      options("multi", { task: { kind: "embedding", output: "item_embedding", normalize: true } }),
    );
    expect(report.manifest.inputs.map(({ bounds, ...spec }) => spec)).toEqual([
      { name: "user_id", dtype: "int64", shape: ["batch"] },
      { name: "item_ids", dtype: "int64", shape: ["batch", 5] },
      { name: "context", dtype: "float32", shape: ["batch", 4] },
    ]);
    expect(report.manifest.task).toEqual({ kind: "embedding", output: "item_embedding", normalize: true });
  });

  it("records the bounds the graph sets on its inputs: ids within their embedding tables", async () => {
    const report = await importModel(options("multi", { task: { kind: "raw" } }));
    const [user, items, context] = report.manifest.inputs;
    expect(user.bounds?.values).toEqual({
      min: 0,
      max: 999,
      reason: 'it indexes the 1000 rows of user_embeddings.weight (Gather "/user_embeddings/Gather")',
    });
    expect(items.bounds?.values).toMatchObject({ min: 0, max: 4999 });
    expect(context.bounds).toBeUndefined();
    expect((await writtenManifest(report.dir)).inputs).toEqual(report.manifest.inputs);
  });

  it("checks the model on the sample given instead of one built from the shapes", async () => {
    const report = await importModel(
      options("encoder", {
        task: { output: "logits", labels: ["ham", "spam"], softmax: true },
        sample: { inputs: sampleInputs("encoder") },
      }),
    );
    expect(report.sample.input_ids).toEqual(sampleInputs("encoder").input_ids.dims);
    expect(report.manifest.inputs.map((input) => input.shape)).toEqual([
      ["batch", "sequence"],
      ["batch", "sequence"],
      ["batch", "sequence"],
    ]);
  });

  it("names unnamed dynamic axes (skl2onnx writes none) and reads ai.onnx.ml's opset", async () => {
    const report = await importModel(
      options("sklearn", {
        task: { output: "probabilities", labels: ["setosa", "versicolor", "virginica"] },
      }),
    );
    expect(report.manifest.inputs).toEqual([{ name: "float_input", dtype: "float32", shape: ["batch", 4] }]);
    expect(report.opsets).toEqual({ "ai.onnx": 17, "ai.onnx.ml": 1 });
    expect(report.notes).toEqual([]);
  });

  it("notes a classification output that holds logits when --softmax is not given", async () => {
    const report = await importModel(options("mlp", { task: { labels: ["a", "b", "c"] } }));
    expect(report.notes).toEqual([expect.stringMatching(/logits.*--softmax/)]);
  });
});

describe("vane import refuses, naming what is wrong", () => {
  it("labels that do not match the output's classes", async () => {
    const attempt = importModel(options("mlp", { task: { labels: ["a", "b"] } }));
    await expect(attempt).rejects.toBeInstanceOf(InvalidInputError);
    await expect(attempt).rejects.toThrow("task.labels: 2 labels for logits's 3 classes [batch, 3]");
  });

  it("an output the graph does not have", async () => {
    const attempt = importModel(options("mlp", { task: { kind: "regression", output: "scores" } }));
    await expect(attempt).rejects.toThrow("task.output: the model has no output named scores");
  });

  it("a task without an output on a graph with several", async () => {
    const attempt = importModel(options("multi", { task: { kind: "regression" } }));
    await expect(attempt).rejects.toThrow("output: the graph has outputs score, item_embedding");
  });

  it("ZipMap's sequence-of-maps output, which onnxruntime-web cannot return", async () => {
    const attempt = importModel({
      ...options("sklearn"),
      source: join(ZOO_DIR, "sklearn", "model-zipmap.onnx"),
    });
    await expect(attempt).rejects.toBeInstanceOf(UnprocessableError);
    await expect(attempt).rejects.toThrow(/output_probability is a sequence.*zipmap=False/);
  });

  it("an input kind whose feeds the graph lacks", async () => {
    const attempt = importModel(
      options("mlp", {
        input: {
          kind: "hashed-text",
          input: "text_features",
          buckets: 8,
          maxChars: 100,
          weighting: "log1p",
          signed: true,
          normalize: "l2",
        },
      }),
    );
    await expect(attempt).rejects.toThrow(
      /the model has no input named text_features|the graph does not take/,
    );
  });

  it("a directory that already holds a model", async () => {
    await importModel(options("sklearn"));
    await expect(importModel(options("sklearn"))).rejects.toBeInstanceOf(ConflictError);
  });

  it("a model name the registry cannot hold", async () => {
    await expect(importModel(options("mlp", { name: "My Model" }))).rejects.toThrow(/^name: must match/);
  });
});

describe("the vane import command", () => {
  it("imports with labels from a file and prints the report as JSON", async () => {
    const out = join(scratch, "iris");
    const run = await vane([
      "import",
      modelPath("sklearn"),
      "--out",
      out,
      "--output",
      "probabilities",
      "--labels-file",
      join(ZOO_DIR, "sklearn", "labels.txt"),
      "--json",
    ]);
    expect(run.code).toBe(0);
    const report = JSON.parse(run.stdout);
    expect(report.manifest.name).toBe("iris");
    expect(report.manifest.task).toEqual({
      kind: "classification",
      output: "probabilities",
      labels: ["setosa", "versicolor", "virginica"],
      softmax: false,
    });
  });

  it("fails with the manifest field a wrong option produces", async () => {
    const run = await vane(["import", modelPath("mlp"), "--out", join(scratch, "m"), "--labels", "a,b"]);
    expect(run.code).not.toBe(0);
    expect(run.stderr).toContain("task.labels: 2 labels for logits's 3 classes");
  });
});

/**
 * The input kind is built at import and publish exactly as serving builds it, so a spec the graph or
 * its assets cannot serve is refused there, naming `input`, and never reaches the Worker.
 */
describe("vane import and vane publish check the input kind's spec as serving does", () => {
  const cnnSpec = {
    input: "pixel_values",
    width: 32,
    height: 32,
    channels: "rgb",
    layout: "NCHW",
    scale: 1 / 255,
    mean: [0.485, 0.456, 0.406],
    std: [0.229, 0.224, 0.225],
  };
  const encoderSpec = {
    vocab: "vocab.txt",
    inputs: { inputIds: "input_ids", attentionMask: "attention_mask", tokenTypeIds: "token_type_ids" },
    lowercase: true,
    stripAccents: true,
    maxLength: 64,
  };

  async function importWith(fixture: ZooFixture, kind: string, spec: object, extra: string[] = []) {
    const specFile = join(scratch, `${fixture}-spec.json`);
    await writeFile(specFile, JSON.stringify(spec));
    const out = join(scratch, fixture);
    const run = await vane([
      "import",
      modelPath(fixture),
      "--out",
      out,
      "--labels-file",
      join(ZOO_DIR, fixture, "labels.txt"),
      "--output",
      "logits",
      "--input-kind",
      kind,
      "--input-spec",
      specFile,
      ...extra,
    ]);
    return { run, out };
  }

  it("import refuses an image size the graph's input cannot take", async () => {
    const { run, out } = await importWith("cnn", "image", { ...cnnSpec, width: 28, height: 28 });
    expect(run.code).not.toBe(0);
    expect(run.stderr).toContain(
      "input: the image spec cannot be served: input pixel_values has shape [batch, 3, 32, 32]; the spec feeds [batch, 3, 28, 28] (NCHW)",
    );
    expect(existsSync(join(out, "manifest.json"))).toBe(false);
  });

  it("import refuses a vocabulary without the spec's [CLS] token", async () => {
    const vocab = join(scratch, "vocab.txt");
    const tokens = (await readFile(join(ZOO_DIR, "encoder", "vocab.txt"), "utf8")).replace(
      "[CLS]\n",
      "[unused0]\n",
    );
    await writeFile(vocab, tokens);
    const { run, out } = await importWith("encoder", "wordpiece-text", encoderSpec, ["--asset", vocab]);
    expect(run.code).not.toBe(0);
    expect(run.stderr).toContain(
      "input: the wordpiece-text spec cannot be served: vocab.txt has no token [CLS]",
    );
    expect(existsSync(join(out, "manifest.json"))).toBe(false);
  });

  it("import refuses a maxLength past the encoder's position table, which the graph bounds", async () => {
    const vocab = join(ZOO_DIR, "encoder", "vocab.txt");
    const { run } = await importWith("encoder", "wordpiece-text", { ...encoderSpec, maxLength: 128 }, [
      "--asset",
      vocab,
    ]);
    expect(run.code).not.toBe(0);
    expect(run.stderr).toContain(
      'input: the wordpiece-text spec cannot be served: maxLength 128 is more than input_ids takes (64): Slice "node_slice_1" cuts position_ids, 64 long, to this length',
    );
  });

  it("import takes both kinds with specs their graphs serve", async () => {
    const image = await importWith("cnn", "image", cnnSpec);
    expect(image.run.code).toBe(0);
    expect((await writtenManifest(image.out)).input).toMatchObject({ kind: "image", width: 32 });
    const vocab = join(ZOO_DIR, "encoder", "vocab.txt");
    const text = await importWith("encoder", "wordpiece-text", encoderSpec, ["--asset", vocab]);
    expect(text.run.code).toBe(0);
    expect((await writtenManifest(text.out)).input).toMatchObject({ kind: "wordpiece-text", maxLength: 64 });
  });

  it("publish refuses, before uploading anything, an imported manifest whose spec was edited to one the graph cannot take", async () => {
    const { out } = await importWith("cnn", "image", cnnSpec);
    const manifest = await writtenManifest(out);
    await writeFile(
      join(out, "manifest.json"),
      JSON.stringify({ ...manifest, input: { ...manifest.input, layout: "NHWC" } }),
    );
    const persist = join(scratch, "r2");
    const run = await vane(["publish", out, "--persist-to", persist]);
    expect(run.code).not.toBe(0);
    expect(run.stderr).toContain(
      "input: the image spec cannot be served: input pixel_values has shape [batch, 3, 32, 32]; the spec feeds [batch, 32, 32, 3] (NHWC)",
    );
    expect(existsSync(persist)).toBe(false);
  });
});
