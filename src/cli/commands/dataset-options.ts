/**
 * Options that name a dataset file and how to read it (`vane train --data`, `vane distill --data`):
 * the label and feature columns, a text column, the split, missing values, and the model's identity.
 */
import { stat } from "node:fs/promises";
import { join } from "node:path";
import type { HashedTextSpec } from "../../core/kinds/hashed-text/schema.js";
import type { EpochCallback } from "../../core/learn/fit.js";
import { MODEL_NAME } from "../../core/manifest.js";
import type { DatasetOptions, DatasetTask, SplitRule } from "../../toolchain/dataset/index.js";
import { confusionTable, perClassTable } from "../../toolchain/dataset-evaluation.js";
import { writeFileAtomic, writeJsonAtomic } from "../../toolchain/files.js";
import { MODEL_FILE } from "../../toolchain/manifest.js";
import { TRAINING_FILE } from "../../toolchain/model-dir.js";
import { MANIFEST_FILE } from "../../toolchain/model-manifest.js";
import {
  CLASS_WEIGHTINGS,
  type ClassWeighting,
  type DatasetRun,
  type SplitQuality,
  TRAINING_RUN_FILE,
} from "../../toolchain/train/dataset-run.js";
import { DEFAULT_SPEC } from "../../toolchain/train/record.js";
import type { TrainOptions } from "../../toolchain/train/trainer.js";
import { CliError, type CommandContext, type OptionSpec } from "../command.js";
import {
  choiceOption,
  formatEpoch,
  fractionOption,
  integerOption,
  parseBuckets,
  parseHyperparameters,
  parseOutputDirectory,
} from "./training-options.js";

const TASKS: readonly DatasetTask[] = ["classification", "regression"];
const MISSING = ["impute", "refuse"] as const;

export const DATASET_OPTIONS: Record<string, OptionSpec> = {
  data: {
    type: "string",
    description: "a dataset file, .csv (with a header line) or .jsonl (one object a line)",
  },
  label: {
    type: "string",
    description:
      "with --data: the column to predict (required for train; distill without it learns the teacher's answers alone)",
  },
  task: {
    type: "string",
    description: `with --data: ${TASKS.join(" | ")} (default: classification; the label's values are the classes)`,
  },
  features: {
    type: "string",
    description:
      "with --data: feature columns, comma-separated (default: every column but the label, text and split ones)",
  },
  text: {
    type: "string",
    description: "with --data: a text column, featurized as hashed text (then no --features)",
  },
  categorical: {
    type: "string",
    description: "with --data: columns of numbers to take as categories (codes), comma-separated",
  },
  exclude: {
    type: "string",
    description: "with --data: columns left out of the default features, comma-separated",
  },
  where: {
    type: "string",
    multiple: true,
    description: "with --data: only rows whose column holds this value, column=value (repeatable)",
  },
  missing: {
    type: "string",
    description:
      "with --data: missing feature values: impute (training mean, most frequent category) | refuse (default: impute)",
  },
  "split-column": {
    type: "string",
    description: "with --data: a column saying each row's split: train, validation or test",
  },
  "time-column": {
    type: "string",
    description:
      "with --data: a time column: the latest rows are held out (or cut at --validation-from and --test-from)",
  },
  "validation-from": {
    type: "string",
    description: "with --time-column: the first time of the validation split",
  },
  "test-from": { type: "string", description: "with --time-column: the first time of the test split" },
  "validation-fraction": {
    type: "string",
    description: "with --data: share of rows for validation (default: 0.15)",
  },
  "test-fraction": { type: "string", description: "with --data: share of rows for test (default: 0.15)" },
  "class-weights": {
    type: "string",
    description: `with --data: ${CLASS_WEIGHTINGS.join(" | ")}: balanced weighs each class inversely to its share of the train split (default: none)`,
  },
  name: {
    type: "string",
    description: "with --data: the model's name in its manifest (default: the output directory's)",
  },
  version: { type: "string", description: "with --data: the version its manifest records (default: 1)" },
  description: { type: "string", description: "with --data: a line on what the model does" },
};

/** Options that only make sense with --data. */
const DATA_ONLY = Object.keys(DATASET_OPTIONS).filter((name) => name !== "data");

const list = (value: unknown) =>
  typeof value === "string"
    ? value
        .split(",")
        .map((part) => part.trim())
        .filter((part) => part.length > 0)
    : undefined;

function optionalString(context: CommandContext, option: string): string | undefined {
  const value = context.values[option];
  if (value === undefined) return undefined;
  if (typeof value !== "string" || value.length === 0) throw new CliError(`--${option} needs a value`);
  return value;
}

/** Refuses dataset options given without --data, naming the first. */
export function refuseDatasetOptions(context: CommandContext): void {
  const given = DATA_ONLY.find((name) => context.values[name] !== undefined);
  if (given) throw new CliError(`--${given} needs --data <file.csv|file.jsonl>`);
}

