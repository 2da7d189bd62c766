/**
 * Distillation from any ONNX teacher onto a user's dataset (`vane distill --teacher <dir> --data`):
 * the teacher, a model directory with its manifest (vane trained it, or `vane import` made it), runs
 * under onnxruntime-node on every row, fed as its own input kind feeds it (tabular columns from the
 * file, a text column, or, for a teacher that takes a plain tensor, the student's own features); a
 * small student then learns the teacher's softened probabilities (or its values, for a regressor),
 * with the dataset's labels mixed in. The report measures the student against the teacher: how often
 * they agree on held-out rows, their accuracy, their bytes and their latency per instance.
 */
import { existsSync } from "node:fs";
import { stat } from "node:fs/promises";
import { dirname, join } from "node:path";
import { UnprocessableError } from "../../core/errors.js";
import type { HashedTextSpec } from "../../core/kinds/hashed-text/schema.js";
import type { EpochCallback } from "../../core/learn/fit.js";
import { argmax, softenProbabilities } from "../../core/learn/heads.js";
import { type Rows, selectRows, toDense } from "../../core/learn/rows.js";
import type { Manifest } from "../../core/manifest.js";
import { answer } from "../../core/tasks/answer.js";
import type { HostTensor } from "../../core/tensor.js";
import {
  type Dataset,
  type DatasetOptions,
  loadDataset,
  matchesWhere,
  type SplitName,
} from "../dataset/index.js";
import { rowInstances } from "../dataset/instances.js";
import { type RawCell, type RawRow, readTable } from "../dataset/read.js";
import { loadModelFile } from "../model-dir.js";
import { MANIFEST_FILE, readManifestDir, readManifestFile } from "../model-manifest.js";
import { readAssets } from "../model-run.js";
import { batchBuilder } from "../requests.js";
import { openSession } from "../runtimes.js";
import {
  type ClassWeighting,
  type DatasetFeatures,
  type DatasetRun,
  datasetFeatures,
  fitRun,
  qualityOf,
  type SplitQuality,
} from "./dataset-run.js";
import type { TrainOptions } from "./trainer.js";

const SPLITS: readonly SplitName[] = ["train", "validation", "test"];
const TEACHER_BATCH = 256;

export interface DatasetTeacher {
  /** Where it came from, for the record. */
  source: string;
  manifest: Manifest;
  onnx: Uint8Array;
  dir: string;
}

/** A teacher: a model directory, or an .onnx file with the manifest.json beside it. */
export async function loadDatasetTeacher(path: string): Promise<DatasetTeacher> {
  const isDirectory = await stat(path).then(
    (s) => s.isDirectory(),
    () => false,
  );
  let teacher: DatasetTeacher;
  if (isDirectory) {
    const { manifest, model } = await readManifestDir(path);
    teacher = { source: path, manifest, onnx: model, dir: path };
  } else {
    const { bytes } = await loadModelFile(path);
    const dir = dirname(path);
    if (!existsSync(join(dir, MANIFEST_FILE))) {
      throw new UnprocessableError(
        `teacher ${path} has no ${MANIFEST_FILE} beside it: make it a model directory with vane import (its task, labels and input kind)`,
      );
    }
    teacher = { source: path, manifest: await readManifestFile(dir), onnx: bytes, dir };
  }
  const { task } = teacher.manifest;
  if (task.kind !== "classification" && task.kind !== "regression") {
    throw new UnprocessableError(
      `teacher ${path} is a ${task.kind} model: a student learns a classifier's probabilities or a regressor's values`,
    );
  }
  return teacher;
}

/** A teacher that takes a plain tensor is fed the student's features: its one input must take them. */
function checkTensorTeacher(teacher: DatasetTeacher, width: number): void {
  const { inputs } = teacher.manifest;
  const shape = inputs[0].shape;
  if (
    inputs.length !== 1 ||
    inputs[0].dtype !== "float32" ||
    shape.length !== 2 ||
    (typeof shape[1] === "number" && shape[1] !== width)
  ) {
    throw new UnprocessableError(
      `teacher ${teacher.source} takes tensors, and is fed the student's features only if its one input is float32 [batch, ${width}]; import it with its input kind (vane import --input-kind)`,
    );
  }
}

