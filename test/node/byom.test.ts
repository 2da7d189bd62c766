/**
 * Bring your own model past import: `vane profile --reference`, `vane evaluate --data` and
 * `vane publish` on zoo fixtures imported by `vane import`, with the CLI as a user runs it.
 */
import { cp, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DriftSpec } from "../../src/core/drift-features.js";
import { Manifest } from "../../src/core/manifest.js";
import { Profile } from "../../src/core/profile.js";
import { importModel } from "../../src/toolchain/import.js";
import { withLocalBucket } from "../../src/toolchain/local-r2.js";
import { vane } from "./run-cli.js";
import { modelPath, sampleInputs, type TensorJson } from "./zoo-fixtures.js";

let scratch: string;
let mlp: string;
let large: string;

/** One JSONL line per instance of a fixture's sample, each a batch of one. */
function instanceLines(tensors: Record<string, TensorJson>, labels?: readonly string[]): string {
  const size = Object.values(tensors)[0].dims[0];
  return Array.from({ length: size }, (_, i) => {
    const inputs = Object.fromEntries(
      Object.entries(tensors).map(([name, t]) => {
        const per = t.data.length / size;
        return [
          name,
          { dims: [1, ...t.dims.slice(1)], dtype: t.dtype, data: t.data.slice(i * per, (i + 1) * per) },
        ];
      }),
    );
    return JSON.stringify(labels ? { inputs, label: labels[i] } : { inputs });
  }).join("\n");
}

beforeAll(async () => {
  scratch = await mkdtemp(join(tmpdir(), "vane-byom-"));
  mlp = join(scratch, "mlp");
  large = join(scratch, "large");
  await importModel({
    source: modelPath("mlp"),
    out: mlp,
    name: "mlp",
    version: 1,
    task: { labels: ["a", "b", "c"], softmax: true },
  });
  await importModel({
    source: modelPath("large"),
    out: large,
    name: "large",
    version: 1,
    task: { kind: "embedding", output: "sentence_embedding" },
  });
});

afterAll(async () => {
  await rm(scratch, { recursive: true, force: true });
});

const readManifest = async (dir: string) =>
  Manifest.parse(JSON.parse(await readFile(join(dir, "manifest.json"), "utf8")));

describe("vane profile --reference", () => {
  it("profiles a classifier on its task, data-quality and tensor features, and writes the drift spec into the manifest", async () => {
    const dir = join(scratch, "mlp-profiled");
    await cp(mlp, dir, { recursive: true });
    const reference = join(scratch, "mlp-reference.jsonl");
    await writeFile(reference, instanceLines(sampleInputs("mlp")));
    const run = await vane(["profile", dir, "--reference", reference, "--json"]);
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout).features).toEqual([
      "p_a",
      "p_b",
      "p_c",
      "confidence",
      "predicted_label",
      "logits.non_finite_share",
      "features.out_of_range_share",
      "features.mean",
      "features.std",
      "features.zero_share",
    ]);
    const manifest = await readManifest(dir);
    expect(manifest.profile).toBe("profile.json");
    const range = manifest.drift?.features.find((f) => f.kind === "out-of-range-share");
    const values = sampleInputs("mlp").features.data;
    expect(range).toMatchObject({
      tensor: "features",
      min: Math.fround(Math.min(...values)),
      max: Math.fround(Math.max(...values)),
    });
    const profile = Profile.parse(JSON.parse(await readFile(join(dir, "profile.json"), "utf8")));
    expect(profile.count).toBe(3);
    expect(Object.keys(profile.features)).toEqual(manifest.drift?.features.map((f) => f.name));
  });

  it("profiles an embedding model with its norm and its distance to the reference centroid", async () => {
    const dir = join(scratch, "large-profiled");
    await cp(large, dir, { recursive: true });
    const reference = join(scratch, "large-reference.jsonl");
    await writeFile(reference, instanceLines(sampleInputs("large")));
    const run = await vane(["profile", dir, "--reference", reference]);
    expect(run.code).toBe(0);
    const drift = DriftSpec.parse((await readManifest(dir)).drift);
    expect(drift.features.map((f) => f.kind)).toEqual(
      expect.arrayContaining(["embedding-norm", "centroid-distance", "non-finite-share", "tensor-mean"]),
    );
    const centroid = drift.features.find((f) => f.kind === "centroid-distance");
    expect(centroid && "centroid" in centroid ? centroid.centroid : []).toHaveLength(128);
  });

  it("names the line and field of a reference request the model cannot take", async () => {
    const reference = join(scratch, "bad-reference.jsonl");
    await writeFile(
      reference,
      `${instanceLines(sampleInputs("mlp")).split("\n")[0]}\n{"inputs": {"features": {"dims": [1, 7], "data": [1, 2, 3, 4, 5, 6, 7]}}}\n`,
    );
    const run = await vane(["profile", mlp, "--reference", reference]);
    expect(run.code).not.toBe(0);
    expect(run.stderr).toContain(`${reference}:2 inputs.features.dims[1]: expected 8`);
  });
});

