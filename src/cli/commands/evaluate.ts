/** `vane evaluate`: compares model files on a held-out split (quality, bytes, latency per runtime). */
import { COLLECTION_NAMES, loadSplits } from "../../toolchain/data.js";
import { evaluateModels, evaluationTable } from "../../toolchain/evaluate.js";
import { labelledPath, loadModelDir } from "../../toolchain/model-dir.js";
import { DEFAULT_TRAIN_OPTIONS } from "../../toolchain/train/trainer.js";
import { CliError, type Command } from "../command.js";
import { choiceOption, integerOption, parseLimit } from "./training-options.js";

const SPLITS = ["test", "validation", "train"] as const;

export const evaluate: Command = {
  name: "evaluate",
  summary:
    "compare models on a labelled split: accuracy, F1, AUC, log loss, bytes and latency (node and web)",
  usage: "vane evaluate [label=]<model dir or .onnx>... [--collection 2003] [--split test] [--json]",
  options: {
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
