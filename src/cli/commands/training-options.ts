/** Options shared by `vane train` and `vane distill`: hyperparameters, data subset and output directory. */
import { stat } from "node:fs/promises";
import { join } from "node:path";
import type { EpochStats } from "../../core/learn/fit.js";
import { ARCHITECTURES, type Architecture } from "../../core/learn/network.js";
import { OPTIMIZERS, type Optimizer } from "../../core/learn/optimizer.js";
import { COLLECTION_NAMES, type Collection } from "../../toolchain/data.js";
import { writeFileAtomic, writeJsonAtomic } from "../../toolchain/files.js";
import type { ClassificationMetrics } from "../../toolchain/metrics.js";
import type { TrainRun } from "../../toolchain/train/pipeline.js";
import {
  DEFAULT_LEARNING_RATE,
  DEFAULT_TRAIN_OPTIONS,
  type TrainOptions,
} from "../../toolchain/train/trainer.js";
import { CliError, type CommandContext, numberOption, type OptionSpec, requireString } from "../command.js";

/** Option specs for the model and optimiser; `defaults` lets distill default to a smaller student. */
export function hyperparameterOptions(defaults: {
  arch: Architecture;
  buckets: number;
}): Record<string, OptionSpec> {
  const d = DEFAULT_TRAIN_OPTIONS;
  return {
    arch: { type: "string", default: defaults.arch, description: `model: ${ARCHITECTURES.join(" | ")}` },
    hidden: { type: "string", default: String(d.hidden), description: "hidden units of the mlp" },
    buckets: {
      type: "string",
      default: String(defaults.buckets),
      description: "width of the hashed feature vector",
    },
    epochs: {
      type: "string",
      default: String(d.epochs),
      description: "maximum epochs (early stopping ends sooner)",
    },
    "batch-size": { type: "string", default: String(d.batchSize), description: "examples per mini-batch" },
    lr: {
      type: "string",
      description: `learning rate (default: ${DEFAULT_LEARNING_RATE.logistic} logistic, ${DEFAULT_LEARNING_RATE.mlp} mlp)`,
    },
    "lr-decay": { type: "string", default: String(d.lrDecay), description: "learning rate factor per epoch" },
    l2: { type: "string", default: String(d.l2), description: "L2 penalty on the weights" },
    patience: {
      type: "string",
      default: String(d.patience),
      description: "epochs without a better validation loss",
    },
    optimizer: { type: "string", default: d.optimizer, description: `optimizer: ${OPTIMIZERS.join(" | ")}` },
    seed: { type: "string", default: String(d.seed), description: "seed of the data split and the training" },
    limit: { type: "string", description: "stratified subsample of this many emails (quick runs)" },
    out: { type: "string", description: "output directory for model.onnx and training.json (required)" },
  };
}

export function choiceOption<T extends string>(
  context: CommandContext,
  option: string,
  choices: readonly T[],
): T {
  const value = context.values[option];
  if (typeof value !== "string" || !(choices as readonly string[]).includes(value)) {
    throw new CliError(`--${option} must be one of ${choices.join(", ")}, got ${JSON.stringify(value)}`);
  }
  return value as T;
}

export function integerOption(
  context: CommandContext,
  option: string,
  min: number,
  max = Number.MAX_SAFE_INTEGER,
) {
  const value = numberOption(context, option, Number.NaN);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new CliError(
      `--${option} must be an integer from ${min} to ${max}, got ${JSON.stringify(context.values[option])}`,
    );
  }
  return value;
}

function rangeOption(
  context: CommandContext,
  option: string,
  accepts: (value: number) => boolean,
  what: string,
) {
  const value = numberOption(context, option, Number.NaN);
  if (!accepts(value))
    throw new CliError(`--${option} must be ${what}, got ${JSON.stringify(context.values[option])}`);
  return value;
}

export function positiveOption(context: CommandContext, option: string): number {
  return rangeOption(context, option, (value) => value > 0 && Number.isFinite(value), "a positive number");
}

export function fractionOption(context: CommandContext, option: string, what: string): number {
  return rangeOption(context, option, (value) => value >= 0 && value <= 1, what);
}

