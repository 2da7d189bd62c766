/**
 * `vane retrain --head`: transfer learning for a model vane did not train. The frozen base computes
 * an embedding of each labelled instance under onnxruntime-node; a new classification head (softmax
 * over the new labels) is trained on those embeddings; the head's Gemm/Softmax nodes are appended to
 * the base graph, so one ONNX file maps the base's inputs to the new labels' probabilities.
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { InvalidInputError, UnprocessableError } from "../../core/errors.js";
import type { FeedbackRow } from "../../core/feedback-row.js";
import { checkFitOptions, type EpochCallback, type FitOptions, fitNetwork } from "../../core/learn/fit.js";
import { type Architecture, initialNetwork, type Model } from "../../core/learn/network.js";
import { predictProbabilities } from "../../core/learn/predict.js";
import { denseRows } from "../../core/learn/rows.js";
import type { Manifest } from "../../core/manifest.js";
import type { HostTensor } from "../../core/tensor.js";
import { writeJsonAtomic } from "../files.js";
import { importModel } from "../import.js";
import { MODEL_FILE } from "../manifest.js";
import { MANIFEST_FILE, readManifestDir } from "../model-manifest.js";
import { readAssets } from "../model-run.js";
import { NameAllocator } from "../onnx/graph.js";
import {
  DataType,
  decodeModel,
  encodeModel,
  float32Tensor,
  type GraphProto,
  intAttribute,
  makeNode,
  type NodeProto,
  valueInfo,
} from "../onnx/model.js";
import { concatenate } from "../onnx-runner.js";
import { PROFILE_FILE } from "../publish.js";
import { buildReferenceProfile } from "../reference-profile.js";
import { batchBuilder } from "../requests.js";
import { openSession } from "../runtimes.js";
import { timeWindow } from "./feedback-data.js";
import { splitFeedback } from "./split.js";

export const HEAD_DEFAULTS = {
  heldOut: 0.2,
  validation: 0.2,
  seed: 1,
  arch: "logistic" as Architecture,
  hidden: 32,
  fit: {
    epochs: 200,
    batchSize: 32,
    learningRate: 0.01,
    lrDecay: 0.99,
    l2: 1e-4,
    patience: 10,
    optimizer: "adam",
    seed: 1,
  } satisfies FitOptions,
};

/** The head's output: the new labels' probabilities. */
export const HEAD_OUTPUT = "probabilities";
/** Instances embedded per onnxruntime run. */
const EMBED_BATCH = 32;

export interface HeadOptions {
  /** An imported model directory (manifest.json, model.onnx, its assets). */
  from: string;
  /** The graph output, or inner tensor, holding one float vector per instance. */
  embeddingOutput: string;
  feedback: readonly FeedbackRow[];
  feedbackSource: string;
  /** The new labels, in output order; the feedback's distinct labels, sorted, when absent. */
  labels?: string[];
  out: string;
  name?: string;
  version?: number;
  heldOut?: number;
  validation?: number;
  seed?: number;
  arch?: Architecture;
  hidden?: number;
  training?: Partial<FitOptions>;
  onEpoch?: EpochCallback;
  progress?: (line: string) => void;
}

export interface HeadAccuracy {
  /** Predicting the most frequent training label for every held-out row. */
  chance: number;
  /** The nearest training-label centroid of the frozen embeddings, no training. */
  nearestCentroid: number;
  /** The combined graph (base + new head) under onnxruntime-node. */
  head: number;
}

export interface HeadResult {
  dir: string;
  manifest: Manifest;
  labels: string[];
  embedding: { output: string; width: number };
  sizes: { train: number; validation: number; heldOut: number };
  heldOut: HeadAccuracy;
  bestEpoch: number;
  epochs: number;
}

