/**
 * `vane train`: a model from a dataset file (`--data`: tabular columns or a text column, any number
 * of classes or a regression target), or a spam model on one SpamAssassin collection; exported to ONNX.
 */

import { loadDataset } from "../../toolchain/dataset/index.js";
import { trainDataset } from "../../toolchain/train/dataset-run.js";
import { trainCollection } from "../../toolchain/train/pipeline.js";
import { DEFAULT_SPEC } from "../../toolchain/train/record.js";
import type { Command, CommandContext, CommandResult } from "../command.js";
import {
  DATASET_OPTIONS,
  parseDatasetRun,
  refuseDatasetOptions,
  writeDatasetRun,
} from "./dataset-options.js";
import {
  asCliErrors,
  formatEpoch,
  hyperparameterOptions,
  parseBuckets,
  parseCollection,
  parseHyperparameters,
  parseLimit,
  parseOutputDirectory,
  writeRun,
} from "./training-options.js";

async function trainOnData(context: CommandContext): Promise<CommandResult> {
  const { path, options, out, run } = await parseDatasetRun(
    context,
    "required",
    ["collection", "limit"],
    (option) => `--${option} is for the spam corpus, not --data`,
  );
  const dataset = await loadDataset(path, { ...options, label: options.label as string });
  return writeDatasetRun(out, trainDataset({ dataset, ...run }), "trained");
}

export const train: Command = {
  name: "train",
  summary:
    "train a classifier or regressor (logistic or mlp) on a CSV/JSONL dataset, or a spam classifier on a SpamAssassin collection, and export it to ONNX",
  usage:
    "vane train --data <file.csv|file.jsonl> --label <column> --out <dir> [--features a,b | --text <column>] [--task classification|regression] [options]\n       vane train --out <dir> [--collection 2002|2003] [--arch logistic|mlp] [options]",
  options: {
    collection: { type: "string", description: "spam corpus collection: 2002 | 2003 (default: 2002)" },
    ...DATASET_OPTIONS,
    ...hyperparameterOptions({ arch: "logistic", buckets: DEFAULT_SPEC.buckets }),
  },
  async run(context) {
    if (context.values.data !== undefined) return trainOnData(context);
    refuseDatasetOptions(context);
    const collection = context.values.collection === undefined ? "2002" : parseCollection(context);
    const training = parseHyperparameters(context);
    const spec = { ...DEFAULT_SPEC, buckets: parseBuckets(context) };
    const limit = parseLimit(context);
    const out = await parseOutputDirectory(context);
    const run = await asCliErrors(() =>
      trainCollection({
        collection,
        limit,
        spec,
        training,
        onEpoch: (stats) => context.progress(formatEpoch(stats, training.epochs)),
      }),
    );
    return writeRun(out, run, "trained");
  },
};
