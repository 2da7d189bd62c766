/**
 * Training on a user's dataset file (`vane train --data`): the rows of a loaded dataset become the
 * learner's features through the input kind the Worker will run (the tabular featurizer with the
 * spec fitted on the train split, or hashed text for a text column alone), its labels a softmax
 * head over the dataset's classes (optionally class-weighted) or its targets a linear head
 * (standardised for training, folded back into target units for export). The result is a model
 * directory's content: ONNX bytes, a manifest (input kind, task, labels) and a training record.
 *
 *   const dataset = await loadDataset("weather.csv", { label: "weather" });
 *   const run = trainDataset({ dataset, name: "weather", version: 1, training, classWeights: "balanced" });
 *   // run.onnx, run.manifest, run.record
 */
import { UnprocessableError } from "../../core/errors.js";
import type { HashedTextSpec } from "../../core/kinds/hashed-text/schema.js";
import type { TabularSpec } from "../../core/kinds/tabular/schema.js";
import {
  type EpochCallback,
  type EpochStats,
  type FitResult,
  fitNetwork,
  type Split,
  TrainingError,
} from "../../core/learn/fit.js";
import type { SoftTargets, Targets } from "../../core/learn/heads.js";
import {
  type MulticlassMetrics,
  multiclassMetrics,
  type RegressionMetrics,
  regressionMetrics,
} from "../../core/learn/metrics.js";
import { initialNetwork, type Model, modelHidden, modelInputs } from "../../core/learn/network.js";
import { predictOutputs, predictProbabilities, rescaleOutputs } from "../../core/learn/predict.js";
import { denseRows, type Rows } from "../../core/learn/rows.js";
import { Manifest } from "../../core/manifest.js";
import { type Dataset, datasetMatrix, type SplitName } from "../dataset/index.js";
import { exportOnnx, headOutput, type OutputHead } from "../export.js";
import { MODEL_FILE, sha256Hex } from "../manifest.js";
import { DEFAULT_OPSET } from "../onnx/model.js";
import { type Hyperparameters, hyperparameters } from "./record.js";
import { featurize } from "./sparse.js";
import { HASHED_TEXT_FIRST_LAYER_SCALE, type TrainOptions, withoutUndefined } from "./trainer.js";

export const TRAINING_RUN_FILE = "training-run.json";
export const TRAINING_RUN_FORMAT = "vane-dataset-training/1";

const SPLITS: readonly SplitName[] = ["train", "validation", "test"];

/** How classes weigh in the loss: equally per row, or inversely to their share of the train split. */
export type ClassWeighting = "none" | "balanced";
export const CLASS_WEIGHTINGS: readonly ClassWeighting[] = ["none", "balanced"];

/** A dataset's rows as the model's input, per split, and the input kind that makes them at serving time. */
export interface DatasetFeatures {
  input: TabularSpec | HashedTextSpec;
  width: number;
  rows: Record<SplitName, Rows>;
}

/**
 * The features of every split: tabular columns through the Worker's tabular featurizer, or a text
 * column alone through hashed text (`textSpec`). A model takes one input kind, so not both.
 */
export function datasetFeatures(dataset: Dataset, textSpec: HashedTextSpec): DatasetFeatures {
  if (dataset.spec && dataset.text !== null) {
    throw new UnprocessableError(
      `a model takes one input kind: train on the text column ${dataset.text} alone, or on the feature columns ${dataset.features.join(", ")} without --text`,
    );
  }
  if (dataset.spec) {
    const rows = {} as Record<SplitName, Rows>;
    let width = 0;
    for (const split of SPLITS) {
      const { matrix, width: columns } = datasetMatrix(dataset, split);
      width = columns;
      rows[split] = denseRows(matrix, columns);
    }
    return { input: dataset.spec, width, rows };
  }
  const rows = {} as Record<SplitName, Rows>;
  for (const split of SPLITS) {
    rows[split] = featurize(
      textSpec,
      dataset.splits[split].map((row) => row.text ?? ""),
    );
  }
  return { input: textSpec, width: textSpec.buckets, rows };
}