/** The graph with `name` as a graph output (it may be an inner tensor), the others dropped. */
function exposing(bytes: Uint8Array, name: string): Uint8Array {
  const model = decodeModel(bytes);
  const graph = model.graph as GraphProto;
  const existing = (graph.output ?? []).find((output) => output.name === name);
  const produced = (graph.node ?? []).some((node) => node.output?.includes(name));
  if (!existing && !produced) {
    const outputs = (graph.output ?? []).map((output) => output.name).join(", ");
    throw InvalidInputError.field(
      "embeddingOutput",
      `the graph has no tensor ${name} (its outputs: ${outputs}; an inner tensor is named by its node output)`,
    );
  }
  // An inner tensor's shape is whatever the graph computes: declared without one.
  graph.output = [existing ?? { name, type: { tensorType: { elemType: DataType.FLOAT } } }];
  return encodeModel(model);
}

/** Nodes that nothing the outputs need reads, dropped with the initializers only they read. */
function pruneToOutputs(graph: GraphProto): void {
  const needed = new Set((graph.output ?? []).map((output) => output.name ?? ""));
  const kept: NodeProto[] = [];
  for (const node of [...(graph.node ?? [])].reverse()) {
    if (!(node.output ?? []).some((output) => needed.has(output))) continue;
    kept.push(node);
    for (const input of node.input ?? []) needed.add(input);
  }
  graph.node = kept.reverse();
  graph.initializer = (graph.initializer ?? []).filter((tensor) => needed.has(tensor.name ?? ""));
  graph.valueInfo = (graph.valueInfo ?? []).filter((info) => needed.has(info.name ?? ""));
}

/**
 * The base graph with the head appended on `embedding`; its one output is the head's probabilities,
 * named HEAD_OUTPUT unless the base already uses that name. What only the old outputs needed is dropped.
 */
export function attachHead(
  base: Uint8Array,
  embedding: string,
  head: Model,
): { bytes: Uint8Array; output: string } {
  const model = decodeModel(base);
  const graph = model.graph as GraphProto;
  const names = new NameAllocator(graph);
  let current = embedding;
  head.layers.forEach((layer, l) => {
    const weight = names.fresh(`head.fc${l + 1}.weight`);
    const bias = names.fresh(`head.fc${l + 1}.bias`);
    graph.initializer = [
      ...(graph.initializer ?? []),
      float32Tensor(weight, [layer.inputs, layer.outputs], layer.weight),
      float32Tensor(bias, [layer.outputs], layer.bias),
    ];
    const out = names.fresh(`head.fc${l + 1}.out`);
    graph.node = [
      ...(graph.node ?? []),
      makeNode("Gemm", [current, weight, bias], [out], [], names.fresh(`head.fc${l + 1}`)),
    ];
    current = out;
    if (l < head.layers.length - 1) {
      const relu = names.fresh(`head.fc${l + 1}.relu`);
      graph.node.push(makeNode("Relu", [current], [relu], [], names.fresh(`head.relu${l + 1}`)));
      current = relu;
    }
  });
  const classes = head.layers[head.layers.length - 1].outputs;
  const output = names.fresh(HEAD_OUTPUT);
  graph.node = [
    ...(graph.node ?? []),
    makeNode("Softmax", [current], [output], [intAttribute("axis", 1)], names.fresh("head.softmax")),
  ];
  graph.output = [valueInfo(output, DataType.FLOAT, ["batch", classes])];
  pruneToOutputs(graph);
  return { bytes: encodeModel(model), output };
}

interface Embedded {
  /** Row-major [rows, width]. */
  values: Float32Array;
  width: number;
}

