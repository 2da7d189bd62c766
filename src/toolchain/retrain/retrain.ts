/**
 * `vane retrain`: a published version warm-started from its own served weights and preprocessing,
 * fine-tuned on exported feedback mixed with a replay share of its original training data (so it
 * keeps what it knew), and judged against its parent on feedback it never trained on.
 */
import { join } from "node:path";
import { InvalidInputError } from "../../core/errors.js";
import type { FeedbackRow } from "../../core/feedback-row.js";
import { textFeatures } from "../../core/kinds/hashed-text/features.js";
import type { EpochCallback } from "../../core/learn/fit.js";
import { type Model, Network } from "../../core/learn/network.js";
import { deriveSeed, Prng } from "../../core/learn/prng.js";
import { isSparse, selectRows as selectFeatures, sparseFromDense, toDense } from "../../core/learn/rows.js";
import type { Manifest } from "../../core/manifest.js";
import { exportOnnx, modelFromOnnx } from "../export.js";
import { writeFileAtomic, writeJsonAtomic } from "../files.js";
import { MODEL_FILE, sha256Hex } from "../manifest.js";
import { type ClassificationMetrics, classificationMetrics } from "../metrics.js";
import { loadModelDir, TRAINING_FILE } from "../model-dir.js";
import { readManifestFile } from "../model-manifest.js";
import { nodeMatrixScores } from "../onnx-runner.js";
import { buildDriftArtifacts, type ReferenceData } from "../profile.js";
import { DRIFT_FILE, PROFILE_FILE, readVersionFiles } from "../publish.js";
import { dequantizeWeights } from "../quantize/dequantize.js";
import { GRANULARITIES, QUANTIZE_STYLES, type QuantizeOptions, quantizeModel } from "../quantize.js";
import { DEFAULT_FINE_TUNE, type FineTuneOptions } from "../train/finetune.js";
import { evaluateModel } from "../train/model.js";
import { loadRecordSplits } from "../train/pipeline.js";
import { hyperparameters, TrainingRecord } from "../train/record.js";
import { type LabeledRows, labeledRows } from "../train/sparse.js";
import { optimize, resolveOptions, withoutUndefined } from "../train/trainer.js";
import { feedbackSummary, rowFeatures, timeWindow } from "./feedback-data.js";
import { splitFeedback } from "./split.js";

/** The served model's quantization when the parent's manifest does not record one. */
export const DEFAULT_QUANTIZATION: QuantizeOptions = {
  style: "weight-only",
  granularity: "per-channel",
  symmetric: true,
};

export const RETRAIN_DEFAULTS = {
  /** Share of the fine-tuning rows that are the parent's own training data. */
  replayShare: 0.3,
  /** Share of the feedback kept out of training to judge parent and child on. */
  heldOut: 0.2,
  /** Share of the remaining feedback that early-stops the fine-tuning. */
  validation: 0.2,
  seed: 1,
};

export interface RetrainOptions {
  /** The published version's model directory: model.onnx, manifest.json, training.json (or training-run.json). */
  from: string;
  feedback: readonly FeedbackRow[];
  /** Where the feedback came from (a path), for the record. */
  feedbackSource: string;
  replayShare?: number;
  heldOut?: number;
  validation?: number;
  seed?: number;
  training?: Partial<FineTuneOptions>;
  onEpoch?: EpochCallback;
}

export interface RetrainResult {
  parent: Manifest;
  /** The fine-tuned float model and its served (quantized) bytes. */
  onnx: Uint8Array;
  served: Uint8Array;
  quantization: QuantizeOptions;
  record: TrainingRecord;
  /** The child's training texts (feedback that carried its instance, then replay), for its profile. */
  reference: ReferenceData;
}

interface FeedbackSet {
  rows: LabeledRows;
  /** The instance's text where the row kept it. */
  texts: Array<string | null>;
}

/** A share option checked: at least 0 and below `max`, else refused naming the option. */
export function fraction(value: number, name: string, max = 1): number {
  if (!(value >= 0 && value < max)) {
    throw InvalidInputError.field(name, `must be at least 0 and below ${max}, got ${value}`);
  }
  return value;
}

/** The hashed-text features of every row: as the model was fed them, else of the instance kept. */
function featurizeFeedback(
  rows: readonly FeedbackRow[],
  record: TrainingRecord,
  source: string,
): FeedbackSet {
  const { spec } = record;
  const labels = record.model.labels;
  const matrix = new Float32Array(rows.length * spec.buckets);
  const texts: Array<string | null> = [];
  const labelIndex = rows.map((row, i) => {
    const field = `${source}:${i + 1}`;
    const label = labels.indexOf(row.label);
    if (label < 0) {
      throw InvalidInputError.field(`${field}.label`, `"${row.label}" is not one of ${labels.join(", ")}`);
    }
    const text = (row.instance as { text?: unknown } | undefined)?.text;
    texts.push(typeof text === "string" ? text : null);
    const vector =
      rowFeatures(row, spec.buckets, field) ??
      (typeof text === "string" ? textFeatures(spec, text).vector : null);
    if (!vector) {
      throw InvalidInputError.field(
        field,
        "carries neither features nor a text instance: keep feedback data for the model (manifest feedbackData)",
      );
    }
    matrix.set(vector, i * spec.buckets);
    return label;
  });
  return {
    rows: { features: sparseFromDense(matrix, spec.buckets), labels: Uint8Array.from(labelIndex) },
    texts,
  };
}