/** n / (classes * count) per class over the train split: each class then weighs as much in the loss. */
export function balancedClassWeights(dataset: Dataset): number[] {
  const labels = dataset.labels ?? [];
  const counts = labels.map((_, c) => dataset.splits.train.filter((row) => row.target === c).length);
  const total = dataset.splits.train.length;
  // A class absent from training gets no gradient whatever its weight: 1 keeps the weights finite.
  return counts.map((count) => (count === 0 ? 1 : total / (labels.length * count)));
}

export interface DatasetTrainOptions {
  dataset: Dataset;
  name: string;
  version: number;
  /** Architecture and optimiser; `seed` also seeds the initial weights. */
  training: TrainOptions;
  classWeights?: ClassWeighting;
  /** The hashed-text spec for a text column alone. */
  textSpec: HashedTextSpec;
  description?: string;
  onEpoch?: EpochCallback;
}

export type SplitQuality =
  | ({ task: "classification" } & MulticlassMetrics)
  | ({ task: "regression" } & RegressionMetrics);

export interface DatasetTrainingRecord {
  format: typeof TRAINING_RUN_FORMAT;
  createdAt: string;
  data: {
    path: string;
    format: Dataset["source"]["format"];
    sha256: string;
    task: Dataset["task"];
    label: string;
    features: string[];
    text: string | null;
    /** The rows' `where` filter: a retrain rebuilds the same split from the file to replay it. */
    where?: Dataset["where"];
    split: Dataset["split"];
    counts: Dataset["counts"];
  };
  model: {
    arch: Model["arch"];
    inputs: number;
    hidden: number;
    head: OutputHead;
    /** Class names in output order; null for a regressor. */
    labels: string[] | null;
    input: string;
    output: string;
    opset: number;
  };
  /** A regressor trained on (target - mean) / std, folded back into target units before export. */
  targetScaling: { mean: number; std: number } | null;
  classWeights: { weighting: ClassWeighting; weights: number[] } | null;
  hyperparameters: Hyperparameters & { arch: Model["arch"]; hidden: number };
  history: EpochStats[];
  bestEpoch: number;
  stoppedEarly: boolean;
  /** Held-out quality; null for a split with no rows. */
  metrics: Record<"validation" | "test", SplitQuality | null>;
  timing: { featurizeMs: number; trainMs: number };
  /** Present when the model learned from a teacher's outputs. */
  distillation?: {
    teacher: string;
    temperature: number;
    alpha: number;
  };
}

export interface DatasetRun {
  model: Model;
  head: OutputHead;
  onnx: Uint8Array;
  manifest: Manifest;
  record: DatasetTrainingRecord;
  features: DatasetFeatures;
}

function targetsOf(
  dataset: Dataset,
  split: SplitName,
  weights: number[] | undefined,
  scaling: Scaling | null,
): Targets {
  const rows = dataset.splits[split];
  if (dataset.labels) {
    return {
      kind: "classes",
      labels: Int32Array.from(rows, (row) => row.target),
      classes: dataset.labels.length,
      classWeights: weights,
    };
  }
  const { mean, std } = scaling ?? { mean: 0, std: 1 };
  return { kind: "values", values: Float64Array.from(rows, (row) => (row.target - mean) / std), outputs: 1 };
}

interface Scaling {
  mean: number;
  std: number;
}

function targetScaling(dataset: Dataset): Scaling | null {
  if (dataset.labels) return null;
  const values = dataset.splits.train.map((row) => row.target);
  const mean = values.reduce((a, b) => a + b, 0) / values.length;
  const std = Math.sqrt(values.reduce((sum, v) => sum + (v - mean) ** 2, 0) / values.length);
  return { mean, std: std > 0 ? std : 1 };
}

/** Held-out quality of `model` (in target units) on one split, or null when the split is empty. */
export function splitQuality(
  dataset: Dataset,
  features: Rows,
  split: SplitName,
  model: Model,
): SplitQuality | null {
  if (dataset.splits[split].length === 0) return null;
  return qualityOf(
    dataset,
    split,
    dataset.labels ? predictProbabilities(model, features) : predictOutputs(model, features),
  );
}

