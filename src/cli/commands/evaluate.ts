/** `vane evaluate`: compares model files on a held-out split (quality, bytes, latency per runtime). */

import { existsSync } from "node:fs";
import { stat } from "node:fs/promises";
import { dirname, join } from "node:path";
import type { Manifest } from "../../core/manifest.js";
import { COLLECTION_NAMES, loadSplits } from "../../toolchain/data.js";
import { labelledRequestLines } from "../../toolchain/dataset/instances.js";
import {
  confusionTable,
  evaluateVariants,
  perClassTable,
  type Variant,
  variantTable,
} from "../../toolchain/dataset-evaluation.js";
import { evaluateModels, evaluationTable } from "../../toolchain/evaluate.js";
import { checkManifestAgainstGraph } from "../../toolchain/manifest-check.js";
import { labelledPath, loadModelDir, loadModelFile } from "../../toolchain/model-dir.js";
import { MANIFEST_FILE, readManifestDir, readManifestFile } from "../../toolchain/model-manifest.js";
import { buildLines, readAssets } from "../../toolchain/model-run.js";
import { decodeModel } from "../../toolchain/onnx/model.js";
import { graphSignature } from "../../toolchain/onnx/signature.js";
import { batchBuilder, type RequestLine, readRequestLines } from "../../toolchain/requests.js";
import { DEFAULT_TRAIN_OPTIONS } from "../../toolchain/train/trainer.js";
import { CliError, type Command, type CommandContext, type CommandResult } from "../command.js";

const isDirectory = (path: string) =>
  stat(path).then(
    (s) => s.isDirectory(),
    () => false,
  );

import { choiceOption, integerOption, parseLimit } from "./training-options.js";

const SPLITS = ["test", "validation", "train"] as const;

/** A variant: a model directory with its manifest, or an .onnx file evaluated under the first's. */
async function readVariant(
  argument: string,
  first?: Manifest,
): Promise<{ variant: Variant; manifest: Manifest; dir: string }> {
  const { label, path } = labelledPath(argument);
  if (await isDirectory(path)) {
    const { manifest, model } = await readManifestDir(path);
    return { variant: { label, model }, manifest, dir: path };
  }
  const { bytes } = await loadModelFile(path);
  const beside = join(dirname(path), MANIFEST_FILE);
  const manifest = existsSync(beside) ? await readManifestFile(dirname(path)) : first;
  if (!manifest) throw new CliError(`${path} has no manifest.json beside it: name a model directory first`);
  return { variant: { label, model: bytes }, manifest, dir: dirname(path) };
}

/** The labelled rows of a dataset file (--label), or a labelled JSONL of requests. */
async function readLabelled(
  context: CommandContext,
  data: string,
  manifest: Manifest,
): Promise<RequestLine[]> {
  const label = context.values.label;
  if (typeof label !== "string") {
    for (const option of ["text", "where"]) {
      if (context.values[option] !== undefined)
        throw new CliError(`--${option} needs --label (a dataset file)`);
    }
    return readRequestLines(data, "dataset");
  }
  const where = (context.values.where as string[] | undefined)?.map((clause) => {
    const at = clause.indexOf("=");
    if (at <= 0) throw new CliError(`--where takes column=value, got ${JSON.stringify(clause)}`);
    return [clause.slice(0, at), clause.slice(at + 1)];
  });
  return labelledRequestLines(data, manifest, {
    label,
    text: typeof context.values.text === "string" ? context.values.text : undefined,
    where: where ? Object.fromEntries(where) : undefined,
  });
}

