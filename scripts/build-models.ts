/**
 * `npm run models [-- spam|weather]`: rebuilds the shipped models from scratch: the spam models here,
 * the weather models in ./weather-models.ts (both without an argument).
 *
 *   v1: trained on the 2002 mail (easy-ham-1 + spam-1); v2: trained on the 2003 mail (easy-ham-2 + spam-2).
 *
 * For each: train in fp32, quantize to int8 (the served model), prune with fine-tuning and distill a
 * smaller student for comparison, evaluate every variant on the held-out test splits of both
 * collections (never on training data), build the drift profile and the manifest, and write
 * models/spam/<version>/ and the evaluation report models/spam/REPORT.md (+ report.json).
 */
import { mkdir, rm } from "node:fs/promises";
import { join } from "node:path";
import { type Collection, loadSplits } from "../src/toolchain/data.js";
import { type EvaluationRow, evaluateModels, evaluationTable } from "../src/toolchain/evaluate.js";
import { writeFileAtomic, writeJsonAtomic } from "../src/toolchain/files.js";
import { MODEL_FILE } from "../src/toolchain/manifest.js";
import { TRAINING_FILE } from "../src/toolchain/model-dir.js";
import { buildDriftArtifacts } from "../src/toolchain/profile.js";
import { pruneModel } from "../src/toolchain/prune.js";
import { DRIFT_FILE, PROFILE_FILE, readVersionFiles } from "../src/toolchain/publish.js";
import { type QuantizeOptions, quantizeModel } from "../src/toolchain/quantize.js";
import { fineTunePruned } from "../src/toolchain/train/finetune.js";
import {
  distillCollection,
  loadRecordSplits,
  onnxTeacher,
  type TrainRun,
  trainCollection,
} from "../src/toolchain/train/pipeline.js";
import type { TrainingRecord } from "../src/toolchain/train/record.js";
import type { TrainOptions } from "../src/toolchain/train/trainer.js";
import { buildWeatherModels } from "./weather-models.js";

const NAME = "spam";
const OUT = join("models", NAME);
const TRAINING: Partial<TrainOptions> = { arch: "logistic", seed: 1 };
/** The served model's quantization: the style measured fastest in onnxruntime-web (see bench/). */
const QUANTIZATION: QuantizeOptions = { style: "weight-only", granularity: "per-channel", symmetric: true };
const PRUNE_SPARSITY = 0.8;
const STUDENT_BUCKETS = 1024;
const VERSIONS: Array<{ version: number; collection: Collection }> = [
  { version: 1, collection: "2002" },
  { version: 2, collection: "2003" },
];

interface Variant {
  label: string;
  onnx: Uint8Array;
  record: TrainingRecord;
}

const log = (line: string) => process.stderr.write(`${line}\n`);

async function variantsFor(collection: Collection): Promise<{ trained: TrainRun; variants: Variant[] }> {
  log(`training ${TRAINING.arch} on ${collection}`);
  const trained = await trainCollection({
    collection,
    training: TRAINING,
    onEpoch: (s) =>
      log(`  epoch ${s.epoch}: train loss ${s.trainLoss.toFixed(4)}, val loss ${s.valLoss.toFixed(4)}`),
  });
  const int8 = quantizeModel(trained.onnx, QUANTIZATION);
  const splits = await loadRecordSplits(trained.record);
  log(`pruning to ${PRUNE_SPARSITY} sparsity and fine-tuning`);
  const pruned = fineTunePruned(trained.onnx, trained.record, splits, PRUNE_SPARSITY);
  log(`distilling a ${STUDENT_BUCKETS}-bucket student`);
  const teacher = await onnxTeacher(trained.onnx, trained.record.spec, "fp32", trained.record);
  const student = await distillCollection({
    teacher,
    splits,
    spec: { ...trained.record.spec, buckets: STUDENT_BUCKETS },
    training: { ...TRAINING },
  });
  const pruneOnly = pruneModel(trained.onnx, { sparsity: PRUNE_SPARSITY, scope: "layer" });
  return {
    trained,
    variants: [
      { label: "fp32", onnx: trained.onnx, record: trained.record },
      { label: "int8 (served)", onnx: int8.bytes, record: trained.record },
      {
        label: `pruned ${PRUNE_SPARSITY * 100}% (no fine-tuning)`,
        onnx: pruneOnly.bytes,
        record: trained.record,
      },
      { label: `pruned ${PRUNE_SPARSITY * 100}% + fine-tuned`, onnx: pruned.onnx, record: pruned.record },
      { label: `distilled (${STUDENT_BUCKETS} buckets)`, onnx: student.onnx, record: student.record },
      {
        label: `distilled int8`,
        onnx: quantizeModel(student.onnx, QUANTIZATION).bytes,
        record: student.record,
      },
    ],
  };
}