/** Quality of a split's outputs: probabilities [rows, classes] in the dataset's class order, or values. */
export function qualityOf(dataset: Dataset, split: SplitName, outputs: ArrayLike<number>): SplitQuality {
  const truth = dataset.splits[split].map((row) => row.target);
  if (dataset.labels) return { task: "classification", ...multiclassMetrics(truth, outputs, dataset.labels) };
  return { task: "regression", ...regressionMetrics(truth, outputs) };
}

/** What the trainer needs of a run besides the dataset: a soft-target teacher, for distillation. */
export interface FitDatasetExtras {
  soft?: SoftTargets;
  /** Teacher values replacing a regression dataset's train targets (in target units). */
  trainValues?: Float64Array;
}

/** Fits a new network on the dataset's train split, early-stopping on its validation split. */
function fitDataset(
  dataset: Dataset,
  features: DatasetFeatures,
  options: {
    training: TrainOptions;
    classWeights: ClassWeighting;
    onEpoch?: EpochCallback;
  },
  extras: FitDatasetExtras = {},
): { result: FitResult; model: Model; scaling: Scaling | null; weights: number[] | undefined } {
  if (dataset.splits.validation.length === 0) {
    throw new UnprocessableError(
      `${dataset.source.path}: the split leaves no validation rows, which early stopping needs: give a validation fraction above 0 or validation rows`,
    );
  }
  const weights =
    dataset.labels && options.classWeights === "balanced" ? balancedClassWeights(dataset) : undefined;
  const scaling = targetScaling(dataset);
  const train = targetsOf(dataset, "train", weights, scaling);
  if (extras.trainValues && train.kind === "values") {
    const { mean, std } = scaling ?? { mean: 0, std: 1 };
    train.values = Float64Array.from(extras.trainValues, (value) => (value - mean) / std);
  }
  const data: { train: Split; validation: Split } = {
    train: { features: features.rows.train, targets: train },
    validation: {
      features: features.rows.validation,
      targets: targetsOf(dataset, "validation", weights, scaling),
    },
  };
  const outputs = dataset.labels ? dataset.labels.length : 1;
  const firstLayerScale = features.input.kind === "hashed-text" ? HASHED_TEXT_FIRST_LAYER_SCALE : undefined;
  const network = initialNetwork({ ...options.training, firstLayerScale }, features.width, outputs);
  let result: FitResult;
  try {
    result = fitNetwork(network, data, options.training, { onEpoch: options.onEpoch, soft: extras.soft });
  } catch (error) {
    if (error instanceof RangeError) throw new TrainingError(error.message);
    throw error;
  }
  const model = scaling ? rescaleOutputs(result.model, [scaling.mean], [scaling.std]) : result.model;
  return { result, model, scaling, weights };
}

/** Trains a model on the dataset and describes it: ONNX bytes, manifest and training record. */
export function trainDataset(options: DatasetTrainOptions): DatasetRun {
  const featurizeStarted = performance.now();
  const features = datasetFeatures(options.dataset, options.textSpec);
  return fitRun(options, options.dataset, features, featurizeStarted);
}

/** A distillation's part in a run: the teacher's targets and what the record says of it. */
export interface TeacherTargets {
  extras: FitDatasetExtras;
  distillation: NonNullable<DatasetTrainingRecord["distillation"]>;
}

/**
 * Fits a model on the featurized dataset and describes it (training and distillation both end here),
 * timing the featurizing from `featurizeStarted` and the fit.
 */
export function fitRun(
  options: Omit<DatasetTrainOptions, "dataset" | "textSpec">,
  dataset: Dataset,
  features: DatasetFeatures,
  featurizeStarted: number,
  teacher?: TeacherTargets,
): DatasetRun {
  const classWeights = options.classWeights ?? "none";
  const trainStarted = performance.now();
  const fitted = fitDataset(
    dataset,
    features,
    { training: options.training, classWeights, onEpoch: options.onEpoch },
    teacher?.extras,
  );
  const trainMs = performance.now() - trainStarted;
  return describeRun({
    dataset,
    features,
    name: options.name,
    version: options.version,
    description: options.description,
    training: options.training,
    fitted,
    classWeights,
    timing: { featurizeMs: trainStarted - featurizeStarted, trainMs },
    distillation: teacher?.distillation,
  });
}

