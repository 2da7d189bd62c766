/** `vane retrain`: a published version fine-tuned on its exported feedback, written as the next version. */

import { existsSync } from "node:fs";
import { join } from "node:path";
import { ARCHITECTURES } from "../../core/learn/network.js";
import { MODEL_NAME } from "../../core/manifest.js";
import type { RetrainSummary } from "../../toolchain/manifest.js";
import {
  retrainDatasetModel,
  writeRetrainedDatasetVersion,
} from "../../toolchain/retrain/dataset-retrain.js";
import { readFeedbackData } from "../../toolchain/retrain/feedback-data.js";
import { HEAD_DEFAULTS, trainHead } from "../../toolchain/retrain/head.js";
import {
  RETRAIN_DEFAULTS,
  retrain as retrainVersion,
  writeRetrainedVersion,
} from "../../toolchain/retrain/retrain.js";
import { TRAINING_RUN_FILE } from "../../toolchain/train/dataset-run.js";
import { DEFAULT_FINE_TUNE } from "../../toolchain/train/finetune.js";
import { CliError, type Command, type CommandContext, requireString } from "../command.js";
import {
  asCliErrors,
  choiceOption,
  formatEpoch,
  formatMetrics,
  fractionOption,
  integerOption,
  parseOutputDirectory,
  positiveOption,
} from "./training-options.js";

const percent = (value: number) => `${(value * 100).toFixed(2)}%`;
const points = (value: number) => `${value >= 0 ? "+" : ""}${(value * 100).toFixed(2)} points`;

function optionalInteger(context: CommandContext, option: string, min: number, max: number) {
  return context.values[option] === undefined ? undefined : integerOption(context, option, min, max);
}

/** The run's rows and how child and parent compare, the lines both kinds of retrain print first. */
function comparisonLines(
  labels: { parent: string; child: string },
  summary: RetrainSummary & {
    feedback: { sizes: { train: number; validation: number } };
  },
  epochs: { best: number; run: number },
  testSplit: string,
): string[] {
  const { parent, child } = labels;
  const { heldOut: held, parentTest, feedback: rows, replay } = summary;
  const compare = (c: typeof held) =>
    `${parent} ${percent(c.parent.accuracy)}  ${child} ${percent(c.child.accuracy)}  (${points(c.child.accuracy - c.parent.accuracy)})`;
  return [
    `retrained ${parent} as ${child} on ${rows.rows} feedback rows (${rows.from} .. ${rows.to}): ${rows.sizes.train} train + ${replay.train} replayed, ${rows.sizes.validation} + ${replay.validation} validation, ${rows.sizes.test} held out; best epoch ${epochs.best} of ${epochs.run}`,
    `held-out feedback  ${compare(held)}`,
    `${testSplit}  ${compare(parentTest)}`,
  ];
}

