/**
 * `vane distill`: trains a smaller student model on a teacher model's soft labels: any ONNX teacher
 * (a model directory) on a dataset file (`--data`), or a spam teacher on a SpamAssassin collection.
 */
import { stat } from "node:fs/promises";
import { join } from "node:path";
import { NotFoundError, UnprocessableError } from "../../core/errors.js";
import { HashedTextSpec } from "../../core/kinds/hashed-text/schema.js";
import type { DatasetSplits } from "../../toolchain/data.js";
import { loadSplits } from "../../toolchain/data.js";
import { readInputFile, readJsonFile } from "../../toolchain/files.js";
import {
  type DistillReport,
  distillDataset,
  loadDatasetTeacher,
} from "../../toolchain/train/dataset-distill.js";
import { DEFAULT_DISTILL } from "../../toolchain/train/distill.js";
import {
  distillCollection,
  loadRecordSplits,
  onnxTeacher,
  readTrainingRecord,
  type Teacher,
} from "../../toolchain/train/pipeline.js";
import { DEFAULT_SPEC } from "../../toolchain/train/record.js";
import {
  CliError,
  type Command,
  type CommandContext,
  type CommandResult,
  requireString,
} from "../command.js";
import {
  DATASET_OPTIONS,
  parseDatasetRun,
  refuseDatasetOptions,
  writeDatasetRun,
} from "./dataset-options.js";
import {
  asCliErrors,
  formatEpoch,
  fractionOption,
  hyperparameterOptions,
  parseBuckets,
  parseCollection,
  parseHyperparameters,
  parseLimit,
  parseOutputDirectory,
  positiveOption,
  writeRun,
} from "./training-options.js";

/** A quarter of the teacher's default width: 4x smaller, and on validation within noise of it. */
const STUDENT_BUCKETS = 1024;

const percent = (value: number | null) => (value === null ? "n/a" : `${(value * 100).toFixed(2)}%`);

function reportLines(report: DistillReport): string[] {
  const test = report.teacherQuality.test;
  const classification = report.task === "classification";
  const agreement = classification
    ? `agrees with the teacher on ${percent(report.agreement.test)} of test rows (validation ${percent(report.agreement.validation)})`
    : `mean |student - teacher| on test rows ${report.agreement.test?.toPrecision(4) ?? "n/a"}`;
  const teacherQuality =
    test?.task === "classification"
      ? `teacher test accuracy ${percent(test.accuracy)}`
      : test?.task === "regression"
        ? `teacher test MAE ${test.mae.toPrecision(4)}`
        : report.labelled
          ? "no test rows"
          : "no labels: the teacher's answers were the labels";
  return [
    `student ${agreement}; ${teacherQuality}`,
    `bytes: student ${report.bytes.student}, teacher ${report.bytes.teacher} (${((report.bytes.student / report.bytes.teacher) * 100).toFixed(1)}%)`,
    `latency per instance (onnxruntime-node, median): student ${report.latencyMs.student.toFixed(4)} ms, teacher ${report.latencyMs.teacher.toFixed(4)} ms`,
  ];
}

async function distillOnData(
  context: CommandContext,
  temperature: number,
  alpha: number,
): Promise<CommandResult> {
  const { path, options, out, run } = await parseDatasetRun(
    context,
    "optional",
    ["collection", "limit", "teacher-spec"],
    (option) => `--${option} is for a spam teacher, not --data (a teacher directory has its manifest)`,
  );
  const teacher = await loadDatasetTeacher(requireString(context, "teacher"));
  const { run: student, report } = await distillDataset({
    teacher,
    path,
    options,
    temperature,
    alpha,
    ...run,
  });
  const written = await writeDatasetRun(out, student, "distilled");
  return {
    data: { ...written.data, distillation: report },
    text: [written.text, ...reportLines(report)].join("\n"),
  };
}