/** A session over the teacher that turns rows (instances, or the student's features) into outputs. */
async function teacherRunner(teacher: DatasetTeacher) {
  const { manifest } = teacher;
  const session = await openSession("node", teacher.onnx);
  const builder = batchBuilder(manifest, await readAssets(teacher.dir, manifest));
  const task = manifest.task;
  const outputs = task.kind === "classification" ? task.labels.length : 1;
  const tensorInput = manifest.inputs[0];
  const read = (result: Record<string, HostTensor>, size: number): number[][] => {
    const predictions = answer(task, result, size) ?? [];
    return predictions.map((prediction) => {
      if ("probabilities" in prediction && task.kind === "classification") {
        return task.labels.map((label) => prediction.probabilities[label]);
      }
      if ("value" in prediction) return [prediction.value];
      throw new UnprocessableError(
        `teacher ${teacher.source} answers ${outputs} values per row; a student learns one`,
      );
    });
  };
  return {
    outputs,
    /** Row-major [rows, outputs]: probabilities in the teacher's label order, or values. */
    async run(
      size: number,
      feedsOf: (start: number, end: number) => Record<string, HostTensor>,
    ): Promise<Float32Array> {
      const result = new Float32Array(size * outputs);
      for (let start = 0; start < size; start += TEACHER_BATCH) {
        const end = Math.min(start + TEACHER_BATCH, size);
        for (const [i, values] of read(await session.run(feedsOf(start, end)), end - start).entries()) {
          result.set(values, (start + i) * outputs);
        }
      }
      return result;
    },
    instanceFeeds: (instances: readonly unknown[]) => builder.build({ instances: [...instances] }).feeds,
    rowFeeds: (rows: Rows, indices: readonly number[]): Record<string, HostTensor> => ({
      [tensorInput.name]: {
        dtype: "float32",
        dims: [indices.length, rows.cols],
        data: toDense(selectRows(rows, indices)),
      },
    }),
    /** Median milliseconds of one instance's run, feeds built beforehand. */
    latency: (feeds: Record<string, HostTensor>, runs: number) => medianRun(session, feeds, runs),
    release: () => session.release(),
  };
}

async function medianRun(
  session: { run(feeds: Record<string, HostTensor>): Promise<unknown> },
  feeds: Record<string, HostTensor>,
  runs: number,
): Promise<number> {
  const warmup = Math.min(20, runs);
  const times: number[] = [];
  for (let i = 0; i < warmup + runs; i++) {
    const started = performance.now();
    await session.run(feeds);
    if (i >= warmup) times.push(performance.now() - started);
  }
  times.sort((a, b) => a - b);
  const middle = times.length >> 1;
  return times.length % 2 ? times[middle] : (times[middle - 1] + times[middle]) / 2;
}

export interface DistillReport {
  teacher: string;
  task: "classification" | "regression";
  temperature: number;
  alpha: number;
  /** Share of held-out rows the student labels as the teacher does (classification), or the mean |student - teacher| (regression). */
  agreement: Record<"validation" | "test", number | null>;
  /** Whether the file had labels; without, the teacher's answers were the labels. */
  labelled: boolean;
  /** The teacher's own quality on the held-out rows, against the file's labels (null without them). */
  teacherQuality: Record<"validation" | "test", SplitQuality | null>;
  bytes: { teacher: number; student: number };
  /** Median ms of one instance under onnxruntime-node (feeds built beforehand). */
  latencyMs: { teacher: number; student: number };
}

export interface DatasetDistillOptions {
  teacher: DatasetTeacher;
  /** The dataset file and how to read it (the student's features, the label if it has one, the split). */
  path: string;
  options: Omit<DatasetOptions, "label" | "labelOf"> & { label?: string };
  name: string;
  version: number;
  training: TrainOptions;
  /** Softens the teacher's probabilities (classification). */
  temperature: number;
  /** Weight of the teacher's outputs; 1 - alpha goes to the dataset's labels. */
  alpha: number;
  classWeights?: ClassWeighting;
  textSpec: HashedTextSpec;
  /** Timed single-instance runs per model. */
  latencyRuns?: number;
  description?: string;
  onEpoch?: EpochCallback;
}