export function parseHyperparameters(context: CommandContext): TrainOptions {
  const arch = choiceOption(context, "arch", ARCHITECTURES);
  return {
    arch,
    hidden: integerOption(context, "hidden", 1, 4096),
    epochs: integerOption(context, "epochs", 1, 10_000),
    batchSize: integerOption(context, "batch-size", 1, 1_000_000),
    learningRate:
      context.values.lr === undefined ? DEFAULT_LEARNING_RATE[arch] : positiveOption(context, "lr"),
    lrDecay: rangeOption(context, "lr-decay", (value) => value > 0 && value <= 1, "in (0, 1]"),
    l2: rangeOption(context, "l2", (value) => value >= 0 && Number.isFinite(value), "a non-negative number"),
    patience: integerOption(context, "patience", 1, 10_000),
    optimizer: choiceOption<Optimizer>(context, "optimizer", OPTIMIZERS),
    seed: integerOption(context, "seed", 0, 0xffffffff),
  };
}

export function parseBuckets(context: CommandContext): number {
  return integerOption(context, "buckets", 8, 1 << 20);
}

/** Smallest subsample that still puts a few ham and spam emails in every split. */
export const MIN_LIMIT = 40;

export function parseLimit(context: CommandContext): number | undefined {
  return context.values.limit === undefined ? undefined : integerOption(context, "limit", MIN_LIMIT);
}

export function parseCollection(context: CommandContext): Collection {
  return choiceOption(context, "collection", COLLECTION_NAMES);
}

/** Checked before training, so a bad --out fails in a second instead of after minutes of work. */
export async function parseOutputDirectory(context: CommandContext): Promise<string> {
  const out = requireString(context, "out");
  const existing = await stat(out).catch(() => undefined);
  if (existing && !existing.isDirectory()) throw new CliError(`--out ${out} exists and is not a directory`);
  return out;
}

/** The data library's RangeErrors come from the options (a limit or split that cannot be made): usage. */
export async function asCliErrors<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (error instanceof RangeError) throw new CliError(error.message);
    throw error;
  }
}

export function formatEpoch(stats: EpochStats, epochs: number): string {
  const width = String(epochs).length;
  return [
    `epoch ${String(stats.epoch).padStart(width)}/${epochs}`,
    `train loss ${stats.trainLoss.toFixed(4)}`,
    `val loss ${stats.valLoss.toFixed(4)}`,
    ...(stats.valAccuracy === null ? [] : [`val acc ${percent(stats.valAccuracy)}`]),
    `lr ${stats.lr.toPrecision(3)}`,
  ].join("  ");
}

function percent(value: number): string {
  return `${(value * 100).toFixed(2)}%`;
}

export function formatMetrics(metrics: ClassificationMetrics): string {
  const auc = metrics.auc === null ? "n/a" : metrics.auc.toFixed(4);
  return [
    `accuracy ${percent(metrics.accuracy)}`,
    `precision ${percent(metrics.precision)}`,
    `recall ${percent(metrics.recall)}`,
    `f1 ${percent(metrics.f1)}`,
    `auc ${auc}`,
    `log loss ${metrics.logLoss.toFixed(4)}`,
  ].join("  ");
}

/** Writes model.onnx and training.json (each atomically) and renders the run for the terminal. */
export async function writeRun(out: string, run: TrainRun, verb: string) {
  const modelPath = join(out, "model.onnx");
  const recordPath = join(out, "training.json");
  await writeFileAtomic(modelPath, run.onnx);
  await writeJsonAtomic(recordPath, run.record);
  const { record } = run;
  const { sizes } = record.data;
  const stopped = record.stoppedEarly ? ", stopped early" : "";
  const seconds = ((record.timing.featurizeMs + record.timing.trainMs) / 1000).toFixed(1);
  const text = [
    `${verb} ${record.model.arch} on ${record.data.collection}: ${sizes.train} train / ${sizes.validation} validation / ${sizes.test} test emails, best epoch ${record.bestEpoch} of ${record.history.length}${stopped}, ${seconds}s`,
    `validation  ${formatMetrics(record.metrics.validation)}`,
    `test        ${formatMetrics(record.metrics.test)}`,
    `wrote ${modelPath} (${run.onnx.byteLength} bytes) and ${recordPath}`,
  ].join("\n");
  const data = {
    model: modelPath,
    training: recordPath,
    arch: record.model.arch,
    collection: record.data.collection,
    bestEpoch: record.bestEpoch,
    epochs: record.history.length,
    metrics: record.metrics,
  };
  return { data, text };
}