function selectRows(rows: LabeledRows, picked: readonly number[]): LabeledRows {
  const features = selectFeatures(rows.features, picked);
  if (!isSparse(features)) throw new Error("sparse rows select as sparse rows");
  return { features, labels: Uint8Array.from(picked, (row) => rows.labels[row]) };
}

function concatRows(parts: readonly LabeledRows[]): LabeledRows {
  const cols = parts[0].features.cols;
  const rows = parts.reduce((n, p) => n + p.features.rows, 0);
  const nonzeros = parts.reduce((n, p) => n + p.features.values.length, 0);
  const indptr = new Int32Array(rows + 1);
  const indices = new Int32Array(nonzeros);
  const values = new Float32Array(nonzeros);
  const labels = new Uint8Array(rows);
  let row = 0;
  let offset = 0;
  for (const { features, labels: partLabels } of parts) {
    indices.set(features.indices, offset);
    values.set(features.values, offset);
    for (let r = 0; r < features.rows; r++) indptr[row + r + 1] = offset + features.indptr[r + 1];
    labels.set(partLabels, row);
    row += features.rows;
    offset += features.values.length;
  }
  return { features: { rows, cols, indptr, indices, values }, labels };
}

/** `share` of the mixed set drawn from the parent's training rows: share / (1 - share) per feedback row. */
export function replaySample<T>(rows: readonly T[], feedbackRows: number, share: number, random: Prng): T[] {
  const wanted = share === 0 ? 0 : Math.round((share / (1 - share)) * feedbackRows);
  return random.shuffle([...rows]).slice(0, Math.min(wanted, rows.length));
}

/** Metrics of served bytes under onnxruntime-node, the runtime the toolchain evaluates with. */
async function servedMetrics(
  onnx: Uint8Array,
  record: TrainingRecord,
  rows: LabeledRows,
): Promise<ClassificationMetrics> {
  const probabilities = await nodeMatrixScores(
    onnx,
    record.spec.input,
    record.model.output,
    toDense(rows.features),
    rows.features.rows,
    rows.features.cols,
  );
  const positive = record.model.labels.length - 1;
  const scores = Array.from(
    rows.labels,
    (_, row) => probabilities[row * record.model.labels.length + positive],
  );
  return classificationMetrics(rows.labels, scores);
}

/** The parent's quantization as its manifest records it, else the default served style. */
export function parentQuantization(parent: Manifest): QuantizeOptions {
  const recorded = (parent.training.compression as { quantization?: Partial<QuantizeOptions> } | undefined)
    ?.quantization;
  if (
    recorded &&
    QUANTIZE_STYLES.includes(recorded.style as QuantizeOptions["style"]) &&
    GRANULARITIES.includes(recorded.granularity as QuantizeOptions["granularity"]) &&
    typeof recorded.symmetric === "boolean"
  ) {
    return recorded as QuantizeOptions;
  }
  return DEFAULT_QUANTIZATION;
}

/** The parent's served weights as a trainable model (an int8 version is dequantized first). */
export function warmStart(onnx: Uint8Array, classes?: number): Model {
  return modelFromOnnx(dequantizeWeights(onnx), classes);
}