/**
 * The dataset in the teacher's terms: a classifier's classes are the teacher's labels (the student
 * answers as it does), so each row's class is re-indexed into them; a label the teacher lacks is refused.
 */
function inTeacherClasses(dataset: Dataset, teacher: DatasetTeacher): Dataset {
  const task = teacher.manifest.task;
  if (task.kind !== "classification") {
    if (dataset.labels) {
      throw new UnprocessableError(
        `teacher ${teacher.source} is a regressor: distill it with --task regression`,
      );
    }
    return dataset;
  }
  if (!dataset.labels) {
    throw new UnprocessableError(
      `teacher ${teacher.source} is a classifier: its student is one too (no --task regression)`,
    );
  }
  const own = dataset.labels;
  const index = own.map((label) => task.labels.indexOf(label));
  const unknown = own.filter((_, c) => index[c] < 0);
  if (unknown.length > 0) {
    throw new UnprocessableError(
      `label ${dataset.label} has classes the teacher does not know: ${unknown.join(", ")} (its labels: ${task.labels.join(", ")})`,
    );
  }
  const splits = Object.fromEntries(
    SPLITS.map((split) => [
      split,
      dataset.splits[split].map((row) => ({ ...row, target: index[row.target] })),
    ]),
  ) as Dataset["splits"];
  return { ...dataset, labels: [...task.labels], splits };
}

function agreementOf(
  student: Float32Array,
  teacher: Float32Array,
  outputs: number,
  classification: boolean,
): number | null {
  const rows = teacher.length / outputs;
  if (rows === 0) return null;
  let sum = 0;
  for (let row = 0; row < rows; row++) {
    const s = student.subarray(row * outputs, (row + 1) * outputs);
    const t = teacher.subarray(row * outputs, (row + 1) * outputs);
    sum += classification ? (argmax(s) === argmax(t) ? 1 : 0) : Math.abs(s[0] - t[0]);
  }
  return sum / rows;
}

function teacherAnswer(teacher: DatasetTeacher, outputs: Float32Array): RawCell {
  const task = teacher.manifest.task;
  return task.kind === "classification" ? task.labels[argmax(outputs)] : outputs[0];
}

/**
 * Trains a student on the teacher's outputs for the train split and compares the two on held-out rows.
 * Without a label column the teacher's answers are the labels (its most probable class, or its value),
 * and the split is made on them.
 */
export async function distillDataset(
  options: DatasetDistillOptions,
): Promise<{ run: DatasetRun; report: DistillReport }> {
  const { teacher, alpha } = options;
  if (!(alpha >= 0 && alpha <= 1)) throw new RangeError(`alpha must be in [0, 1], got ${alpha}`);
  const runner = await teacherRunner(teacher);
  const classification = teacher.manifest.task.kind === "classification";
  const runs = options.latencyRuns ?? 200;
  try {
    const featurizeStarted = performance.now();
    // The teacher's outputs per line of the file, for a teacher fed instances.
    const table = await readTable(options.path);
    const make = rowInstances(
      teacher.manifest,
      table.columns,
      options.options.text,
      `teacher ${teacher.source}`,
    );
    let byLine: Map<number, Float32Array> | undefined;
    let teacherLatency = 0;
    if (make) {
      const rows = table.rows.filter((row) => matchesWhere(row, options.options.where));
      const instances = rows.map(make);
      const all = await runner.run(rows.length, (start, end) =>
        runner.instanceFeeds(instances.slice(start, end)),
      );
      byLine = new Map(
        rows.map((row, i) => [row.line, all.subarray(i * runner.outputs, (i + 1) * runner.outputs)]),
      );
      if (rows.length > 0)
        teacherLatency = await runner.latency(runner.instanceFeeds(instances.slice(0, 1)), runs);
    }
    const label = options.options.label;
    if (label === undefined && !byLine) {
      throw new UnprocessableError(
        `teacher ${teacher.source} takes tensors, so its answers come after featurizing: give the data a --label, or import the teacher with its input kind`,
      );
    }
    const answers = byLine;
    const loaded = await loadDataset(options.path, {
      ...options.options,
      ...(label === undefined && answers
        ? {
            label: "teacher",
            task: classification ? "classification" : "regression",
            labelOf: (row: RawRow) => {
              const outputs = answers.get(row.line);
              return outputs ? teacherAnswer(teacher, outputs) : undefined;
            },
          }
        : { label: label as string }),
    });
    const dataset = inTeacherClasses(loaded, teacher);
    const features: DatasetFeatures = datasetFeatures(dataset, options.textSpec);
    const outputs = {} as Record<SplitName, Float32Array>;
    for (const split of SPLITS) {
      const rows = features.rows[split];
      if (answers) {
        outputs[split] = new Float32Array(rows.rows * runner.outputs);
        dataset.splits[split].forEach((row, i) => {
          outputs[split].set(answers.get(row.line) as Float32Array, i * runner.outputs);
        });
      } else {
        checkTensorTeacher(teacher, features.width);
        const indices = (start: number, end: number) =>
          Array.from({ length: end - start }, (_, i) => start + i);
        outputs[split] = await runner.run(rows.rows, (start, end) =>
          runner.rowFeeds(rows, indices(start, end)),
        );
      }
    }
    if (!answers) teacherLatency = await runner.latency(runner.rowFeeds(features.rows.train, [0]), runs);
    return await finishDistill(options, {
      dataset,
      features,
      outputs,
      classification,
      teacherLatency,
      featurizeStarted,
      labelled: label !== undefined,
      classes: runner.outputs,
    });
  } finally {
    await runner.release();
  }
}

