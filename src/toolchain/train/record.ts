/**
 * training.json: everything needed to reproduce, audit and publish a trained model (feature spec,
 * architecture, hyperparameters, the exact data split, per-epoch history and held-out metrics).
 * Distillation and fine-tuning read it back, so it has a schema.
 */
import { z } from "zod";
import { HashedTextSpec } from "../../core/kinds/hashed-text/schema.js";
import type { FitResult } from "../../core/learn/fit.js";
import { ARCHITECTURES, type Model, modelHidden, modelInputs } from "../../core/learn/network.js";
import { OPTIMIZERS } from "../../core/learn/optimizer.js";
import { FeedbackDataSpec } from "../../core/update-spec.js";
import { COLLECTION_NAMES, LABELS, type SplitSummary } from "../data.js";
import { PROBABILITIES_OUTPUT } from "../export.js";
import type { ClassificationMetrics } from "../metrics.js";
import { DEFAULT_OPSET } from "../onnx/model.js";
import type { TrainOptions } from "./trainer.js";

export const TRAINING_RECORD_FORMAT = "vane-training/1";

/** The preprocessing the spam models use unless told otherwise. */
export const DEFAULT_SPEC: HashedTextSpec = {
  kind: "hashed-text",
  input: "features",
  buckets: 4096,
  maxChars: 20000,
  weighting: "log1p",
  signed: true,
  normalize: "l2",
};

const Count = z.number().int().nonnegative();
const Splits = <T extends z.ZodType>(schema: T) =>
  z.object({ train: schema, validation: schema, test: schema });

const Metrics = z.object({
  count: Count,
  accuracy: z.number(),
  precision: z.number(),
  recall: z.number(),
  f1: z.number(),
  auc: z.number().nullable(),
  logLoss: z.number(),
  confusion: z.object({ tp: Count, fp: Count, tn: Count, fn: Count }),
});

const Hyperparameters = z.object({
  epochs: z.number().int().positive(),
  batchSize: z.number().int().positive(),
  learningRate: z.number().positive(),
  lrDecay: z.number().positive().max(1),
  l2: z.number().nonnegative(),
  patience: z.number().int().positive(),
  optimizer: z.enum(OPTIMIZERS),
  seed: z.number().int().nonnegative(),
});

const History = z.array(
  z.object({
    epoch: z.number().int().positive(),
    trainLoss: z.number(),
    valLoss: z.number(),
    valAccuracy: z.number().nullable(),
    lr: z.number(),
  }),
);

const Retraining = z.object({
  method: z.literal("retrain"),
  parent: z.object({ name: z.string(), version: z.number().int().positive(), sha256: z.string() }),
  feedback: z.object({
    source: z.string(),
    from: z.iso.datetime(),
    to: z.iso.datetime(),
    rows: Count,
    sizes: Splits(Count),
    /** Rows per label index, over all splits. */
    byLabel: z.array(Count),
  }),
  /** Rows of the parent's own training data mixed in, so the update does not forget it. */
  replay: z.object({ share: z.number().min(0).max(1), train: Count, validation: Count }),
  /** The served (quantized) bytes of parent and child on the held-out feedback and on the parent's test split. */
  heldOut: z.object({ parent: Metrics, child: Metrics }),
  parentTest: z.object({ parent: Metrics, child: Metrics }),
  /** What the parent asked the edge to keep from feedback: the child asks the same. */
  feedbackData: FeedbackDataSpec.optional(),
});

export const TrainingRecord = z.object({
  format: z.literal(TRAINING_RECORD_FORMAT),
  createdAt: z.iso.datetime(),
  spec: HashedTextSpec,
  model: z.object({
    arch: z.enum(ARCHITECTURES),
    inputs: z.number().int().positive(),
    /** 0 for logistic regression. */
    hidden: Count,
    labels: z.array(z.string()),
    input: z.string(),
    output: z.string(),
    opset: z.number().int().positive(),
  }),
  hyperparameters: Hyperparameters,
  data: z.object({
    corpus: z.literal("spamassassin"),
    collection: z.enum(COLLECTION_NAMES),
    seed: z.number().int().nonnegative(),
    validationFraction: z.number(),
    testFraction: z.number(),
    limit: z.number().int().positive().nullable(),
    sizes: Splits(Count),
    spam: Splits(Count),
    digests: Splits(z.string()),
  }),
  history: History,
  bestEpoch: Count,
  stoppedEarly: z.boolean(),
  metrics: z.object({ validation: Metrics, test: Metrics }),
  timing: z.object({ featurizeMs: z.number(), trainMs: z.number() }),
  /** Present when the model was trained on a teacher's soft labels. */
  distillation: z
    .object({
      teacher: z.string(),
      teacherSpec: HashedTextSpec,
      temperature: z.number().positive(),
      alpha: z.number().min(0).max(1),
    })
    .optional(),
  /** Present when the model was warm-started from a published version and tuned on its feedback. */
  retraining: Retraining.optional(),
  /** Present when the weights were magnitude-pruned and fine-tuned after training. */
  fineTuning: z
    .object({
      sparsity: z.number().min(0).max(1),
      hyperparameters: Hyperparameters,
      history: History,
      bestEpoch: Count,
      stoppedEarly: z.boolean(),
    })
    .optional(),
});
export type TrainingRecord = z.infer<typeof TrainingRecord>;

export type Hyperparameters = z.infer<typeof Hyperparameters>;

/** Just the hyperparameter fields of a larger options object. */
export function hyperparameters(options: Hyperparameters): Hyperparameters {
  const { epochs, batchSize, learningRate, lrDecay, l2, patience, optimizer, seed } = options;
  return { epochs, batchSize, learningRate, lrDecay, l2, patience, optimizer, seed };
}

export interface RecordParts {
  spec: HashedTextSpec;
  options: TrainOptions;
  split: SplitSummary;
  result: FitResult;
  metrics: { validation: ClassificationMetrics; test: ClassificationMetrics };
  timing: { featurizeMs: number; trainMs: number };
}

export function buildRecord({ spec, options, split, result, metrics, timing }: RecordParts): TrainingRecord {
  return {
    format: TRAINING_RECORD_FORMAT,
    createdAt: new Date().toISOString(),
    spec,
    model: describeModel(result.model, spec),
    hyperparameters: hyperparameters(options),
    data: { corpus: "spamassassin", ...split },
    history: result.history,
    bestEpoch: result.bestEpoch,
    stoppedEarly: result.stoppedEarly,
    metrics,
    timing,
  };
}

function describeModel(model: Model, spec: HashedTextSpec): TrainingRecord["model"] {
  return {
    arch: model.arch,
    inputs: modelInputs(model),
    hidden: modelHidden(model),
    labels: [...LABELS],
    input: spec.input,
    output: PROBABILITIES_OUTPUT,
    opset: DEFAULT_OPSET,
  };
}
