/**
 * Node side of the zoo's Worker tests: each fixture of models/zoo imported by the real `vane import`,
 * profiled on its sample by `vane profile --reference`, validated and laid out as `vane publish`
 * uploads it, and onnxruntime-node's outputs for its sample on the imported bytes.
 */
import { execFile } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { tensorBatch } from "../../src/core/kinds/tensors/features.js";
import type { TensorInput } from "../../src/core/kinds/tensors/schema.js";
import { readVersionFiles } from "../../src/toolchain/publish.js";
import { TOOLCHAIN_LIMITS } from "../../src/toolchain/requests.js";
import { runOnce } from "../../src/toolchain/runtimes.js";
import type { ZooVersion } from "./fixtures.js";

const ZOO_DIR = "models/zoo";

/** How each fixture is imported: what its outputs mean. */
const ZOO_TASKS: Record<string, string[]> = {
  mlp: ["--labels", "a,b,c", "--softmax"],
  cnn: ["--labels-file", "models/zoo/cnn/labels.txt", "--softmax"],
  encoder: ["--output", "logits", "--labels-file", "models/zoo/encoder/labels.txt", "--softmax"],
  constants: ["--task", "raw"],
  multi: ["--task", "regression", "--output", "score"],
  sklearn: ["--output", "probabilities", "--labels-file", "models/zoo/sklearn/labels.txt"],
  large: ["--task", "embedding", "--output", "sentence_embedding", "--normalize"],
};

const run = promisify(execFile);
const vane = (args: string[]) =>
  run(process.execPath, ["bin/vane.js", ...args], { maxBuffer: 16 * 1024 * 1024 });

/** The sample's instances, one JSONL line each: the reference the profile is built on. */
function referenceLines(inputs: Record<string, TensorInput & { data: number[] }>): string {
  const size = Object.values(inputs)[0].dims[0];
  return Array.from({ length: size }, (_, i) => {
    const one = Object.fromEntries(
      Object.entries(inputs).map(([name, t]) => {
        const per = t.data.length / size;
        return [
          name,
          { dims: [1, ...t.dims.slice(1)], dtype: t.dtype, data: t.data.slice(i * per, (i + 1) * per) },
        ];
      }),
    );
    return JSON.stringify({ inputs: one });
  }).join("\n");
}

/** The zoo fixtures (all, or the ones named), each as `vane import` and `vane profile` make it. */
export async function zooVersions(
  only: readonly string[] = Object.keys(ZOO_TASKS),
): Promise<Record<string, ZooVersion>> {
  const scratch = await mkdtemp(join(tmpdir(), "vane-zoo-worker-"));
  try {
    const zoo: Record<string, ZooVersion> = {};
    for (const fixture of only) {
      const task = ZOO_TASKS[fixture];
      const dir = join(scratch, fixture);
      const name = `zoo-${fixture}`;
      await vane(["import", join(ZOO_DIR, fixture, "model.onnx"), "--out", dir, "--name", name, ...task]);
      const sample = JSON.parse(await readFile(join(ZOO_DIR, fixture, "sample.json"), "utf8")).inputs;
      const reference = join(scratch, `${fixture}.jsonl`);
      await writeFile(reference, referenceLines(sample));
      await vane(["profile", dir, "--reference", reference]);
      const version = await readVersionFiles(dir, {});
      const feeds = tensorBatch(version.manifest.inputs, sample, TOOLCHAIN_LIMITS).feeds;
      const outputs = await runOnce("node", version.files["model.onnx"], feeds);
      zoo[fixture] = {
        manifest: version.manifest,
        files: Object.fromEntries(
          Object.entries(version.files).map(([file, bytes]) => [file, Buffer.from(bytes).toString("base64")]),
        ),
        sample,
        reference: Object.fromEntries(
          Object.entries(outputs).map(([output, t]) => [
            output,
            { dims: [...t.dims], data: Array.from(t.data, Number) },
          ]),
        ),
      };
    }
    return zoo;
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}
