/** `vane prune`: magnitude pruning of the MatMul/Gemm weights of any ONNX model, optionally fine-tuned. */
import { dirname, join, resolve } from "node:path";
import { UnprocessableError } from "../../core/errors.js";
import { modelFromOnnx } from "../../toolchain/export.js";
import { writeJsonAtomic } from "../../toolchain/files.js";
import { loadModelFile } from "../../toolchain/model-dir.js";
import { OnnxFormatError } from "../../toolchain/onnx/model.js";
import {
  PRUNE_SCOPES,
  PruneError,
  type PruneReport,
  type PruneScope,
  pruneModel,
  sizes,
} from "../../toolchain/prune.js";
import { DEFAULT_FINE_TUNE, fineTunePruned } from "../../toolchain/train/finetune.js";
import { loadRecordSplits, readTrainingRecord } from "../../toolchain/train/pipeline.js";
import type { TrainingRecord } from "../../toolchain/train/record.js";
import { CliError, type Command, type CommandContext, requireString } from "../command.js";
import { aboutInput, formatBytes, modelPathArgument, writeModel } from "./compress-io.js";
import { asCliErrors, choiceOption, formatEpoch, formatMetrics } from "./training-options.js";

const percent = (x: number) => `${(x * 100).toFixed(1)}%`;

function render(report: PruneReport, input: string, out: string): string {
  const lines = [
    `pruned ${input} -> ${out} (${report.scope}, target ${percent(report.targetSparsity)}, achieved ${percent(report.sparsity)})`,
    `size: ${formatBytes(report.bytes.before)} -> ${formatBytes(report.bytes.after)}; gzip ${formatBytes(report.gzipBytes.before)} -> ${formatBytes(report.gzipBytes.after)}`,
  ];
  for (const w of report.weights) {
    lines.push(
      `  ${w.name} [${w.shape.join("x")}] ${w.nodes.join(", ")}: ${percent(w.sparsity)} zeros (${w.zeros}/${w.count})`,
    );
  }
  for (const s of report.skipped) lines.push(`  skipped ${s.node}: ${s.reason}`);
  return lines.join("\n");
}

function parseSparsity(context: CommandContext): number {
  const given = requireString(context, "sparsity");
  const sparsity = Number(given);
  if (!(sparsity >= 0 && sparsity <= 1)) {
    throw new CliError(`--sparsity must be a number between 0 and 1, got ${JSON.stringify(given)}`);
  }
  return sparsity;
}

/** The training directory to fine-tune with, checked before any work; its record goes beside --out. */
async function fineTuneSource(context: CommandContext, out: string) {
  const directory = context.values["fine-tune"];
  if (directory === undefined) return undefined;
  if (typeof directory !== "string" || directory.length === 0)
    throw new CliError("--fine-tune needs a directory");
  // The updated training.json is written next to the output model, so it must not replace the source's.
  if (resolve(dirname(out)) === resolve(directory)) {
    throw new CliError(`--out must be outside the training directory ${directory} when fine-tuning`);
  }
  return { directory, record: await readTrainingRecord(join(directory, "training.json")) };
}

function fineTune(context: CommandContext, pruned: Uint8Array, record: TrainingRecord) {
  return asCliErrors(async () => {
    const splits = await loadRecordSplits(record);
    // null: the zeros the generic pruner chose become the fine-tuning mask, so they stay zero.
    return fineTunePruned(pruned, record, splits, null, {}, (stats) =>
      context.progress(formatEpoch(stats, DEFAULT_FINE_TUNE.epochs)),
    );
  });
}

export const prune: Command = {
  name: "prune",
  summary: "zero the smallest MatMul/Gemm weights of an ONNX model (magnitude pruning)",
  usage:
    "vane prune <in.onnx> --out <out.onnx> --sparsity 0.5 [--scope global|layer] [--fine-tune <training dir>]",
  options: {
    out: { type: "string", description: "where to write the pruned model" },
    sparsity: { type: "string", description: "fraction of weights to zero, between 0 and 1" },
    scope: {
      type: "string",
      default: "global",
      description: "global: smallest weights across all layers; layer: the same fraction in each",
    },
    "fine-tune": {
      type: "string",
      description:
        "a `vane train`/`distill` output directory: retrain the surviving weights on its data split and write its updated training.json beside --out",
    },
  },
  async run(context) {
    const input = modelPathArgument(context);
    const out = requireString(context, "out");
    const sparsity = parseSparsity(context);
    const scope = choiceOption<PruneScope>(context, "scope", PRUNE_SCOPES);
    const source = await fineTuneSource(context, out);
    const { bytes } = await loadModelFile(input);
    if (source) {
      // Checked before pruning and loading the corpus: only our own graphs can be retrained.
      try {
        modelFromOnnx(bytes);
      } catch (error) {
        if (!(error instanceof OnnxFormatError)) throw error;
        throw new UnprocessableError(
          `--fine-tune needs a model exported by vane train or distill: ${input}: ${error.message}`,
        );
      }
    }
    let result: ReturnType<typeof pruneModel>;
    try {
      result = pruneModel(bytes, { sparsity, scope });
    } catch (error) {
      if (error instanceof PruneError || error instanceof OnnxFormatError) throw aboutInput(input, error);
      throw error;
    }
    if (!source) {
      await writeModel(out, result.bytes);
      return { data: { input, out, ...result.report }, text: render(result.report, input, out) };
    }

    const tuned = await fineTune(context, result.bytes, source.record);
    const recordPath = join(dirname(out), "training.json");
    await writeModel(out, tuned.onnx);
    await writeJsonAtomic(recordPath, tuned.record);
    const report = { ...result.report, ...sizes(bytes, tuned.onnx) };
    const { validation, test } = tuned.record.metrics;
    const text = [
      render(report, input, out),
      `fine-tuned on ${source.directory}: best epoch ${tuned.record.fineTuning?.bestEpoch} of ${tuned.record.fineTuning?.history.length}, ${percent(tuned.sparsity)} of weights still zero`,
      `validation  ${formatMetrics(validation)}`,
      `test        ${formatMetrics(test)}`,
      `wrote ${recordPath}`,
    ].join("\n");
    const fineTuning = { training: recordPath, sparsity: tuned.sparsity, metrics: { validation, test } };
    return { data: { input, out, ...report, fineTuning }, text };
  },
};