describe("vane evaluate --data", () => {
  it("compares an fp32 classifier with its int8 variant: accuracy, macro-F1, log loss, per class, confusion", async () => {
    const data = join(scratch, "mlp-labelled.jsonl");
    await writeFile(data, instanceLines(sampleInputs("mlp"), ["a", "b", "c"]));
    const int8 = join(scratch, "mlp-int8.onnx");
    expect((await vane(["quantize", join(mlp, "model.onnx"), "--out", int8])).code).toBe(0);
    const run = await vane(["evaluate", `fp32=${mlp}`, `int8=${int8}`, "--data", data, "--json"]);
    expect(run.code).toBe(0);
    const report = JSON.parse(run.stdout);
    expect(report.task).toBe("classification");
    const [fp32, quantized] = report.models;
    expect(fp32.quality).toMatchObject({ count: 3, accuracy: 1, macroF1: 1, agreement: 1 });
    expect(fp32.quality.confusion).toEqual([
      [1, 0, 0],
      [0, 1, 0],
      [0, 0, 1],
    ]);
    expect(fp32.quality.perClass).toEqual(
      ["a", "b", "c"].map((label) => ({ label, precision: 1, recall: 1, f1: 1, support: 1 })),
    );
    expect(fp32.quality.logLoss).toBeGreaterThan(0);
    expect(quantized.bytes).toBeLessThan(fp32.bytes);
    expect(quantized.quality.agreement).toBe(1);
  });

  it("prints each class's precision, recall and support, and the confusion matrix", async () => {
    const data = join(scratch, "mlp-labelled-text.jsonl");
    await writeFile(data, instanceLines(sampleInputs("mlp"), ["a", "b", "c"]));
    const run = await vane(["evaluate", `fp32=${mlp}`, "--data", data]);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain(
      "| class | precision | recall | F1 | support |\n|---|---:|---:|---:|---:|\n| a | 100.00% | 100.00% | 1.0000 | 1 |",
    );
    expect(run.stdout).toContain("| actual \\ predicted | a | b | c |");
  });

  it("measures an embedding variant by its cosine agreement with the first model", async () => {
    const data = join(scratch, "large-data.jsonl");
    await writeFile(data, instanceLines(sampleInputs("large")));
    const int8 = join(scratch, "large-int8.onnx");
    expect((await vane(["quantize", join(large, "model.onnx"), "--out", int8])).code).toBe(0);
    const run = await vane(["evaluate", `fp32=${large}`, `int8=${int8}`, "--data", data, "--json"]);
    expect(run.code).toBe(0);
    const [fp32, quantized] = JSON.parse(run.stdout).models;
    expect(fp32.quality.meanCosine).toBeCloseTo(1, 6);
    expect(quantized.quality.meanCosine).toBeGreaterThan(0.99);
    expect(quantized.quality.minCosine).toBeLessThanOrEqual(quantized.quality.meanCosine);
  });

  it("refuses a labelled line whose label is not a class", async () => {
    const data = join(scratch, "mlp-mislabelled.jsonl");
    await writeFile(data, instanceLines(sampleInputs("mlp"), ["a", "b", "zebra"]));
    const run = await vane(["evaluate", mlp, "--data", data]);
    expect(run.code).not.toBe(0);
    expect(run.stderr).toContain('"zebra" is not one of a, b, c');
  });
});

describe("vane publish of an imported model", () => {
  it("uploads the model and its manifest under the manifest's name and version", async () => {
    const persist = join(scratch, "r2-ok");
    const run = await vane(["publish", mlp, "--persist-to", persist, "--json"]);
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({ name: "mlp", version: 1, registration: "active" });
    const stored = await withLocalBucket(persist, async (bucket) => {
      const manifest = await bucket.get("models/mlp/1/manifest.json");
      return manifest ? Manifest.parse(JSON.parse(await manifest.text())) : null;
    });
    expect(stored?.task).toMatchObject({ kind: "classification", labels: ["a", "b", "c"] });
  });

  it("refuses, before uploading anything, a manifest the graph contradicts", async () => {
    const dir = join(scratch, "mlp-wrong");
    await cp(mlp, dir, { recursive: true });
    const manifest = await readManifest(dir);
    await writeFile(
      join(dir, "manifest.json"),
      JSON.stringify({ ...manifest, inputs: [{ ...manifest.inputs[0], dtype: "int64" }] }),
    );
    const persist = join(scratch, "r2-wrong");
    const run = await vane(["publish", dir, "--persist-to", persist]);
    expect(run.code).not.toBe(0);
    expect(run.stderr).toContain("inputs[0].dtype: features is float32 in the graph, not int64");
    const stored = await withLocalBucket(persist, (bucket) => bucket.head("models/mlp/1/model.onnx"));
    expect(stored).toBeNull();
  });

  it("refuses a model file that is not the one the manifest describes", async () => {
    const dir = join(scratch, "mlp-swapped");
    await cp(mlp, dir, { recursive: true });
    await cp(join(large, "model.onnx"), join(dir, "model.onnx"));
    const run = await vane(["publish", dir, "--persist-to", join(scratch, "r2-swapped")]);
    expect(run.code).not.toBe(0);
    expect(run.stderr).toContain("model: ");
    expect(run.stderr).toContain("is not the file the manifest describes");
  });
});