interface RunParts {
  dataset: Dataset;
  features: DatasetFeatures;
  name: string;
  version: number;
  description?: string;
  training: TrainOptions;
  fitted: ReturnType<typeof fitDataset>;
  classWeights: ClassWeighting;
  timing: { featurizeMs: number; trainMs: number };
  distillation?: DatasetTrainingRecord["distillation"];
}

/** ONNX, manifest and record of a fitted model. */
function describeRun(parts: RunParts): DatasetRun {
  const { dataset, features, fitted, training } = parts;
  const { model, result, scaling, weights } = fitted;
  const head: OutputHead = dataset.labels ? "softmax" : "linear";
  const output = headOutput(head);
  const inputName = features.input.input;
  const onnx = exportOnnx(model, inputName, head);
  const metrics = {
    validation: splitQuality(dataset, features.rows.validation, "validation", model),
    test: splitQuality(dataset, features.rows.test, "test", model),
  };
  const record: DatasetTrainingRecord = {
    format: TRAINING_RUN_FORMAT,
    createdAt: new Date().toISOString(),
    data: {
      path: dataset.source.path,
      format: dataset.source.format,
      sha256: dataset.source.sha256,
      task: dataset.task,
      label: dataset.label,
      features: dataset.features,
      text: dataset.text,
      where: dataset.where,
      split: dataset.split,
      counts: dataset.counts,
    },
    model: {
      arch: model.arch,
      inputs: modelInputs(model),
      hidden: modelHidden(model),
      head,
      labels: dataset.labels,
      input: inputName,
      output,
      opset: DEFAULT_OPSET,
    },
    targetScaling: scaling,
    classWeights: weights ? { weighting: parts.classWeights, weights } : null,
    hyperparameters: { ...hyperparameters(training), arch: training.arch, hidden: modelHidden(model) },
    history: result.history,
    bestEpoch: result.bestEpoch,
    stoppedEarly: result.stoppedEarly,
    metrics,
    timing: parts.timing,
    ...(parts.distillation ? { distillation: parts.distillation } : {}),
  };
  const manifest = datasetManifest(parts, record, onnx);
  return { model, head, onnx, manifest, record, features };
}

/** The test split's numbers (the validation split's when there is no test split) for the manifest. */
function manifestMetrics(record: DatasetTrainingRecord): Record<string, number> {
  const quality = record.metrics.test ?? record.metrics.validation;
  if (!quality) return {};
  const count = { heldOutCount: quality.count };
  if (quality.task === "classification") {
    return { accuracy: quality.accuracy, macroF1: quality.macroF1, logLoss: quality.logLoss, ...count };
  }
  return {
    mae: quality.mae,
    rmse: quality.rmse,
    ...(quality.r2 === null ? {} : { r2: quality.r2 }),
    ...count,
  };
}

function datasetManifest(parts: RunParts, record: DatasetTrainingRecord, onnx: Uint8Array): Manifest {
  const { dataset, features } = parts;
  const outputs = dataset.labels ? dataset.labels.length : 1;
  const output = record.model.output;
  return Manifest.parse(
    withoutUndefined({
      name: parts.name,
      version: parts.version,
      createdAt: record.createdAt,
      description: parts.description,
      model: { file: MODEL_FILE, sha256: sha256Hex(onnx), bytes: onnx.byteLength },
      inputs: [{ name: features.input.input, dtype: "float32", shape: ["batch", features.width] }],
      outputs: [{ name: output, dtype: "float32", shape: ["batch", outputs] }],
      input: features.input,
      task: dataset.labels
        ? { kind: "classification", output, labels: dataset.labels }
        : { kind: "regression", output },
      metrics: manifestMetrics(record),
      training: {
        data: { file: dataset.source.path, sha256: dataset.source.sha256, label: dataset.label },
        task: dataset.task,
        metricsSplit: record.metrics.test ? "test" : "validation",
        sizes: dataset.counts.sizes,
        arch: record.model.arch,
        hidden: record.model.hidden,
        hyperparameters: record.hyperparameters,
        ...(record.classWeights ? { classWeights: record.classWeights } : {}),
        ...(record.distillation ? { distillation: record.distillation } : {}),
      },
    }),
  );
}
