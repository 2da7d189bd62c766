/**
 * `vane retrain` of a model `vane train --data` made (a tabular classifier: model.onnx, manifest.json,
 * training-run.json): warm-started from its served weights (an int8 version dequantized), tuned on the
 * exported feedback, featurized by its own tabular spec, mixed with a replay share of its training
 * split rebuilt from the dataset file (checked against the recorded digests), and judged against its
 * parent on held-out feedback and on the parent's test split, both as served.
 */
import { isAbsolute, join, resolve } from "node:path";
import { z } from "zod";
import { InvalidInputError, UnprocessableError } from "../../core/errors.js";
import { type FeedbackRow, keptInstances } from "../../core/feedback-row.js";
import { featureWidth, tabularFeaturizer } from "../../core/kinds/tabular/features.js";
import type { TabularSpec } from "../../core/kinds/tabular/schema.js";
import { type FitOptions, fitNetwork, type Split } from "../../core/learn/fit.js";
import { type MulticlassMetrics, multiclassMetrics } from "../../core/learn/metrics.js";
import { Network } from "../../core/learn/network.js";
import { deriveSeed, Prng } from "../../core/learn/prng.js";
import { denseRows } from "../../core/learn/rows.js";
import { Manifest } from "../../core/manifest.js";
import { type DatasetRow, datasetMatrix, loadDataset, type SplitName } from "../dataset/index.js";
import { exportOnnx } from "../export.js";
import { readJsonFile, writeFileAtomic, writeJsonAtomic } from "../files.js";
import { MODEL_FILE, retrainLineage, sha256Hex } from "../manifest.js";
import { loadModelFile } from "../model-dir.js";
import { MANIFEST_FILE, readManifestFile } from "../model-manifest.js";
import { decodeModel } from "../onnx/model.js";
import { nodeMatrixScores } from "../onnx-runner.js";
import { PROFILE_FILE } from "../publish.js";
import { type QuantizeOptions, quantizeModel } from "../quantize.js";
import { referenceProfileOf } from "../reference-profile.js";
import type { RequestLine } from "../requests.js";
import type { DatasetTrainingRecord } from "../train/dataset-run.js";
import { TRAINING_RUN_FILE } from "../train/dataset-run.js";
import { DEFAULT_FINE_TUNE } from "../train/finetune.js";
import { withoutUndefined } from "../train/trainer.js";
import { feedbackSummary, rowFeatures } from "./feedback-data.js";
import {
  fraction,
  parentQuantization,
  RETRAIN_DEFAULTS,
  type RetrainOptions,
  replaySample,
  warmStart,
} from "./retrain.js";
import { splitFeedback } from "./split.js";

/** The parts of the parent's training-run.json a retrain reads (the rest is carried over as it is). */
const ParentRecord = z
  .object({
    data: z
      .object({
        path: z.string(),
        sha256: z.string(),
        label: z.string(),
        features: z.array(z.string()),
        text: z.null(),
        where: z.record(z.string(), z.string()).optional(),
        split: z.object({
          rule: z.unknown(),
          seed: z.number().int(),
          validationFraction: z.number(),
          testFraction: z.number(),
          digests: z.record(z.string(), z.string()),
        }),
      })
      .loose(),
    model: z.object({ labels: z.array(z.string()).min(2), head: z.literal("softmax") }).loose(),
    classWeights: z
      .object({ weights: z.array(z.number()) })
      .loose()
      .nullable(),
    hyperparameters: z
      .object({
        batchSize: z.number(),
        learningRate: z.number(),
        lrDecay: z.number(),
        l2: z.number(),
        patience: z.number(),
        optimizer: z.enum(["adam", "sgd"]),
        seed: z.number(),
      })
      .loose(),
  })
  .loose();

export interface Comparison {
  parent: MulticlassMetrics;
  child: MulticlassMetrics;
}

export interface DatasetRetrainResult {
  parent: Manifest;
  /** The served bytes (int8 when the parent's are) and the float model's size. */
  served: Uint8Array;
  fp32Bytes: number;
  /** The parent's quantization, null for a float parent (the child is then float too). */
  quantization: QuantizeOptions | null;
  record: DatasetTrainingRecord & { retraining: DatasetRetraining };
  /** Instances the child was tuned on, for its drift profile: feedback that kept them, then replay. */
  reference: { instances: unknown[]; feedbackInstances: number };
}

