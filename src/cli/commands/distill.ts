/** `vane distill`: trains a smaller student model on a teacher model's soft labels. */
import { stat } from "node:fs/promises";
import { join } from "node:path";
import { NotFoundError, UnprocessableError } from "../../core/errors.js";
import { HashedTextSpec } from "../../core/kinds/hashed-text/schema.js";
import type { DatasetSplits } from "../../toolchain/data.js";
import { loadSplits } from "../../toolchain/data.js";
import { readInputFile, readJsonFile } from "../../toolchain/files.js";
import { DEFAULT_DISTILL } from "../../toolchain/train/distill.js";
import {
  distillCollection,
  loadRecordSplits,
  onnxTeacher,
  readTrainingRecord,
  type Teacher,
} from "../../toolchain/train/pipeline.js";
import { DEFAULT_SPEC } from "../../toolchain/train/record.js";
import { CliError, type Command, type CommandContext, requireString } from "../command.js";
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

export const distill: Command = {
  name: "distill",
  summary: "train a smaller student model on a teacher model's soft labels",
  usage: "vane distill --teacher <training dir | model.onnx --teacher-spec <json>> --out <dir> [options]",
  options: {
    teacher: {
      type: "string",
      description:
        "teacher: a `vane train` output directory, or a model.onnx (with --teacher-spec) (required)",
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
    ...hyperparameterOptions({ arch: "logistic", buckets: STUDENT_BUCKETS }),
  },
  async run(context) {
    const training = {
      ...parseHyperparameters(context),
      temperature: positiveOption(context, "temperature"),
      alpha: fractionOption(context, "alpha", "in [0, 1]"),
    };
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