function splitRule(context: CommandContext): SplitRule | undefined {
  const column = optionalString(context, "split-column");
  const time = optionalString(context, "time-column");
  const validationFrom = optionalString(context, "validation-from");
  const testFrom = optionalString(context, "test-from");
  if (column && time) throw new CliError("give --split-column or --time-column, not both");
  if ((validationFrom || testFrom) && !time)
    throw new CliError("--validation-from and --test-from need --time-column");
  if ((validationFrom === undefined) !== (testFrom === undefined)) {
    throw new CliError("a time split by dates needs both --validation-from and --test-from");
  }
  if (column) return { by: "column", column };
  if (time) return { by: "time", column: time, validationFrom, testFrom };
  return undefined;
}

/** `--where column=value` (repeatable) as a filter; undefined when not given. */
export function whereOption(context: CommandContext): Record<string, string> | undefined {
  const given = context.values.where as string[] | undefined;
  if (!given) return undefined;
  return Object.fromEntries(
    given.map((clause) => {
      const at = clause.indexOf("=");
      if (at <= 0) throw new CliError(`--where takes column=value, got ${JSON.stringify(clause)}`);
      return [clause.slice(0, at), clause.slice(at + 1)];
    }),
  );
}

interface DatasetChoice {
  path: string;
  /** The label is absent only where the data may come unlabelled (a teacher labels it). */
  options: Omit<DatasetOptions, "label"> & { label?: string };
  classWeights: ClassWeighting;
}

/** The dataset options as loadDataset takes them; `seed` seeds a random split. */
function parseDatasetOptions(
  context: CommandContext,
  seed: number,
  labels: "required" | "optional",
): DatasetChoice {
  const path = optionalString(context, "data") as string;
  const label = optionalString(context, "label");
  if (!label && labels === "required")
    throw new CliError("--data needs --label <column>: the column to predict");
  const text = optionalString(context, "text");
  const features = list(context.values.features);
  if (text && features) {
    throw new CliError(
      "a model takes one input kind: --text (a text column) or --features (columns), not both",
    );
  }
  if (features?.length === 0) throw new CliError("--features names no column");
  const task = context.values.task === undefined ? "classification" : choiceOption(context, "task", TASKS);
  const classWeights =
    context.values["class-weights"] === undefined
      ? "none"
      : choiceOption(context, "class-weights", CLASS_WEIGHTINGS);
  if (task === "regression" && classWeights !== "none")
    throw new CliError("--class-weights is for classification");
  const fraction = (option: string) =>
    context.values[option] === undefined ? undefined : fractionOption(context, option, "a share from 0 to 1");
  return {
    path,
    classWeights,
    options: {
      label,
      task,
      // Text alone: the other columns are not features of a hashed-text model.
      features: text ? [] : features,
      text,
      categorical: list(context.values.categorical),
      exclude: list(context.values.exclude),
      missing: context.values.missing === undefined ? "impute" : choiceOption(context, "missing", MISSING),
      split: splitRule(context),
      seed,
      validationFraction: fraction("validation-fraction"),
      testFraction: fraction("test-fraction"),
      where: whereOption(context),
    },
  };
}

/** The model's name and version: --name (else the output directory's, lower-cased) and --version. */
function parseIdentity(context: CommandContext, out: string): { name: string; version: number } {
  const given = optionalString(context, "name");
  const name =
    given ??
    (
      out
        .split(/[\\/]/)
        .filter((part) => part.length > 0)
        .at(-1) ?? ""
    )
      .toLowerCase()
      .replace(/[^a-z0-9-]+/g, "-")
      .replace(/^-+|-+$/g, "");
  if (!MODEL_NAME.test(name)) {
    throw new CliError(
      given === undefined
        ? `the output directory's name makes no model name (${MODEL_NAME}): give --name`
        : `--name must match ${MODEL_NAME}, got ${JSON.stringify(name)}`,
    );
  }
  const version = context.values.version === undefined ? 1 : integerOption(context, "version", 1);
  return { name, version };
}

/** A directory `vane train` wrote for the spam corpus would be published as one: refuse to mix the two. */
async function refuseSpamDirectory(out: string): Promise<void> {
  const existing = await stat(join(out, TRAINING_FILE)).catch(() => undefined);
  if (existing) {
    throw new CliError(
      `--out ${out} holds a spam model's ${TRAINING_FILE}: write a dataset model to another directory`,
    );
  }
}

/** What a `--data` run of train or distill reads from its options, besides the dataset itself. */
export interface DatasetRunChoice {
  path: string;
  options: DatasetChoice["options"];
  out: string;
  /** As trainDataset and distillDataset take them. */
  run: {
    name: string;
    version: number;
    training: TrainOptions;
    classWeights: ClassWeighting;
    textSpec: HashedTextSpec;
    description: string | undefined;
    onEpoch: EpochCallback;
  };
}

