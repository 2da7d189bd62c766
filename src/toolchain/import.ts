/**
 * `vane import`: any ONNX file -> a vane model directory (model.onnx, the assets its input kind
 * reads, manifest.json). The graph says what it takes and returns; the caller says what the graph
 * cannot (the task, the labels, the input kind). Before anything is written the model is run once
 * under onnxruntime-node and once under onnxruntime-web as the Worker configures it, the two answers
 * compared, and the web session's memory measured: a model the Worker cannot load, run or fit is
 * refused here, not in production.
 */
import { existsSync } from "node:fs";
import { basename, join } from "node:path";
import { ConflictError, InvalidInputError, UnprocessableError } from "../core/errors.js";
import type { Assets, FeatureBatch } from "../core/kinds/kind.js";
import { InputSpec, kindOf } from "../core/kinds/registry.js";
import { Manifest, MODEL_NAME } from "../core/manifest.js";
import { answer, OutputError } from "../core/tasks/answer.js";
import { TaskSpec } from "../core/tasks/schema.js";
import type { HostTensor } from "../core/tensor.js";
import { readInputFile, writeFileAtomic, writeJsonAtomic } from "./files.js";
import { MODEL_FILE, sha256Hex } from "./manifest.js";
import { checkManifestAgainstGraph } from "./manifest-check.js";
import { MANIFEST_FILE } from "./model-manifest.js";
import { withInputBounds } from "./onnx/input-bounds.js";
import { loadModel } from "./onnx/load.js";
import { type GraphSignature, graphSignature } from "./onnx/signature.js";
import { batchBuilder, buildLine, type RequestBody, sampleFeeds } from "./requests.js";
import { compareOutputs, type OutputAgreement, runOnce } from "./runtimes.js";
import { measureSessionMemory, type SessionMemory, WORKER_MEMORY_BYTES } from "./session-memory.js";

export const TASK_KINDS = ["classification", "regression", "embedding", "raw"] as const;
export type TaskKind = (typeof TASK_KINDS)[number];

/** What the caller says about the outputs (everything optional: the graph fills in what it can). */
export interface TaskChoice {
  kind?: TaskKind;
  output?: string;
  labels?: string[];
  softmax?: boolean;
  normalize?: boolean;
}

export interface ImportOptions {
  source: string;
  out: string;
  name: string;
  version: number;
  task: TaskChoice;
  /** The manifest's `input` (kind and spec) as given; tensors unless told otherwise. */
  input?: unknown;
  /** Files the input kind reads at serving time, copied beside the model. */
  assets?: readonly string[];
  /** The request body to check the model with, instead of one built from the declared shapes. */
  sample?: RequestBody;
  description?: string;
  /** The isolate memory the model must fit in. */
  memoryLimitBytes?: number;
  progress?: (line: string) => void;
}

export interface ImportReport {
  dir: string;
  manifest: Manifest;
  source: { path: string; bytesOnDisk: number; externalDataFiles: string[]; liftedConstants: string[] };
  opsets: Record<string, number>;
  producer: string;
  /** The sample each runtime ran, by input: its dims. */
  sample: Record<string, number[]>;
  /** onnxruntime-web against onnxruntime-node on the sample, per output. */
  agreement: OutputAgreement[];
  memory: SessionMemory & { limitBytes: number };
  notes: string[];
}

/** The two runtimes may differ by float rounding in their kernels, no more. */
const AGREEMENT_TOLERANCE = 1e-3;

const MIB = 1024 * 1024;
const mb = (bytes: number) => `${(bytes / MIB).toFixed(1)} MB`;

function resolveTask(choice: TaskChoice, graph: GraphSignature): TaskSpec {
  const kind = choice.kind ?? (choice.labels ? "classification" : "raw");
  if (kind === "raw") return { kind: "raw" };
  let output = choice.output;
  if (output === undefined) {
    if (graph.outputs.length !== 1) {
      const names = graph.outputs.map((o) => o.name).join(", ");
      throw InvalidInputError.field(
        "output",
        `the graph has outputs ${names}: name the one the ${kind} reads`,
      );
    }
    output = graph.outputs[0].name;
  }
  const spec = graph.outputs.find((o) => o.name === output);
  if (kind === "classification") {
    let labels = choice.labels;
    if (!labels) {
      const width = spec?.shape.at(-1);
      if (typeof width !== "number") {
        throw InvalidInputError.field("labels", `${output} has no fixed number of classes: give the labels`);
      }
      // Without names, classes are known by their index.
      labels = Array.from({ length: width }, (_, i) => String(i));
    }
    return { kind, output, labels, softmax: choice.softmax ?? false };
  }
  if (kind === "embedding") return { kind, output, normalize: choice.normalize ?? false };
  return { kind, output };
}

function parseInputSpec(raw: unknown): InputSpec {
  const parsed = InputSpec.safeParse(raw ?? { kind: "tensors" });
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  throw InvalidInputError.field(["input", ...issue.path.map(String)].join("."), issue.message);
}

async function readAssets(paths: readonly string[]): Promise<Map<string, Uint8Array>> {
  const assets = new Map<string, Uint8Array>();
  for (const path of paths) {
    const file = basename(path);
    if (file === MODEL_FILE || file === MANIFEST_FILE || assets.has(file)) {
      throw InvalidInputError.field("asset", `${path}: the version folder already has a file named ${file}`);
    }
    assets.set(file, await readInputFile(path, "asset"));
  }
  return assets;
}