interface TeacherRun {
  dataset: Dataset;
  features: DatasetFeatures;
  /** The teacher's outputs for each split's rows, in their order. */
  outputs: Record<SplitName, Float32Array>;
  classification: boolean;
  teacherLatency: number;
  featurizeStarted: number;
  /** Whether the dataset's labels are the file's (else the teacher's answers). */
  labelled: boolean;
  classes: number;
}

async function finishDistill(
  options: DatasetDistillOptions,
  taught: TeacherRun,
): Promise<{ run: DatasetRun; report: DistillReport }> {
  const { teacher, temperature, alpha } = options;
  const { dataset, features, outputs, classification } = taught;
  const run = fitRun(options, dataset, features, taught.featurizeStarted, {
    extras: classification
      ? {
          soft: {
            targets: softenProbabilities(outputs.train, taught.classes, temperature),
            temperature,
            alpha,
          },
        }
      : { trainValues: Float64Array.from(outputs.train) },
    distillation: { teacher: teacher.source, temperature, alpha },
  });
  const student = await openSession("node", run.onnx);
  let studentLatency: number;
  const predicted = {} as Record<SplitName, Float32Array>;
  try {
    for (const split of ["validation", "test"] as const) {
      const rows = features.rows[split];
      predicted[split] =
        rows.rows === 0
          ? new Float32Array(0)
          : ((
              await student.run({
                [features.input.input]: {
                  dtype: "float32",
                  dims: [rows.rows, features.width],
                  data: toDense(rows),
                },
              })
            )[run.record.model.output].data as Float32Array);
    }
    const first = toDense(selectRows(features.rows.train, [0]));
    studentLatency = await medianRun(
      student,
      { [features.input.input]: { dtype: "float32", dims: [1, features.width], data: first } },
      options.latencyRuns ?? 200,
    );
  } finally {
    await student.release();
  }
  // Against the teacher's own answers its quality says nothing: only the file's labels measure it.
  const teacherQuality = (split: "validation" | "test"): SplitQuality | null =>
    taught.labelled && dataset.splits[split].length > 0 ? qualityOf(dataset, split, outputs[split]) : null;
  const report: DistillReport = {
    teacher: teacher.source,
    task: classification ? "classification" : "regression",
    temperature,
    alpha,
    labelled: taught.labelled,
    agreement: {
      validation: agreementOf(predicted.validation, outputs.validation, taught.classes, classification),
      test: agreementOf(predicted.test, outputs.test, taught.classes, classification),
    },
    teacherQuality: { validation: teacherQuality("validation"), test: teacherQuality("test") },
    bytes: { teacher: teacher.onnx.byteLength, student: run.onnx.byteLength },
    latencyMs: { teacher: taught.teacherLatency, student: studentLatency },
  };
  return { run, report };
}