export interface DatasetRetraining {
  method: "retrain";
  parent: { name: string; version: number; sha256: string };
  feedback: {
    source: string;
    from: string;
    to: string;
    rows: number;
    sizes: { train: number; validation: number; test: number };
    byLabel: number[];
  };
  replay: { share: number; train: number; validation: number };
  heldOut: Comparison;
  parentTest: Comparison;
}

interface Labelled {
  matrix: Float32Array;
  labels: Int32Array;
}

const isQuantized = (onnx: Uint8Array) =>
  (decodeModel(onnx).graph?.node ?? []).some((node) =>
    ["DequantizeLinear", "DynamicQuantizeLinear"].includes(node.opType ?? ""),
  );

function tabularSpecOf(manifest: Manifest, from: string): TabularSpec {
  if (manifest.input.kind !== "tabular" || manifest.task.kind !== "classification") {
    throw InvalidInputError.field(
      "from",
      `${from} is a ${manifest.input.kind} ${manifest.task.kind} model: a dataset model's retrain takes a tabular classifier`,
    );
  }
  return manifest.input;
}

/** Feedback rows as the parent's input matrix: the kept features, else the kept instance featurized. */
function featurizeFeedback(
  rows: readonly FeedbackRow[],
  spec: TabularSpec,
  labels: readonly string[],
  source: string,
): Labelled {
  const width = featureWidth(spec);
  const featurizer = tabularFeaturizer(spec);
  const matrix = new Float32Array(rows.length * width);
  const classes = rows.map((row, i) => {
    const field = `${source}:${i + 1}`;
    const label = labels.indexOf(row.label);
    if (label < 0) {
      throw InvalidInputError.field(`${field}.label`, `"${row.label}" is not one of ${labels.join(", ")}`);
    }
    const instance = row.instance;
    const vector =
      rowFeatures(row, width, field) ??
      (instance && typeof instance === "object" && !Array.isArray(instance)
        ? featurizer.featurize(
            [instance as Record<string, unknown>],
            (_, column) => `${field}.instance.${column}`,
          ).matrix
        : null);
    if (!vector) {
      throw InvalidInputError.field(
        field,
        "carries neither features nor an instance: keep feedback data for the model (manifest feedbackData)",
      );
    }
    matrix.set(vector, i * width);
    return label;
  });
  return { matrix, labels: Int32Array.from(classes) };
}

function pick(set: Labelled, rows: readonly number[], width: number): Labelled {
  const matrix = new Float32Array(rows.length * width);
  rows.forEach((row, i) => {
    matrix.set(set.matrix.subarray(row * width, (row + 1) * width), i * width);
  });
  return { matrix, labels: Int32Array.from(rows, (row) => set.labels[row]) };
}

function concat(parts: readonly Labelled[]): Labelled {
  const matrix = new Float32Array(parts.reduce((n, p) => n + p.matrix.length, 0));
  const labels = new Int32Array(parts.reduce((n, p) => n + p.labels.length, 0));
  let at = 0;
  let row = 0;
  for (const part of parts) {
    matrix.set(part.matrix, at);
    labels.set(part.labels, row);
    at += part.matrix.length;
    row += part.labels.length;
  }
  return { matrix, labels };
}

/**
 * The parent's dataset split rebuilt from its file with the options it was trained with, refused
 * when the file or the split differs from the recorded one (replay must not leak test rows).
 */
async function parentSplits(record: z.infer<typeof ParentRecord>, spec: TabularSpec, dir: string) {
  const { data } = record;
  const path = isAbsolute(data.path) ? data.path : resolve(data.path);
  const dataset = await loadDataset(path, {
    label: data.label,
    features: data.features,
    categorical: spec.columns.filter((column) => column.type === "categorical").map((column) => column.name),
    missing: spec.columns.some((column) => column.missing.policy === "refuse") ? "refuse" : "impute",
    split: data.split.rule as Parameters<typeof loadDataset>[1]["split"],
    seed: data.split.seed,
    validationFraction: data.split.validationFraction,
    testFraction: data.split.testFraction,
    where: data.where,
    input: spec.input,
  }).catch((error: unknown) => {
    throw new UnprocessableError(
      `the parent's training data ${path} (from ${join(dir, TRAINING_RUN_FILE)}) cannot be read for replay: ${(error as Error).message}`,
    );
  });
  if (dataset.source.sha256 !== data.sha256) {
    throw new UnprocessableError(`${path} is not the file the parent was trained on (its sha256 differs)`);
  }
  for (const split of ["train", "validation", "test"] as const) {
    if (dataset.split.digests[split] !== data.split.digests[split]) {
      throw new UnprocessableError(
        `the ${split} split rebuilt from ${path} differs from the one the parent was trained on`,
      );
    }
  }
  // Featurized by the parent's own spec, as the Worker feeds the parent.
  const fed = { ...dataset, spec };
  const rows = (split: SplitName): Labelled => ({
    matrix: datasetMatrix(fed, split).matrix,
    labels: Int32Array.from(dataset.splits[split], (row) => row.target),
  });
  return { dataset, rows };
}