/** The frozen base's embedding of every row's instance (or stored features), under onnxruntime-node. */
async function embed(
  dir: string,
  manifest: Manifest,
  bytes: Uint8Array,
  output: string,
  rows: readonly FeedbackRow[],
  source: string,
): Promise<Embedded> {
  const builder = batchBuilder(manifest, await readAssets(dir, manifest));
  const session = await openSession("node", exposing(bytes, output));
  try {
    const parts: Float32Array[] = [];
    let width = 0;
    for (let start = 0; start < rows.length; start += EMBED_BATCH) {
      const chunk = rows.slice(start, start + EMBED_BATCH);
      chunk.forEach((row, i) => {
        if (row.instance === undefined) {
          throw InvalidInputError.field(
            `${source}:${start + i + 1}.instance`,
            "a head is trained on the base's embedding of the instance: keep instances (manifest feedbackData keep: instance)",
          );
        }
      });
      const batch = builder.build({ instances: chunk.map((row) => row.instance) });
      const tensor: HostTensor | undefined = (await session.run(batch.feeds))[output];
      if (tensor?.dtype !== "float32" || tensor.dims.length !== 2 || tensor.dims[0] !== chunk.length) {
        throw InvalidInputError.field(
          "embeddingOutput",
          `${output} is ${tensor ? `${tensor.dtype} [${tensor.dims}]` : "not produced"}, not one float32 vector per instance`,
        );
      }
      width = tensor.dims[1];
      parts.push(tensor.data as Float32Array);
    }
    return { values: concatenate(parts), width };
  } finally {
    await session.release();
  }
}

function pick(embedded: Embedded, rows: readonly number[]): Float32Array {
  const out = new Float32Array(rows.length * embedded.width);
  rows.forEach((row, i) => {
    out.set(embedded.values.subarray(row * embedded.width, (row + 1) * embedded.width), i * embedded.width);
  });
  return out;
}

/** Mean and standard deviation of each column (a constant column gets 1, so it divides by nothing). */
function standardization(values: Float32Array, width: number): { mean: Float64Array; scale: Float64Array } {
  const rows = values.length / width;
  const mean = new Float64Array(width);
  const scale = new Float64Array(width);
  for (let i = 0; i < values.length; i++) mean[i % width] += values[i] / rows;
  for (let i = 0; i < values.length; i++) scale[i % width] += (values[i] - mean[i % width]) ** 2 / rows;
  for (let d = 0; d < width; d++) scale[d] = scale[d] > 1e-12 ? Math.sqrt(scale[d]) : 1;
  return { mean, scale };
}

function standardize(values: Float32Array, width: number, s: { mean: Float64Array; scale: Float64Array }) {
  return values.map((value, i) => (value - s.mean[i % width]) / s.scale[i % width]);
}

/** The head trained on standardized embeddings, rewritten to take the raw embedding. */
function foldStandardization(model: Model, s: { mean: Float64Array; scale: Float64Array }): Model {
  const [first, ...rest] = model.layers;
  const weight = new Float32Array(first.weight.length);
  const bias = Float32Array.from(first.bias);
  for (let d = 0; d < first.inputs; d++) {
    for (let k = 0; k < first.outputs; k++) {
      const w = first.weight[d * first.outputs + k] / s.scale[d];
      weight[d * first.outputs + k] = w;
      bias[k] -= s.mean[d] * w;
    }
  }
  return { ...model, layers: [{ ...first, weight, bias }, ...rest] };
}

function accuracyOf(probabilities: ArrayLike<number>, labels: Uint8Array, classes: number): number {
  let correct = 0;
  for (let row = 0; row < labels.length; row++) {
    let best = 0;
    for (let c = 1; c < classes; c++) {
      if (probabilities[row * classes + c] > probabilities[row * classes + best]) best = c;
    }
    if (best === labels[row]) correct++;
  }
  return correct / labels.length;
}

function nearestCentroidAccuracy(
  train: Float32Array,
  trainLabels: Uint8Array,
  test: Float32Array,
  testLabels: Uint8Array,
  width: number,
  classes: number,
): number {
  const centroids = Array.from({ length: classes }, () => new Float64Array(width));
  const counts = new Float64Array(classes);
  trainLabels.forEach((label, row) => {
    counts[label]++;
    for (let d = 0; d < width; d++) centroids[label][d] += train[row * width + d];
  });
  centroids.forEach((centroid, c) => {
    for (let d = 0; d < width; d++) centroid[d] /= Math.max(1, counts[c]);
  });
  let correct = 0;
  testLabels.forEach((label, row) => {
    let best = -1;
    let bestDistance = Infinity;
    centroids.forEach((centroid, c) => {
      if (counts[c] === 0) return;
      let distance = 0;
      for (let d = 0; d < width; d++) distance += (test[row * width + d] - centroid[d]) ** 2;
      if (distance < bestDistance) {
        bestDistance = distance;
        best = c;
      }
    });
    if (best === label) correct++;
  });
  return correct / testLabels.length;
}

