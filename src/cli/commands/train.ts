/** `vane train`: trains a spam model on one SpamAssassin collection and exports it to ONNX. */

import { trainCollection } from "../../toolchain/train/pipeline.js";
import { DEFAULT_SPEC } from "../../toolchain/train/record.js";
import type { Command } from "../command.js";
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

export const train: Command = {
  name: "train",
  summary: "train a spam classifier (logistic or mlp) on a SpamAssassin collection and export it to ONNX",
  usage: "vane train --out <dir> [--collection 2002|2003] [--arch logistic|mlp] [options]",
  options: {
    collection: { type: "string", default: "2002", description: "corpus collection: 2002 | 2003" },
    ...hyperparameterOptions({ arch: "logistic", buckets: DEFAULT_SPEC.buckets }),
  },
  async run(context) {
    const collection = parseCollection(context);
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