/** Accuracy and the rest of served bytes on labelled rows, under onnxruntime-node. */
async function servedMetrics(
  onnx: Uint8Array,
  manifest: Manifest,
  set: Labelled,
  width: number,
): Promise<MulticlassMetrics> {
  if (manifest.task.kind !== "classification") throw new Error("a tabular classifier has labels");
  const probabilities = await nodeMatrixScores(
    onnx,
    manifest.inputs[0].name,
    manifest.task.output,
    set.matrix,
    set.labels.length,
    width,
  );
  return multiclassMetrics(set.labels, probabilities, manifest.task.labels);
}

/** A dataset row's features as the instance a request would send (missing cells left out). */
function instanceOf(row: DatasetRow): Record<string, unknown> {
  return Object.fromEntries(Object.entries(row.features).filter(([, value]) => value !== null));
}

export async function retrainDatasetModel(options: RetrainOptions): Promise<DatasetRetrainResult> {
  const replayShare = fraction(options.replayShare ?? RETRAIN_DEFAULTS.replayShare, "replayShare");
  const heldOut = fraction(options.heldOut ?? RETRAIN_DEFAULTS.heldOut, "heldOut");
  const validationShare = fraction(options.validation ?? RETRAIN_DEFAULTS.validation, "validation");
  const seed = options.seed ?? RETRAIN_DEFAULTS.seed;
  const parent = await readManifestFile(options.from);
  const spec = tabularSpecOf(parent, options.from);
  const labels = parent.task.kind === "classification" ? parent.task.labels : [];
  const { bytes: parentBytes } = await loadModelFile(join(options.from, parent.model.file));
  if (parent.model.sha256 !== sha256Hex(parentBytes)) {
    throw InvalidInputError.field("from", `${options.from}'s model is not the one its manifest describes`);
  }
  const recordPath = join(options.from, TRAINING_RUN_FILE);
  const parsed = ParentRecord.safeParse(await readJsonFile(recordPath, "training record"));
  if (!parsed.success) {
    throw new UnprocessableError(
      `${recordPath} is not the record of a tabular classifier vane trained:\n${z.prettifyError(parsed.error)}`,
    );
  }
  const parentRecord = parsed.data;
  const width = featureWidth(spec);
  const model = warmStart(parentBytes, labels.length);

  const feedback = featurizeFeedback(options.feedback, spec, labels, options.feedbackSource);
  const split = splitFeedback(
    Uint8Array.from(feedback.labels),
    labels.length,
    heldOut,
    validationShare,
    seed,
  );
  const original = await parentSplits(parentRecord, spec, options.from);
  const random = new Prng(deriveSeed(seed, "replay"));
  const indices = (split: SplitName) => Array.from(original.dataset.splits[split].keys());
  const replayTrain = replaySample(indices("train"), split.train.length, replayShare, random);
  const replayValidation = replaySample(indices("validation"), split.validation.length, replayShare, random);
  const parentTrain = original.rows("train");
  const parentValidation = original.rows("validation");
  const data = {
    train: concat([pick(feedback, split.train, width), pick(parentTrain, replayTrain, width)]),
    validation: concat([
      pick(feedback, split.validation, width),
      pick(parentValidation, replayValidation, width),
    ]),
  };
  const weights = parentRecord.classWeights?.weights;
  const asSplit = (set: Labelled): Split => ({
    features: denseRows(set.matrix, width),
    targets: { kind: "classes", labels: set.labels, classes: labels.length, classWeights: weights },
  });
  const { batchSize, learningRate, lrDecay, l2, patience, optimizer } = parentRecord.hyperparameters;
  const settings: FitOptions = {
    batchSize,
    learningRate,
    lrDecay,
    l2,
    patience,
    optimizer,
    epochs: DEFAULT_FINE_TUNE.epochs,
    seed,
    ...withoutUndefined(options.training ?? {}),
  };
  const started = performance.now();
  // The parent's weights count as epoch 0: on validation the child is never worse than where it began.
  const result = fitNetwork(
    Network.fromModel(model),
    { train: asSplit(data.train), validation: asSplit(data.validation) },
    settings,
    { onEpoch: options.onEpoch, keepInitial: true },
  );
  const trainMs = performance.now() - started;

  const onnx = exportOnnx(result.model, spec.input, "softmax");
  const quantization = isQuantized(parentBytes) ? parentQuantization(parent) : null;
  const served = quantization ? quantizeModel(onnx, quantization).bytes : onnx;
  const heldOutRows = pick(feedback, split.heldOut, width);
  const parentTest = original.rows("test");
  const retraining: DatasetRetraining = {
    method: "retrain",
    parent: { name: parent.name, version: parent.version, sha256: parent.model.sha256 },
    feedback: feedbackSummary(
      options.feedbackSource,
      options.feedback,
      split,
      feedback.labels,
      labels.length,
    ),
    replay: { share: replayShare, train: replayTrain.length, validation: replayValidation.length },
    heldOut: {
      parent: await servedMetrics(parentBytes, parent, heldOutRows, width),
      child: await servedMetrics(served, parent, heldOutRows, width),
    },
    parentTest: {
      parent: await servedMetrics(parentBytes, parent, parentTest, width),
      child: await servedMetrics(served, parent, parentTest, width),
    },
  };
  const previous = (await readJsonFile(recordPath, "training record")) as DatasetTrainingRecord;
  const record = {
    ...previous,
    createdAt: new Date().toISOString(),
    hyperparameters: { ...previous.hyperparameters, ...settings },
    history: result.history,
    bestEpoch: result.bestEpoch,
    stoppedEarly: result.stoppedEarly,
    metrics: {
      validation: null,
      test: { task: "classification" as const, ...retraining.heldOut.child },
    },
    timing: { featurizeMs: 0, trainMs },
    retraining,
  };
  const feedbackInstances = keptInstances(split.train.map((row) => options.feedback[row]));
  return {
    parent,
    served,
    fp32Bytes: onnx.byteLength,
    quantization,
    record,
    reference: {
      instances: [
        ...feedbackInstances,
        ...replayTrain.map((row) => instanceOf(original.dataset.splits.train[row])),
      ],
      feedbackInstances: feedbackInstances.length,
    },
  };
}