export const distill: Command = {
  name: "distill",
  summary: "train a smaller student model on a teacher model's soft labels",
  usage:
    "vane distill --teacher <model dir> --data <file.csv|file.jsonl> --label <column> --out <dir> [dataset and training options]\n       vane distill --teacher <training dir | model.onnx --teacher-spec <json>> --out <dir> [options]",
  options: {
    teacher: {
      type: "string",
      description:
        "teacher: with --data, any model directory (vane import or vane train --data); else a spam `vane train` directory, or a model.onnx (with --teacher-spec) (required)",
    },
    "teacher-spec": {
      type: "string",
      description: "JSON with the teacher's hashed-text spec (a spec, a training.json or a manifest)",
    },
    collection: {
      type: "string",
      description: "corpus collection: 2002 | 2003 (default: the teacher's, else 2002)",
    },
    temperature: {
      type: "string",
      default: String(DEFAULT_DISTILL.temperature),
      description: "softens the teacher's probabilities",
    },
    alpha: {
      type: "string",
      default: String(DEFAULT_DISTILL.alpha),
      description: "weight of the soft labels (1 - alpha on the hard labels)",
    },
    ...DATASET_OPTIONS,
    ...hyperparameterOptions({ arch: "logistic", buckets: STUDENT_BUCKETS }),
  },
  async run(context) {
    const temperature = positiveOption(context, "temperature");
    const alpha = fractionOption(context, "alpha", "in [0, 1]");
    if (context.values.data !== undefined) return distillOnData(context, temperature, alpha);
    refuseDatasetOptions(context);
    const training = { ...parseHyperparameters(context), temperature, alpha };
    const spec = { ...DEFAULT_SPEC, buckets: parseBuckets(context) };
    const limit = parseLimit(context);
    const teacher = await loadTeacher(context);
    const collection =
      context.values.collection === undefined
        ? (teacher.record?.data.collection ?? "2002")
        : parseCollection(context);
    const out = await parseOutputDirectory(context);
    const run = await asCliErrors(async () => {
      const splits = await studentSplits(teacher, collection, limit, training.seed);
      return distillCollection({
        teacher,
        splits,
        spec,
        training,
        onEpoch: (stats) => context.progress(formatEpoch(stats, training.epochs)),
      });
    });
    return writeRun(out, run, "distilled");
  },
};

async function loadTeacher(context: CommandContext): Promise<Teacher> {
  const source = requireString(context, "teacher");
  const specPath = context.values["teacher-spec"];
  const info = await stat(source).catch(() => undefined);
  if (!info) throw new NotFoundError(`teacher ${source} does not exist`);
  if (info.isDirectory()) {
    if (specPath !== undefined) {
      throw new CliError(
        "--teacher-spec is for a teacher given as a model file; a directory has training.json",
      );
    }
    const record = await readTrainingRecord(join(source, "training.json"));
    const onnx = await readInputFile(join(source, "model.onnx"), "teacher model");
    return onnxTeacher(onnx, record.spec, source, record);
  }
  if (typeof specPath !== "string") {
    throw new CliError("--teacher-spec is required when --teacher is a model file");
  }
  const spec = specFrom(await readJsonFile(specPath, "teacher spec"), specPath);
  return onnxTeacher(await readInputFile(source, "teacher model"), spec, source);
}

/** Accepts the spec itself, a training record (`spec`) or a manifest (`input`, or the older `preprocessing`). */
function specFrom(value: unknown, path: string): HashedTextSpec {
  const candidates = [
    value,
    (value as { spec?: unknown })?.spec,
    (value as { input?: unknown })?.input,
    (value as { preprocessing?: unknown })?.preprocessing,
  ];
  for (const candidate of candidates) {
    const parsed = HashedTextSpec.safeParse(candidate);
    if (parsed.success) return parsed.data;
  }
  throw new UnprocessableError(
    `${path} holds no hashed-text spec (expected a spec, a training.json or a manifest)`,
  );
}

/**
 * The teacher's own split when it has one for this collection, so the student never trains on the
 * teacher's validation or test emails; otherwise a fresh split from --seed.
 */
async function studentSplits(
  teacher: Teacher,
  collection: DatasetSplits["collection"],
  limit: number | undefined,
  seed: number,
): Promise<DatasetSplits> {
  const record = teacher.record;
  if (record && record.data.collection === collection)
    return loadRecordSplits(record, limit ?? record.data.limit);
  return loadSplits(collection, { seed, limit });
}