async function evaluateOn(collection: Collection, variants: readonly Variant[]): Promise<EvaluationRow[]> {
  const { test } = await loadSplits(collection, { seed: TRAINING.seed ?? 1 });
  log(`evaluating ${variants.length} variants on ${collection}/test (${test.length} emails)`);
  return evaluateModels(
    variants.map((v) => ({
      label: v.label,
      onnx: v.onnx,
      spec: v.record.spec,
      output: v.record.model.output,
    })),
    test,
  );
}

/** Builds models/spam/1 and /2 and models/spam/REPORT.md. */
async function buildSpamModels(): Promise<void> {
  const started = new Date();
  const report: Record<string, unknown> = {
    command: "npm run models",
    started: started.toISOString(),
    versions: [],
  };
  const sections: string[] = [];
  for (const { version, collection } of VERSIONS) {
    const { trained, variants } = await variantsFor(collection);
    const evaluations: Record<string, EvaluationRow[]> = {};
    for (const target of VERSIONS.map((v) => v.collection))
      evaluations[target] = await evaluateOn(target, variants);

    const dir = join(OUT, String(version));
    await rm(dir, { recursive: true, force: true });
    await mkdir(dir, { recursive: true });
    const served = variants[1];
    await writeFileAtomic(join(dir, MODEL_FILE), served.onnx);
    await writeJsonAtomic(join(dir, TRAINING_FILE), trained.record);
    log(`profiling ${NAME}@${version}`);
    const { drift, profile } = await buildDriftArtifacts(served.onnx, trained.record, {
      name: NAME,
      version,
    });
    await writeJsonAtomic(join(dir, DRIFT_FILE), drift);
    await writeJsonAtomic(join(dir, PROFILE_FILE), profile);
    const int8 = evaluations[collection][1];
    const fp32 = evaluations[collection][0];
    const { manifest } = await readVersionFiles(
      dir,
      { name: NAME, version },
      {
        quantization: QUANTIZATION,
        fp32Bytes: fp32.bytes,
        heldOut: {
          collection,
          split: "test",
          fp32Accuracy: fp32.metrics.accuracy,
          int8Accuracy: int8.metrics.accuracy,
        },
      },
    );

    const d = trained.record.data;
    sections.push(
      [
        `## ${NAME} v${version}: trained on the ${collection} mail`,
        "",
        `Training split: ${d.sizes.train} emails (${d.spam.train} spam), validation ${d.sizes.validation}, held-out test ${d.sizes.test} (seed ${d.seed}, stratified).`,
        `Served: int8 (${QUANTIZATION.style}, ${QUANTIZATION.granularity}, ${QUANTIZATION.symmetric ? "symmetric" : "asymmetric"}), ${int8.bytes} bytes = ${((100 * int8.bytes) / fp32.bytes).toFixed(1)}% of fp32's ${fp32.bytes}; accuracy ${(100 * int8.metrics.accuracy).toFixed(2)}% vs fp32 ${(100 * fp32.metrics.accuracy).toFixed(2)}% on the ${collection} held-out test split (${(100 * (fp32.metrics.accuracy - int8.metrics.accuracy)).toFixed(2)} points lost).`,
        `sha256 ${manifest.model.sha256}`,
        "",
        ...VERSIONS.flatMap(({ collection: target }) => [
          `### On ${target} mail (held-out test split of the ${target} collection${target === collection ? ", the model's own" : ", never seen in training"})`,
          "",
          evaluationTable(evaluations[target]),
          "",
        ]),
      ].join("\n"),
    );
    (report.versions as unknown[]).push({ version, collection, manifest, evaluations });
  }
  const header = [
    `# ${NAME}: evaluation report`,
    "",
    `Built by \`npm run models\` (scripts/build-models.ts) on ${started.toISOString().slice(0, 10)}, Node ${process.version}, ${process.platform}/${process.arch}.`,
    "Every number is measured on a held-out test split (15% of each collection, stratified, fixed by seed 1); no model is evaluated on data it was trained or early-stopped on.",
    "Latency: median of 200 single-instance runs after 20 warm-up runs, features precomputed, one thread; onnxruntime-web runs its wasm build inside Node here, with the Worker's session options (weight-only int8 folded to fp32 at load, src/core/session-options.ts).",
    "",
  ].join("\n");
  await writeFileAtomic(join(OUT, "REPORT.md"), `${header}\n${sections.join("\n")}`);
  await writeJsonAtomic(join(OUT, "report.json"), { ...report, finished: new Date().toISOString() });
  log(`wrote ${OUT}/REPORT.md`);
}

const BUILDERS: Record<string, () => Promise<void>> = { spam: buildSpamModels, weather: buildWeatherModels };
const chosen = process.argv.slice(2);
const unknown = chosen.filter((name) => !(name in BUILDERS));
if (unknown.length > 0) {
  process.stderr.write(`unknown model ${unknown.join(", ")}: build ${Object.keys(BUILDERS).join(" or ")}\n`);
  process.exit(2);
}
for (const name of chosen.length > 0 ? chosen : Object.keys(BUILDERS)) await BUILDERS[name]();