export async function trainHead(options: HeadOptions): Promise<HeadResult> {
  const progress = options.progress ?? (() => {});
  const { manifest: base, model: baseBytes } = await readManifestDir(options.from);
  const labels = options.labels ?? [...new Set(options.feedback.map((row) => row.label))].sort();
  if (labels.length < 2) {
    throw InvalidInputError.field(
      "labels",
      `a classification head needs at least 2 labels, got ${labels.join(", ")}`,
    );
  }
  const labelIndex = Uint8Array.from(options.feedback, (row, i) => {
    const index = labels.indexOf(row.label);
    if (index < 0) {
      throw InvalidInputError.field(
        `${options.feedbackSource}:${i + 1}.label`,
        `"${row.label}" is not one of ${labels.join(", ")}`,
      );
    }
    return index;
  });
  const seed = options.seed ?? HEAD_DEFAULTS.seed;
  const split = splitFeedback(
    labelIndex,
    labels.length,
    options.heldOut ?? HEAD_DEFAULTS.heldOut,
    options.validation ?? HEAD_DEFAULTS.validation,
    seed,
  );

  progress(
    `embedding ${options.feedback.length} instances with ${base.name}@${base.version} (${options.embeddingOutput})`,
  );
  const embedded = await embed(
    options.from,
    base,
    baseBytes,
    options.embeddingOutput,
    options.feedback,
    options.feedbackSource,
  );
  const { width } = embedded;
  const part = (rows: number[]) => ({
    values: pick(embedded, rows),
    labels: Uint8Array.from(rows, (row) => labelIndex[row]),
  });
  const train = part(split.train);
  const validation = part(split.validation);
  const heldOut = part(split.heldOut);
  const scaling = standardization(train.values, width);
  const fit: FitOptions = { ...HEAD_DEFAULTS.fit, seed, ...options.training };
  checkFitOptions(fit);
  const arch = options.arch ?? HEAD_DEFAULTS.arch;
  const network = initialNetwork(
    { arch, hidden: options.hidden ?? HEAD_DEFAULTS.hidden, seed },
    width,
    labels.length,
  );
  const targets = (rows: { labels: Uint8Array }) => ({
    kind: "classes" as const,
    labels: rows.labels,
    classes: labels.length,
  });
  const result = fitNetwork(
    network,
    {
      train: {
        features: denseRows(standardize(train.values, width, scaling), width),
        targets: targets(train),
      },
      validation: {
        features: denseRows(standardize(validation.values, width, scaling), width),
        targets: targets(validation),
      },
    },
    fit,
    { onEpoch: options.onEpoch },
  );
  const head = foldStandardization(result.model, scaling);
  const combined = attachHead(baseBytes, options.embeddingOutput, head);

  const scratch = await mkdtemp(join(tmpdir(), "vane-head-"));
  try {
    const source = join(scratch, MODEL_FILE);
    await writeFile(source, combined.bytes);
    const reference = join(scratch, "reference.jsonl");
    await writeFile(
      reference,
      split.train.map((row) => JSON.stringify({ instances: [options.feedback[row].instance] })).join("\n"),
    );
    const name = options.name ?? base.name;
    const version = options.version ?? base.version + 1;
    progress(`importing the combined graph as ${name}@${version}`);
    const imported = await importModel({
      source,
      out: options.out,
      name,
      version,
      task: { kind: "classification", output: combined.output, labels, softmax: false },
      input: base.input,
      assets: base.assets.map((asset) => join(options.from, asset.file)),
      sample: { instances: split.heldOut.slice(0, 2).map((row) => options.feedback[row].instance) },
      description: `${base.name}@${base.version} with a ${labels.length}-class head on ${options.embeddingOutput}`,
    });
    const { manifest: served, model: servedBytes } = await readManifestDir(options.out);
    const scores = await headScores(
      options.out,
      served,
      servedBytes,
      combined.output,
      split.heldOut.map((row) => options.feedback[row]),
    );
    const accuracy: HeadAccuracy = {
      chance: majorityAccuracy(train.labels, heldOut.labels, labels.length),
      nearestCentroid: nearestCentroidAccuracy(
        train.values,
        train.labels,
        heldOut.values,
        heldOut.labels,
        width,
        labels.length,
      ),
      head: accuracyOf(scores, heldOut.labels, labels.length),
    };
    // The graph must compute the head that was trained, on the embeddings the base computes.
    const expected = predictProbabilities(head, denseRows(heldOut.values, width));
    const difference = Math.max(...Array.from(expected, (p, i) => Math.abs(p - scores[i])));
    if (!(difference < 1e-3)) {
      throw new UnprocessableError(
        `the combined graph's probabilities differ from the head's by ${difference}`,
      );
    }
    progress("profiling the new model on its training instances");
    const built = await buildReferenceProfile(options.out, served, servedBytes, reference);
    await writeJsonAtomic(join(options.out, PROFILE_FILE), built.profile);
    const window = timeWindow(options.feedback);
    const sizes = {
      train: split.train.length,
      validation: split.validation.length,
      heldOut: split.heldOut.length,
    };
    const manifest: Manifest = {
      ...imported.manifest,
      drift: built.drift,
      profile: PROFILE_FILE,
      lineage: {
        parent: { version: base.version },
        method: "head",
        createdAt: imported.manifest.createdAt,
        data: {
          ...window,
          feedbackRows: options.feedback.length,
          heldOutRows: split.heldOut.length,
        },
        metrics: {
          heldOutAccuracy: accuracy.head,
          nearestCentroidAccuracy: accuracy.nearestCentroid,
          chanceAccuracy: accuracy.chance,
        },
      },
      training: {
        ...imported.manifest.training,
        method: "head",
        base: { name: base.name, version: base.version, sha256: base.model.sha256 },
        embeddingOutput: options.embeddingOutput,
        arch,
        hyperparameters: fit,
        feedback: {
          source: options.feedbackSource,
          ...window,
          rows: options.feedback.length,
          sizes,
        },
        heldOut: accuracy,
        bestEpoch: result.bestEpoch,
      },
    };
    await writeJsonAtomic(join(options.out, MANIFEST_FILE), manifest);
    return {
      dir: options.out,
      manifest,
      labels,
      embedding: { output: options.embeddingOutput, width },
      sizes,
      heldOut: accuracy,
      bestEpoch: result.bestEpoch,
      epochs: result.history.length,
    };
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}

function majorityAccuracy(train: Uint8Array, test: Uint8Array, classes: number): number {
  const counts = new Array<number>(classes).fill(0);
  for (const label of train) counts[label]++;
  const majority = counts.indexOf(Math.max(...counts));
  return test.filter((label) => label === majority).length / test.length;
}

/** The served graph's probabilities for the rows' instances, as the Worker would compute them. */
async function headScores(
  dir: string,
  manifest: Manifest,
  bytes: Uint8Array,
  output: string,
  rows: readonly FeedbackRow[],
): Promise<Float32Array> {
  const builder = batchBuilder(manifest, await readAssets(dir, manifest));
  const session = await openSession("node", bytes);
  try {
    const parts: Float32Array[] = [];
    for (let start = 0; start < rows.length; start += EMBED_BATCH) {
      const batch = builder.build({
        instances: rows.slice(start, start + EMBED_BATCH).map((row) => row.instance),
      });
      parts.push((await session.run(batch.feeds))[output].data as Float32Array);
    }
    return concatenate(parts);
  } finally {
    await session.release();
  }
}