/**
 * The options of a `--data` run, checked in order: no option of the spam corpus (`spamOnly`, each
 * refused with `refusal`), the hyperparameters, the dataset, the text buckets, the output directory
 * (never a spam model's) and the model's identity.
 */
export async function parseDatasetRun(
  context: CommandContext,
  labels: "required" | "optional",
  spamOnly: readonly string[],
  refusal: (option: string) => string,
): Promise<DatasetRunChoice> {
  const given = spamOnly.find((option) => context.values[option] !== undefined);
  if (given) throw new CliError(refusal(given));
  const training = parseHyperparameters(context);
  const { path, options, classWeights } = parseDatasetOptions(context, training.seed, labels);
  const textSpec = { ...DEFAULT_SPEC, buckets: parseBuckets(context) };
  const out = await parseOutputDirectory(context);
  await refuseSpamDirectory(out);
  const { name, version } = parseIdentity(context, out);
  return {
    path,
    options,
    out,
    run: {
      name,
      version,
      training,
      classWeights,
      textSpec,
      description: typeof context.values.description === "string" ? context.values.description : undefined,
      onEpoch: (stats) => context.progress(formatEpoch(stats, training.epochs)),
    },
  };
}

function formatQuality(quality: SplitQuality | null): string {
  if (!quality) return "no rows";
  if (quality.task === "classification") {
    return `accuracy ${(quality.accuracy * 100).toFixed(2)}%  macro-F1 ${quality.macroF1.toFixed(4)}  log loss ${quality.logLoss.toFixed(4)}`;
  }
  const r2 = quality.r2 === null ? "n/a" : quality.r2.toFixed(4);
  return `MAE ${quality.mae.toPrecision(4)}  RMSE ${quality.rmse.toPrecision(4)}  R² ${r2}`;
}

/** Writes model.onnx, manifest.json and training-run.json (each atomically) and renders the run. */
export async function writeDatasetRun(out: string, run: DatasetRun, verb: string) {
  const modelPath = join(out, MODEL_FILE);
  const manifestPath = join(out, MANIFEST_FILE);
  const recordPath = join(out, TRAINING_RUN_FILE);
  await writeFileAtomic(modelPath, run.onnx);
  await writeJsonAtomic(recordPath, run.record);
  await writeJsonAtomic(manifestPath, run.manifest);
  const { record } = run;
  const { data } = record;
  const { sizes } = data.counts;
  const what = record.model.labels
    ? `${record.model.labels.length} classes: ${record.model.labels.join(", ")}`
    : "regression";
  const inputs = data.text === null ? `${data.features.length} columns` : `text column ${data.text}`;
  const stopped = record.stoppedEarly ? ", stopped early" : "";
  const seconds = ((record.timing.featurizeMs + record.timing.trainMs) / 1000).toFixed(1);
  const missing = Object.entries(data.counts.missing).filter(([, count]) => count > 0);
  const lines = [
    `${verb} ${record.model.arch} on ${data.path} (label ${data.label}, ${what}; ${inputs}): ${sizes.train} train / ${sizes.validation} validation / ${sizes.test} test rows, best epoch ${record.bestEpoch} of ${record.history.length}${stopped}, ${seconds}s`,
  ];
  if (data.counts.unlabelled > 0) lines.push(`rows without a label, left out: ${data.counts.unlabelled}`);
  if (missing.length > 0) {
    lines.push(
      `missing values imputed: ${missing.map(([column, count]) => `${column} ${count}`).join(", ")}`,
    );
  }
  if (record.classWeights) {
    const labels = record.model.labels ?? [];
    lines.push(
      `class weights (${record.classWeights.weighting}): ${record.classWeights.weights.map((w, c) => `${labels[c]} ${w.toFixed(3)}`).join(", ")}`,
    );
  }
  lines.push(`validation  ${formatQuality(record.metrics.validation)}`);
  lines.push(`test        ${formatQuality(record.metrics.test)}`);
  const test = record.metrics.test;
  if (test?.task === "classification") lines.push("", perClassTable(test), "", confusionTable(test), "");
  lines.push(`wrote ${modelPath} (${run.onnx.byteLength} bytes), ${manifestPath} and ${recordPath}`);
  return {
    data: {
      model: modelPath,
      manifest: manifestPath,
      training: recordPath,
      name: run.manifest.name,
      version: run.manifest.version,
      task: data.task,
      labels: record.model.labels,
      arch: record.model.arch,
      bestEpoch: record.bestEpoch,
      epochs: record.history.length,
      counts: data.counts,
      classWeights: record.classWeights,
      metrics: record.metrics,
    },
    text: lines.join("\n"),
  };
}