/** Rows of a classification output that are not probabilities suggest logits without --softmax. */
function logitsNote(task: TaskSpec, outputs: Readonly<Record<string, HostTensor>>): string | undefined {
  if (task.kind !== "classification" || task.softmax) return undefined;
  const data = outputs[task.output]?.data;
  if (!data) return undefined;
  const width = task.labels.length;
  for (let row = 0; row * width < data.length; row++) {
    let sum = 0;
    for (let j = 0; j < width; j++) {
      const v = Number(data[row * width + j]);
      if (v < 0 || v > 1)
        return `${task.output} holds scores outside [0, 1] (logits?): import with --softmax to answer probabilities`;
      sum += v;
    }
    if (Math.abs(sum - 1) > 1e-3)
      return `${task.output}'s rows do not sum to 1 (logits?): import with --softmax to answer probabilities`;
  }
  return undefined;
}

function sampleBatch(
  manifest: Manifest,
  assets: Assets,
  graph: GraphSignature,
  sample?: RequestBody,
): FeatureBatch {
  if (sample) return buildLine(batchBuilder(manifest, assets), { line: 1, body: sample }, "sample");
  const feeds = sampleFeeds(graph.inputs);
  return { feeds, size: Object.values(feeds)[0]?.dims[0] ?? 1, drift: () => ({}) };
}

export async function importModel(options: ImportOptions): Promise<ImportReport> {
  const progress = options.progress ?? (() => {});
  if (!MODEL_NAME.test(options.name)) {
    throw InvalidInputError.field("name", `must match ${MODEL_NAME}, got ${JSON.stringify(options.name)}`);
  }
  if (existsSync(join(options.out, MANIFEST_FILE))) {
    throw new ConflictError(
      `${options.out} already holds a model (${MANIFEST_FILE}): import into a new directory`,
    );
  }
  const loaded = await loadModel(options.source);
  const graph = graphSignature(loaded.model);
  const assets = await readAssets(options.assets ?? []);
  const input = parseInputSpec(options.input);
  const wanted = kindOf(input).instances?.assets(input) ?? [];
  for (const file of wanted) {
    if (!assets.has(file))
      throw InvalidInputError.field("asset", `the ${input.kind} spec reads ${file}: pass it with --asset`);
  }
  const task = TaskSpec.parse(resolveTask(options.task, graph));
  const draft = Manifest.safeParse({
    name: options.name,
    version: options.version,
    createdAt: new Date().toISOString(),
    description: options.description,
    model: { file: MODEL_FILE, sha256: sha256Hex(loaded.bytes), bytes: loaded.bytes.byteLength },
    assets: [...assets].map(([file, bytes]) => ({ file, sha256: sha256Hex(bytes), bytes: bytes.byteLength })),
    inputs: withInputBounds(loaded.model, graph.inputs),
    outputs: graph.outputs,
    input,
    task,
    training: { importedFrom: basename(options.source), producer: graph.producer, opsets: graph.opsets },
  });
  if (!draft.success) {
    throw new InvalidInputError(
      draft.error.issues.map((issue) => ({
        field: issue.path.join(".") || "manifest",
        message: issue.message,
      })),
    );
  }
  checkManifestAgainstGraph(draft.data, graph, assets);

  const batch = sampleBatch(draft.data, assets, graph, options.sample);
  progress(`running ${options.source} under onnxruntime-node and onnxruntime-web`);
  const reference = await runOnce("node", loaded.bytes, batch.feeds);
  const web = await runOnce("web", loaded.bytes, batch.feeds);
  const agreement = compareOutputs(reference, web);
  for (const { output, maxAbsDifference } of agreement) {
    let scale = 1;
    for (const v of reference[output].data)
      if (Number.isFinite(Number(v))) scale = Math.max(scale, Math.abs(Number(v)));
    if (!(maxAbsDifference <= AGREEMENT_TOLERANCE * scale)) {
      throw new UnprocessableError(
        `onnxruntime-web (the Worker's runtime) answers ${output} differently from onnxruntime-node on the sample: max |difference| ${maxAbsDifference}`,
      );
    }
  }
  try {
    answer(task, reference, batch.size);
  } catch (error) {
    if (error instanceof OutputError) throw InvalidInputError.field("task", error.message);
    throw error;
  }

  progress("measuring the onnxruntime-web session's memory");
  const memory = await measureSessionMemory(loaded.bytes, batch.feeds);
  const limitBytes = options.memoryLimitBytes ?? WORKER_MEMORY_BYTES;
  const needed = memory.runtimeBytes + memory.sessionBytes;
  if (needed > limitBytes) {
    throw new UnprocessableError(
      `the model cannot fit a Worker: its onnxruntime-web session takes ${mb(memory.sessionBytes)} and the runtime ${mb(memory.runtimeBytes)}, ${mb(needed)} in all, ${mb(needed - limitBytes)} over the isolate's ${mb(limitBytes)}`,
    );
  }
  const manifest: Manifest = { ...draft.data, memory: { sessionBytes: memory.sessionBytes } };

  await writeFileAtomic(join(options.out, MODEL_FILE), loaded.bytes);
  for (const [file, bytes] of assets) await writeFileAtomic(join(options.out, file), bytes);
  await writeJsonAtomic(join(options.out, MANIFEST_FILE), manifest);
  const note = logitsNote(task, reference);
  return {
    dir: options.out,
    manifest,
    source: {
      path: options.source,
      bytesOnDisk: loaded.bytesOnDisk,
      externalDataFiles: loaded.externalDataFiles,
      liftedConstants: loaded.liftedConstants,
    },
    opsets: graph.opsets,
    producer: graph.producer,
    sample: Object.fromEntries(Object.entries(batch.feeds).map(([name, t]) => [name, [...t.dims]])),
    agreement,
    memory: { ...memory, limitBytes },
    notes: note ? [note] : [],
  };
}
