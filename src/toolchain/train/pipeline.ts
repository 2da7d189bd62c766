/**
 * End-to-end runs behind `vane train` and `vane distill`: split, featurize, train, evaluate on the
 * held-out test split, export to ONNX and describe the run in a training record.
 */
import { z } from "zod";
import { UnprocessableError } from "../../core/errors.js";
import { textFeatureMatrix } from "../../core/kinds/hashed-text/features.js";
import type { HashedTextSpec } from "../../core/kinds/hashed-text/schema.js";
import type { EpochCallback, FitResult } from "../../core/learn/fit.js";
import type { Model } from "../../core/learn/network.js";
import { type Collection, type DatasetSplits, loadSplits, summarizeSplits } from "../data.js";
import { exportOnnx, PROBABILITIES_OUTPUT } from "../export.js";
import { readJsonFile } from "../files.js";
import { DEFAULT_DISTILL, type DistillOptions, distill } from "./distill.js";
import { CLASSES, evaluateModel } from "./model.js";
import { buildRecord, DEFAULT_SPEC, TrainingRecord } from "./record.js";
import { type LabeledRows, labeledRows } from "./sparse.js";
import { resolveOptions, type TrainOptions, trainModel } from "./trainer.js";

export interface FeaturizedSplits {
  train: LabeledRows;
  validation: LabeledRows;
  test: LabeledRows;
}

export function featurizeSplits(spec: HashedTextSpec, splits: DatasetSplits): FeaturizedSplits {
  return {
    train: labeledRows(spec, splits.train),
    validation: labeledRows(spec, splits.validation),
    test: labeledRows(spec, splits.test),
  };
}

export interface TrainRun {
  model: Model;
  onnx: Uint8Array;
  record: TrainingRecord;
}

export interface TrainCollectionOptions {
  collection: Collection;
  /** Stratified subsample size; the whole collection when absent. */
  limit?: number;
  spec?: HashedTextSpec;
  /** Hyperparameters; `seed` also fixes the data split. */
  training?: Partial<TrainOptions>;
  onEpoch?: EpochCallback;
}

/** Trains a model on one collection's train split, early-stopping on its validation split. */
export async function trainCollection(options: TrainCollectionOptions): Promise<TrainRun> {
  const settings = resolveOptions(options.training ?? {});
  const spec = options.spec ?? DEFAULT_SPEC;
  const splits = await loadSplits(options.collection, { seed: settings.seed, limit: options.limit });
  return finishRun(spec, settings, splits, (data) => trainModel(data, settings, options.onEpoch));
}

/** A teacher for distillation: any ONNX classifier with its preprocessing. */
export interface Teacher {
  /** Where it came from (a path), for the record. */
  source: string;
  spec: HashedTextSpec;
  /** Its training record, when known: distillation then reuses its data split. */
  record?: TrainingRecord;
  /** Probabilities [texts, 2] (ham, spam). */
  predict(texts: readonly string[]): Promise<Float32Array>;
}

const TEACHER_BATCH = 256;

/** A teacher run by onnxruntime-node, so quantized and pruned teachers work as well as float ones. */
export async function onnxTeacher(
  onnx: Uint8Array,
  spec: HashedTextSpec,
  source: string,
  record?: TrainingRecord,
): Promise<Teacher> {
  const ort = await import("onnxruntime-node");
  let session: Awaited<ReturnType<typeof ort.InferenceSession.create>>;
  try {
    session = await ort.InferenceSession.create(onnx);
  } catch (error) {
    throw new UnprocessableError(
      `teacher ${source} is not a model onnxruntime can load: ${(error as Error).message}`,
    );
  }
  if (!session.inputNames.includes(spec.input)) {
    throw new UnprocessableError(
      `teacher ${source} has no input "${spec.input}" (it has ${session.inputNames.join(", ")})`,
    );
  }
  const output = session.outputNames.includes(PROBABILITIES_OUTPUT)
    ? PROBABILITIES_OUTPUT
    : session.outputNames[0];
  const predict = async (texts: readonly string[]) => {
    const probabilities = new Float32Array(texts.length * CLASSES);
    for (let start = 0; start < texts.length; start += TEACHER_BATCH) {
      const batch = texts.slice(start, start + TEACHER_BATCH);
      const input = new ort.Tensor("float32", textFeatureMatrix(spec, batch), [batch.length, spec.buckets]);
      const result = (await session.run({ [spec.input]: input }))[output];
      if (result.type !== "float32" || result.data.length !== batch.length * CLASSES) {
        throw new UnprocessableError(
          `teacher ${source} output "${output}" is not float32 [batch, ${CLASSES}] probabilities`,
        );
      }
      probabilities.set(result.data as Float32Array, start * CLASSES);
    }
    return probabilities;
  };
  return { source, spec, record, predict };
}