export const retrain: Command = {
  name: "retrain",
  summary: "fine-tune a published version on its exported feedback (with replay of its training data)",
  usage:
    "vane retrain --from <model dir> --feedback <export.jsonl> --out <dir> [--replay-share 0.3] [--version <n>] | --head --from <imported model dir> --embedding-output <tensor> --feedback <export.jsonl> --out <dir> [--labels a,b,c]",
  options: {
    head: {
      type: "boolean",
      description: "transfer learning: train a new classification head on the frozen base's embeddings",
    },
    "embedding-output": {
      type: "string",
      description: "with --head: the graph output or inner tensor holding one vector per instance",
    },
    labels: {
      type: "string",
      description:
        "with --head: the new labels in output order, comma-separated (default: the feedback's, sorted)",
    },
    arch: {
      type: "string",
      default: HEAD_DEFAULTS.arch,
      description: `with --head: the head, ${ARCHITECTURES.join(" | ")}`,
    },
    hidden: {
      type: "string",
      default: String(HEAD_DEFAULTS.hidden),
      description: "with --head: hidden units of an mlp head",
    },
    from: {
      type: "string",
      description:
        "the published version's model directory: model.onnx and manifest.json with training.json (vane train) or training-run.json (vane train --data, a tabular classifier) (required)",
    },
    feedback: { type: "string", description: "feedback data, as vane feedback export writes it (required)" },
    "replay-share": {
      type: "string",
      default: String(RETRAIN_DEFAULTS.replayShare),
      description: "share of the tuning rows drawn from the parent's own training data",
    },
    "held-out": {
      type: "string",
      default: String(RETRAIN_DEFAULTS.heldOut),
      description: "share of the feedback held out to compare parent and child",
    },
    validation: {
      type: "string",
      default: String(RETRAIN_DEFAULTS.validation),
      description: "share of the remaining feedback that early-stops the tuning",
    },
    name: { type: "string", description: "model name (default: the parent's)" },
    version: { type: "string", description: "the new version's number (default: the parent's + 1)" },
    epochs: {
      type: "string",
      description: `maximum epochs, early stopping ends sooner (default: ${DEFAULT_FINE_TUNE.epochs}; with --head ${HEAD_DEFAULTS.fit.epochs})`,
    },
    lr: { type: "string", description: "learning rate (default: the parent's)" },
    "batch-size": { type: "string", description: "examples per mini-batch (default: the parent's)" },
    patience: {
      type: "string",
      description: "epochs without a better validation loss (default: the parent's)",
    },
    seed: {
      type: "string",
      default: String(RETRAIN_DEFAULTS.seed),
      description: "seed of the feedback split, the replay draw and the shuffling",
    },
    out: { type: "string", description: "output directory for the new version (required)" },
  },
  async run(context) {
    if (context.values.head) return runHead(context);
    const from = requireString(context, "from");
    const feedbackPath = requireString(context, "feedback");
    const replayShare = fractionOption(context, "replay-share", "a share from 0 to below 1");
    if (replayShare >= 1)
      throw new CliError("--replay-share must be below 1: the tuning needs feedback rows");
    const heldOut = fractionOption(context, "held-out", "a share from 0 to below 1");
    const validation = fractionOption(context, "validation", "a share from 0 to below 1");
    const name = typeof context.values.name === "string" ? context.values.name : undefined;
    if (name !== undefined && !MODEL_NAME.test(name))
      throw new CliError(`--name must match ${MODEL_NAME}, got ${JSON.stringify(name)}`);
    const version = optionalInteger(context, "version", 1, Number.MAX_SAFE_INTEGER);
    const epochs = optionalInteger(context, "epochs", 1, 10_000) ?? DEFAULT_FINE_TUNE.epochs;
    const training = {
      epochs,
      learningRate: context.values.lr === undefined ? undefined : positiveOption(context, "lr"),
      batchSize: optionalInteger(context, "batch-size", 1, 1_000_000),
      patience: optionalInteger(context, "patience", 1, 10_000),
      seed: integerOption(context, "seed", 0, 0xffffffff),
    };
    const out = await parseOutputDirectory(context);
    const feedback = await readFeedbackData(feedbackPath);
    const options = {
      from,
      feedback,
      feedbackSource: feedbackPath,
      replayShare,
      heldOut,
      validation,
      seed: training.seed,
      training,
      onEpoch: (stats: Parameters<typeof formatEpoch>[0]) => context.progress(formatEpoch(stats, epochs)),
    };
    if (existsSync(join(from, TRAINING_RUN_FILE))) {
      return renderDatasetRetrain(await asCliErrors(() => retrainDatasetModel(options)), out, {
        name,
        version,
      });
    }
    const result = await asCliErrors(() => retrainVersion(options));
    const identity = { name: name ?? result.parent.name, version: version ?? result.parent.version + 1 };
    const written = await writeRetrainedVersion(out, result, identity);
    const retraining = result.record.retraining;
    if (!retraining) throw new Error("a retrained record always carries its retraining");
    const { heldOut: held, parentTest, feedback: rows, replay } = retraining;
    const parentLabel = `${result.parent.name}@${result.parent.version}`;
    const childLabel = `${identity.name}@${identity.version}`;
    const text = [
      ...comparisonLines(
        { parent: parentLabel, child: childLabel },
        retraining,
        { best: result.record.bestEpoch, run: result.record.history.length },
        `parent's test split (${result.record.data.collection})`,
      ),
      `child on held-out  ${formatMetrics(held.child)}`,
      `wrote ${out} (${written.manifest.model.bytes} bytes, ${result.quantization.style} int8): vane publish ${out} --name ${identity.name} --version ${identity.version}`,
    ].join("\n");
    return {
      data: {
        out,
        parent: { name: result.parent.name, version: result.parent.version },
        name: identity.name,
        version: identity.version,
        feedback: rows,
        replay,
        heldOut: held,
        parentTest,
        manifest: written.manifest,
      },
      text,
    };
  },
};