export async function retrain(options: RetrainOptions): Promise<RetrainResult> {
  const replayShare = fraction(options.replayShare ?? RETRAIN_DEFAULTS.replayShare, "replayShare");
  const heldOut = fraction(options.heldOut ?? RETRAIN_DEFAULTS.heldOut, "heldOut");
  const validationShare = fraction(options.validation ?? RETRAIN_DEFAULTS.validation, "validation");
  const seed = options.seed ?? RETRAIN_DEFAULTS.seed;
  const parentDir = await loadModelDir(options.from);
  const parent = await readManifestFile(parentDir.dir);
  if (parent.model.sha256 !== sha256Hex(parentDir.onnx)) {
    throw InvalidInputError.field("from", `${parentDir.modelPath} is not the model its manifest describes`);
  }
  const record = parentDir.record;
  const model = warmStart(parentDir.onnx);

  const feedback = featurizeFeedback(options.feedback, record, options.feedbackSource);
  const classes = record.model.labels.length;
  const split = splitFeedback(feedback.rows.labels, classes, heldOut, validationShare, seed);
  const parentSplits = await loadRecordSplits(record);
  const random = new Prng(deriveSeed(seed, "replay"));
  const replayTrain = replaySample(parentSplits.train, split.train.length, replayShare, random);
  const replayValidation = replaySample(
    parentSplits.validation,
    split.validation.length,
    replayShare,
    random,
  );
  const data = {
    train: concatRows([selectRows(feedback.rows, split.train), labeledRows(record.spec, replayTrain)]),
    validation: concatRows([
      selectRows(feedback.rows, split.validation),
      labeledRows(record.spec, replayValidation),
    ]),
  };

  const settings = resolveOptions({
    ...record.hyperparameters,
    epochs: DEFAULT_FINE_TUNE.epochs,
    ...withoutUndefined(options.training ?? {}),
    arch: model.arch,
    hidden: model.layers[0].outputs,
  });
  const started = performance.now();
  // The parent's weights count as epoch 0: on validation the child is never worse than where it began.
  const result = optimize(Network.fromModel(model), data, settings, {
    onEpoch: options.onEpoch,
    keepInitial: true,
  });
  const trainMs = performance.now() - started;

  const onnx = exportOnnx(result.model, record.spec.input);
  const quantization = parentQuantization(parent);
  const served = quantizeModel(onnx, quantization).bytes;
  const heldOutRows = selectRows(feedback.rows, split.heldOut);
  const parentTest = labeledRows(record.spec, parentSplits.test);
  const window = timeWindow(options.feedback);
  const childRecord: TrainingRecord = {
    ...record,
    createdAt: new Date().toISOString(),
    hyperparameters: hyperparameters(settings),
    history: result.history,
    bestEpoch: result.bestEpoch,
    stoppedEarly: result.stoppedEarly,
    metrics: {
      validation: evaluateModel(result.model, data.validation),
      test: await servedMetrics(served, record, heldOutRows),
    },
    timing: { featurizeMs: 0, trainMs },
    distillation: undefined,
    fineTuning: undefined,
    retraining: {
      method: "retrain",
      parent: { name: parent.name, version: parent.version, sha256: parent.model.sha256 },
      feedback: feedbackSummary(
        options.feedbackSource,
        options.feedback,
        split,
        feedback.rows.labels,
        classes,
      ),
      replay: { share: replayShare, train: replayTrain.length, validation: replayValidation.length },
      heldOut: {
        parent: await servedMetrics(parentDir.onnx, record, heldOutRows),
        child: await servedMetrics(served, record, heldOutRows),
      },
      parentTest: {
        parent: await servedMetrics(parentDir.onnx, record, parentTest),
        child: await servedMetrics(served, record, parentTest),
      },
      feedbackData: parent.feedbackData,
    },
  };
  const feedbackTexts = split.train.flatMap((row) => {
    const text = feedback.texts[row];
    return text === null ? [] : [{ text, label: feedback.rows.labels[row] }];
  });
  const referenceRows = [
    ...feedbackTexts,
    ...replayTrain.map((email) => ({ text: email.text, label: email.label })),
  ];
  return {
    parent,
    onnx,
    served,
    quantization,
    record: TrainingRecord.parse(childRecord),
    reference: {
      texts: referenceRows.map((row) => row.text),
      labels: referenceRows.map((row) => row.label),
      source: {
        retrainedFrom: `${parent.name}@${parent.version}`,
        feedback: { source: options.feedbackSource, rows: feedbackTexts.length, ...window },
        replay: { collection: record.data.collection, split: "train", rows: replayTrain.length },
      },
    },
  };
}

export interface WrittenVersion {
  dir: string;
  manifest: Manifest;
}

/**
 * The child as a model directory `vane publish` takes: its served bytes, training record, drift spec
 * and profile (over the rows it was tuned on), and the manifest, whose lineage names the parent.
 */
export async function writeRetrainedVersion(
  out: string,
  result: RetrainResult,
  identity: { name: string; version: number },
): Promise<WrittenVersion> {
  const { drift, profile } = await buildDriftArtifacts(
    result.served,
    result.record,
    identity,
    result.reference,
  );
  await writeFileAtomic(join(out, MODEL_FILE), result.served);
  await writeJsonAtomic(join(out, TRAINING_FILE), result.record);
  await writeJsonAtomic(join(out, DRIFT_FILE), drift);
  await writeJsonAtomic(join(out, PROFILE_FILE), profile);
  const heldOut = result.record.retraining?.heldOut;
  const { manifest } = await readVersionFiles(out, identity, {
    quantization: result.quantization,
    fp32Bytes: result.onnx.byteLength,
    ...(heldOut ? { heldOut: { split: "feedback held out", int8Accuracy: heldOut.child.accuracy } } : {}),
  });
  return { dir: out, manifest };
}