export interface DistillCollectionOptions {
  teacher: Teacher;
  /** The split to distill on; use the teacher's (`loadRecordSplits`) so its test emails stay unseen. */
  splits: DatasetSplits;
  /** The student's preprocessing (typically fewer buckets than the teacher's). */
  spec: HashedTextSpec;
  training?: Partial<DistillOptions>;
  onEpoch?: EpochCallback;
}

/** Trains a student on the teacher's softened probabilities for the training split. */
export async function distillCollection(options: DistillCollectionOptions): Promise<TrainRun> {
  const { teacher, splits, spec } = options;
  const training = options.training ?? {};
  const settings = resolveOptions(training);
  const started = performance.now();
  const teacherProbabilities = await teacher.predict(splits.train.map((email) => email.text));
  const teacherMs = performance.now() - started;
  const run = await finishRun(spec, settings, splits, (data) =>
    distill(data, teacherProbabilities, { ...training, ...settings }, options.onEpoch),
  );
  const temperature = training.temperature ?? DEFAULT_DISTILL.temperature;
  const alpha = training.alpha ?? DEFAULT_DISTILL.alpha;
  run.record.distillation = { teacher: teacher.source, teacherSpec: teacher.spec, temperature, alpha };
  run.record.timing.trainMs += teacherMs;
  return run;
}

async function finishRun(
  spec: HashedTextSpec,
  settings: TrainOptions,
  splits: DatasetSplits,
  train: (data: FeaturizedSplits) => FitResult,
): Promise<TrainRun> {
  const featurizeStarted = performance.now();
  const data = featurizeSplits(spec, splits);
  const trainStarted = performance.now();
  const result = train(data);
  const trainMs = performance.now() - trainStarted;
  const metrics = {
    validation: evaluateModel(result.model, data.validation),
    test: evaluateModel(result.model, data.test),
  };
  const record = buildRecord({
    spec,
    options: settings,
    split: summarizeSplits(splits),
    result,
    metrics,
    timing: { featurizeMs: trainStarted - featurizeStarted, trainMs },
  });
  return { model: result.model, onnx: exportOnnx(result.model, spec.input), record };
}

/**
 * Rebuilds the data split a record was trained on and checks it against the recorded digests, so a
 * changed corpus or split rule cannot silently leak test emails into fine-tuning or distillation.
 */
export async function loadRecordSplits(
  record: TrainingRecord,
  limit = record.data.limit,
): Promise<DatasetSplits> {
  const { collection, seed, validationFraction, testFraction, digests } = record.data;
  const splits = await loadSplits(collection, {
    seed,
    validationFraction,
    testFraction,
    limit: limit ?? undefined,
  });
  if (limit === record.data.limit) {
    const rebuilt = summarizeSplits(splits).digests;
    for (const part of ["train", "validation", "test"] as const) {
      if (rebuilt[part] !== digests[part]) {
        throw new UnprocessableError(
          `the ${part} split rebuilt for collection ${collection} differs from the one the model was trained on`,
        );
      }
    }
  }
  return splits;
}

export async function readTrainingRecord(path: string): Promise<TrainingRecord> {
  const parsed = TrainingRecord.safeParse(await readJsonFile(path, "training record"));
  if (!parsed.success) {
    throw new UnprocessableError(`${path} is not a vane training record:\n${z.prettifyError(parsed.error)}`);
  }
  return parsed.data;
}