/** Writes a retrained dataset model and says how it compares with its parent. */
async function renderDatasetRetrain(
  result: Awaited<ReturnType<typeof retrainDatasetModel>>,
  out: string,
  given: { name?: string; version?: number },
) {
  const identity = {
    name: given.name ?? result.parent.name,
    version: given.version ?? result.parent.version + 1,
  };
  const manifest = await writeRetrainedDatasetVersion(out, result, identity);
  const { heldOut: held, parentTest, feedback: rows, replay } = result.record.retraining;
  const parentLabel = `${result.parent.name}@${result.parent.version}`;
  const childLabel = `${identity.name}@${identity.version}`;
  const stored = result.quantization ? `${result.quantization.style} int8` : "float32, as its parent";
  const profile = manifest.profile
    ? `drift profile over the ${result.reference.instances.length} instances it was tuned on`
    : "no drift profile (the feedback kept no instances: keep instance, or run vane profile)";
  const text = [
    ...comparisonLines(
      { parent: parentLabel, child: childLabel },
      result.record.retraining,
      { best: result.record.bestEpoch, run: result.record.history.length },
      "parent's test split",
    ),
    `wrote ${out} (${manifest.model.bytes} bytes, ${stored}; ${profile}): vane publish ${out} --name ${identity.name} --version ${identity.version}`,
  ].join("\n");
  const comparison = (c: typeof held) => ({
    parent: { accuracy: c.parent.accuracy, macroF1: c.parent.macroF1, count: c.parent.count },
    child: { accuracy: c.child.accuracy, macroF1: c.child.macroF1, count: c.child.count },
  });
  return {
    data: {
      out,
      parent: { name: result.parent.name, version: result.parent.version },
      name: identity.name,
      version: identity.version,
      feedback: rows,
      replay,
      heldOut: comparison(held),
      parentTest: comparison(parentTest),
      manifest,
    },
    text,
  };
}

async function runHead(context: CommandContext) {
  const from = requireString(context, "from");
  const embeddingOutput = requireString(context, "embedding-output");
  const feedbackPath = requireString(context, "feedback");
  const name = typeof context.values.name === "string" ? context.values.name : undefined;
  if (name !== undefined && !MODEL_NAME.test(name))
    throw new CliError(`--name must match ${MODEL_NAME}, got ${JSON.stringify(name)}`);
  const labels =
    typeof context.values.labels === "string"
      ? context.values.labels.split(",").map((label) => label.trim())
      : undefined;
  if (
    labels &&
    (labels.length < 2 || labels.some((label) => label === "") || new Set(labels).size !== labels.length)
  )
    throw new CliError("--labels must name at least two distinct labels, comma-separated");
  const epochs = optionalInteger(context, "epochs", 1, 10_000) ?? HEAD_DEFAULTS.fit.epochs;
  const seed = integerOption(context, "seed", 0, 0xffffffff);
  const options = {
    from,
    embeddingOutput,
    feedback: await readFeedbackData(feedbackPath),
    feedbackSource: feedbackPath,
    labels,
    out: await parseOutputDirectory(context),
    name,
    version: optionalInteger(context, "version", 1, Number.MAX_SAFE_INTEGER),
    heldOut: fractionOption(context, "held-out", "a share from 0 to below 1"),
    validation: fractionOption(context, "validation", "a share from 0 to below 1"),
    seed,
    arch: choiceOption(context, "arch", ARCHITECTURES),
    hidden: integerOption(context, "hidden", 1, 4096),
    training: {
      epochs,
      seed,
      ...(context.values.lr === undefined ? {} : { learningRate: positiveOption(context, "lr") }),
      ...(context.values["batch-size"] === undefined
        ? {}
        : { batchSize: integerOption(context, "batch-size", 1, 1_000_000) }),
      ...(context.values.patience === undefined
        ? {}
        : { patience: integerOption(context, "patience", 1, 10_000) }),
    },
    onEpoch: (stats: Parameters<typeof formatEpoch>[0]) => context.progress(formatEpoch(stats, epochs)),
    progress: context.progress,
  };
  const result = await asCliErrors(() => trainHead(options));
  const { chance, nearestCentroid, head } = result.heldOut;
  const { name: model, version } = result.manifest;
  const text = [
    `trained a ${result.labels.length}-class head (${result.labels.join(", ")}) on ${result.embedding.output} [${result.embedding.width}] of ${from}: ${result.sizes.train} train, ${result.sizes.validation} validation, ${result.sizes.heldOut} held out; best epoch ${result.bestEpoch} of ${result.epochs}`,
    `held-out accuracy  chance ${percent(chance)}  nearest centroid ${percent(nearestCentroid)}  new head ${percent(head)}`,
    `wrote ${result.dir} (${result.manifest.model.bytes} bytes, one graph: base + head): vane publish ${result.dir}`,
  ].join("\n");
  return {
    data: {
      out: result.dir,
      name: model,
      version,
      labels: result.labels,
      embedding: result.embedding,
      sizes: result.sizes,
      heldOut: result.heldOut,
      manifest: result.manifest,
    },
    text,
  };
}