/**
 * The child as a model directory `vane publish` takes as it is: its served bytes, training record,
 * manifest (the parent's input spec, task and feedbackData; its own checksum, metrics and lineage)
 * and, when the feedback kept instances, a drift profile over what it was tuned on (else none: the
 * parent's reference no longer describes its data).
 */
export async function writeRetrainedDatasetVersion(
  out: string,
  result: DatasetRetrainResult,
  identity: { name: string; version: number },
): Promise<Manifest> {
  const { parent, record, served } = result;
  const { heldOut } = record.retraining;
  const base = Manifest.parse({
    ...parent,
    name: identity.name,
    version: identity.version,
    createdAt: record.createdAt,
    description: `${parent.name}@${parent.version} retrained on ${record.retraining.feedback.rows} feedback rows`,
    model: { file: MODEL_FILE, sha256: sha256Hex(served), bytes: served.byteLength },
    metrics: {
      accuracy: heldOut.child.accuracy,
      macroF1: heldOut.child.macroF1,
      logLoss: heldOut.child.logLoss,
      heldOutCount: heldOut.child.count,
    },
    training: {
      ...parent.training,
      metricsSplit: "feedback held out",
      retrainedFrom: `${parent.name}@${parent.version}`,
      ...(result.quantization
        ? { compression: { quantization: result.quantization, fp32Bytes: result.fp32Bytes } }
        : {}),
    },
    lineage: retrainLineage(record.retraining, record.createdAt),
    drift: undefined,
    profile: undefined,
  });
  await writeFileAtomic(join(out, MODEL_FILE), served);
  await writeJsonAtomic(join(out, TRAINING_RUN_FILE), record);
  let manifest = base;
  if (result.reference.feedbackInstances > 0) {
    const lines: RequestLine[] = result.reference.instances.map((instance, i) => ({
      line: i + 1,
      body: { instances: [instance] },
    }));
    const built = await referenceProfileOf(out, base, served, lines, {
      where: "retrain reference",
      source: {
        retrainedFrom: `${parent.name}@${parent.version}`,
        feedbackInstances: result.reference.feedbackInstances,
      },
    });
    await writeJsonAtomic(join(out, PROFILE_FILE), built.profile);
    manifest = Manifest.parse({ ...base, drift: built.drift, profile: PROFILE_FILE });
  }
  await writeJsonAtomic(join(out, MANIFEST_FILE), manifest);
  return manifest;
}