async function evaluateOnDataset(
  context: CommandContext,
  argumentsGiven: readonly string[],
  data: string,
): Promise<CommandResult> {
  const first = await readVariant(argumentsGiven[0]);
  const assets = await readAssets(first.dir, first.manifest);
  const variants = [first.variant];
  for (const argument of argumentsGiven.slice(1)) {
    const { variant } = await readVariant(argument, first.manifest);
    // Every variant is fed what the first takes and read as the first is.
    checkManifestAgainstGraph(first.manifest, graphSignature(decodeModel(variant.model)), assets);
    variants.push(variant);
  }
  const lines = await readLabelled(context, data, first.manifest);
  const builder = batchBuilder(first.manifest, assets);
  const batches = buildLines(builder, lines, data);
  const rows = await evaluateVariants(first.manifest, variants, lines, batches, data);
  const confusions = rows.flatMap((row) =>
    row.quality.task === "classification"
      ? [`${row.label}:\n\n${perClassTable(row.quality)}\n\n${confusionTable(row.quality)}`]
      : [],
  );
  return {
    data: { data, task: first.manifest.task.kind, models: rows },
    text: [
      `${data}, ${rows[0].quality.count} instances, ${first.manifest.task.kind}`,
      variantTable(rows),
      ...confusions,
    ].join("\n\n"),
  };
}

export const evaluate: Command = {
  name: "evaluate",
  summary:
    "compare model variants on a labelled dataset (any model) or a spam split (vane's own): quality, bytes, latency",
  usage:
    "vane evaluate [label=]<model dir or .onnx>... --data <labelled.jsonl> | --data <file.csv|file.jsonl> --label <column> [--where column=value] | [--collection 2003] [--split test]; [--json]",
  options: {
    data: {
      type: "string",
      description:
        'labelled JSONL (requests as vane profile reads them, with "label" or "labels"), or with --label a dataset file (.csv or .jsonl of named columns); the first model is the reference the others are compared with',
    },
    label: { type: "string", description: "with --data: the label column of a dataset file" },
    text: { type: "string", description: "with --label: the text column a text model reads" },
    where: {
      type: "string",
      multiple: true,
      description: "with --label: only rows whose column holds this value, column=value (repeatable)",
    },
    collection: {
      type: "string",
      default: "2002",
      description: `collection: ${COLLECTION_NAMES.join(" | ")}`,
    },
    split: {
      type: "string",
      default: "test",
      description: `split: ${SPLITS.join(" | ")} (never the one trained on)`,
    },
    seed: {
      type: "string",
      default: String(DEFAULT_TRAIN_OPTIONS.seed),
      description: "seed of the data split",
    },
    limit: { type: "string", description: "stratified subsample of this many emails (quick runs)" },
    runs: { type: "string", default: "200", description: "timed single-instance runs per model and runtime" },
    training: { type: "string", description: "training.json for models whose directory has none" },
  },
  async run(context) {
    if (context.positionals.length === 0) throw new CliError("name at least one model to evaluate");
    if (typeof context.values.data === "string")
      return evaluateOnDataset(context, context.positionals, context.values.data);
    const collection = choiceOption(context, "collection", COLLECTION_NAMES);
    const split = choiceOption(context, "split", SPLITS);
    const seed = integerOption(context, "seed", 0);
    const runs = integerOption(context, "runs", 1);
    const training = typeof context.values.training === "string" ? context.values.training : undefined;
    const models = [];
    for (const argument of context.positionals) {
      const { label, path } = labelledPath(argument);
      const { onnx, record } = await loadModelDir(path, training);
      if (split === "train" || record.data.collection !== collection || record.data.seed !== seed) {
        context.progress(
          `${label}: evaluating on ${collection}/${split} (trained on ${record.data.collection})`,
        );
      }
      models.push({ label, onnx, spec: record.spec, output: record.model.output });
    }
    const splits = await loadSplits(collection, { seed, limit: parseLimit(context) });
    const emails = splits[split];
    context.progress(
      `evaluating ${models.length} model(s) on ${emails.length} emails of ${collection}/${split}`,
    );
    const rows = await evaluateModels(models, emails, { runs, warmup: Math.min(20, runs) });
    return {
      data: { collection, split, seed, emails: emails.length, models: rows },
      text: `${collection}/${split}, ${emails.length} emails, seed ${seed}\n\n${evaluationTable(rows)}`,
    };
  },
};
