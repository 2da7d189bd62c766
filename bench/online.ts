/**
 * The CPU an online update costs the scheduled run, in process: the work src/promotion/online.ts does
 * between reading the feedback rows and storing the new version (fine-tuning, writing the ONNX bytes,
 * re-reading them to judge the update as served, and the onnxruntime-web session that verifies them),
 * for spam v1 (logistic, int8), an int8 4096-64-2 MLP and the shipped weather model (tabular, int8
 * MLP), at several rows per run. CPU time is the
 * process's user + system time (process.cpuUsage), median of RUNS runs; the cron's limit is 30 s.
 * It also reports what the update is worth: v1 and its update on the held-out 2003 test split, after
 * learning from 2003 training mail with true labels and with flipped ones.
 * Writes its section of bench/RESULTS.md. Run: npx tsx bench/online.ts
 */
import { readFile } from "node:fs/promises";
import * as ort from "onnxruntime-web";
import { encodeFeatures, type FeedbackRow } from "../src/core/feedback-row.js";
import { tabularFeaturizer } from "../src/core/kinds/tabular/features.js";
import { argmax } from "../src/core/learn/heads.js";
import { initialNetwork } from "../src/core/learn/network.js";
import { predictProbabilities } from "../src/core/learn/predict.js";
import { buildSparseRows } from "../src/core/learn/rows.js";
import { Manifest } from "../src/core/manifest.js";
import { fineTuneOnline, type OnlineOutcome } from "../src/core/online-update.js";
import { readDenseClassifier } from "../src/core/onnx/dense-classifier.js";
import { WEB_SESSION_OPTIONS } from "../src/core/session-options.js";
import { UpdateSpec } from "../src/core/update-spec.js";
import { loadSplits } from "../src/toolchain/data.js";
import { exportOnnx } from "../src/toolchain/export.js";
import { quantizeModel } from "../src/toolchain/quantize.js";
import { textBatch } from "../test/text-batch.js";
import { newYorkDays } from "../test/weather-days.js";
import { median } from "./median.js";
import { writeSection } from "./results-section.js";

const RUNS = 5;
const ROWS_PER_RUN = [250, 1000, 5000];
ort.env.wasm.numThreads = 1;
const manifest = Manifest.parse(JSON.parse(await readFile("models/spam/1/manifest.json", "utf8")));
const v1 = new Uint8Array(await readFile("models/spam/1/model.onnx"));
const update = UpdateSpec.parse({ mode: "online", maxRowsPerRun: 5000, learningRate: 0.05, epochs: 5 });

const splits = await loadSplits("2003", { seed: 1 });
const learnMails = [...splits.train, ...splits.validation];
const testMails = splits.test;
const labelOf = (label: number) => (label === 1 ? "spam" : "ham");

/** Mail as the feedback rows the Worker keeps: its hashed-text features, sparse, and a label. */
function rowsOf(mails: typeof learnMails, count: number, flip: boolean): FeedbackRow[] {
  return Array.from({ length: count }, (_, i) => {
    const mail = mails[i % mails.length];
    const features = textBatch(manifest, [mail.text]).feeds.features;
    const label = labelOf(flip ? 1 - mail.label : mail.label);
    return {
      requestId: `bench-${i}`,
      index: 0,
      time: new Date(0).toISOString(),
      version: 1,
      label,
      features: encodeFeatures(features.data as Float32Array, [4096], true),
    };
  });
}

/** One update as the Worker runs it: fine-tune, write, then load and run the bytes in onnxruntime-web. */
async function onlineStep(
  parent: Uint8Array,
  rows: FeedbackRow[],
  of: Manifest = manifest,
  spec: UpdateSpec = update,
): Promise<OnlineOutcome> {
  const outcome = fineTuneOnline(parent, of, rows, spec);
  if (outcome.kind === "updated") {
    const session = await ort.InferenceSession.create(outcome.bytes, {
      ...WEB_SESSION_OPTIONS,
      executionProviders: ["wasm"],
    });
    const { check } = outcome;
    const width = check.features.length / check.rows;
    await session.run({
      [of.inputs[0].name]: new ort.Tensor("float32", check.features, [check.rows, width]),
    });
    await session.release();
  }
  return outcome;
}

async function cpuMs(
  parent: Uint8Array,
  rows: FeedbackRow[],
  of: Manifest = manifest,
  spec: UpdateSpec = update,
): Promise<number> {
  const times: number[] = [];
  for (let run = 0; run < RUNS; run++) {
    const before = process.cpuUsage();
    await onlineStep(parent, rows, of, spec);
    const used = process.cpuUsage(before);
    times.push((used.user + used.system) / 1000);
  }
  return median(times);
}

/** An int8 MLP of the spam model's shape (its weights seeded, not trained: only its cost is measured). */
function mlpParent(): Uint8Array {
  const network = initialNetwork({ arch: "mlp", hidden: 64, seed: 7, firstLayerScale: 0.5 }, 4096, 2);
  const fp32 = exportOnnx(network.toModel());
  return quantizeModel(fp32, { style: "weight-only", granularity: "per-channel", symmetric: true }).bytes;
}

const testFeatures = buildSparseRows(
  testMails.length,
  4096,
  (r) => textBatch(manifest, [testMails[r].text]).feeds.features.data as Float32Array,
);
function testAccuracy(bytes: Uint8Array): number {
  const classifier = readDenseClassifier(bytes, "features");
  const probabilities = predictProbabilities({ arch: "logistic", layers: classifier.layers }, testFeatures);
  let correct = 0;
  for (let r = 0; r < testMails.length; r++) {
    if (argmax(probabilities.subarray(r * 2, r * 2 + 2)) === testMails[r].label) correct++;
  }
  return correct / testMails.length;
}

const mlp = mlpParent();
const cost: string[] = [];
for (const count of ROWS_PER_RUN) {
  const rows = rowsOf(learnMails, count, false);
  const logistic = await cpuMs(v1, rows);
  const hidden = await cpuMs(mlp, rows);
  cost.push(`| ${count} | ${update.epochs} | ${logistic.toFixed(0)} | ${hidden.toFixed(0)} |`);
}

// The shipped weather model (tabular, int8 MLP) on New York's days, as test/worker/online-weather.test.ts updates it.
const weatherManifest = Manifest.parse(JSON.parse(await readFile("models/weather/1/manifest.json", "utf8")));
const weatherV1 = new Uint8Array(await readFile("models/weather/1/model.onnx"));
const weatherUpdate = UpdateSpec.parse({
  mode: "online",
  maxRowsPerRun: 5000,
  learningRate: 0.03,
  epochs: 20,
});
if (weatherManifest.input.kind !== "tabular") throw new Error("models/weather/1 takes tabular input");
const weatherFeatures = tabularFeaturizer(weatherManifest.input);
const newYork = [...(await newYorkDays("2015")), ...(await newYorkDays("2014"))];
const weatherRows = (count: number): FeedbackRow[] =>
  Array.from({ length: count }, (_, i) => {
    const day = newYork[i % newYork.length];
    const { matrix } = weatherFeatures.featurize([day.instance]);
    return {
      requestId: `bench-${i}`,
      index: 0,
      time: new Date(0).toISOString(),
      version: 1,
      label: day.label,
      features: encodeFeatures(matrix, [weatherFeatures.width], true),
    };
  });
const weatherCost: string[] = [];
for (const count of [365, 1000, 5000]) {
  const ms = await cpuMs(weatherV1, weatherRows(count), weatherManifest, weatherUpdate);
  weatherCost.push(`| ${count} | ${weatherUpdate.epochs} | ${ms.toFixed(0)} |`);
}

const worth: string[] = [];
const baseline = testAccuracy(v1);
for (const count of [320, 1000]) {
  for (const flip of [false, true]) {
    const outcome = fineTuneOnline(v1, manifest, rowsOf(learnMails, count, flip), update);
    const accuracy = outcome.kind === "updated" ? testAccuracy(outcome.bytes) : null;
    worth.push(
      `| ${count} | ${flip ? "flipped" : "true"} | ${(baseline * 100).toFixed(2)}% | ${
        accuracy === null
          ? `not published (${outcome.kind === "skipped" ? outcome.reason : ""})`
          : `${(accuracy * 100).toFixed(2)}%`
      } | ${((outcome.metrics.heldOutAccuracy ?? 0) * 100).toFixed(1)}% vs ${((outcome.metrics.parentHeldOutAccuracy ?? 0) * 100).toFixed(1)}% |`,
    );
  }
}

const markdown = `
## Online updates in the scheduled run

\`npx tsx bench/online.ts\` on ${new Date().toISOString().slice(0, 10)}, Node ${process.version}. CPU time
(user + system, median of ${RUNS}) of one update as the Worker's scheduled run does it after reading
its rows: fine-tuning (Adam, batch 32, ${update.epochs} epochs, the best epoch on the held-out ${update.heldOutShare * 100}% kept),
writing the weights into the parent's ONNX bytes (re-quantized int8 per channel), re-reading them to judge
the update as served, and an onnxruntime-web session that loads and runs them. The cron's CPU limit
is 30 s; \`update.maxRowsPerRun\` bounds a run (at most ${5000}).

| rows per run | epochs | spam v1, logistic 4096x2 (ms) | MLP 4096-64-2 (ms) |
| -----------: | -----: | ----------------------------: | -----------------: |
${cost.join("\n")}

The shipped weather model (models/weather/1: tabular, ${weatherFeatures.width} columns, int8 MLP, 5 classes)
at the settings test/worker/online-weather.test.ts gives it (${weatherUpdate.epochs} epochs), on New York's days:

| rows per run | epochs | weather@1 (ms) |
| -----------: | -----: | -------------: |
${weatherCost.join("\n")}

What an update is worth: spam v1 (trained on 2002 mail) fine-tuned on 2003 training mail, judged on
the 2003 test split (${testMails.length} mails, none of them learnt from), with true labels and with
every label flipped. The last column is the update's own held-out check against its parent (on the
labels it was given), which decides whether it is published at all; the promotion policy then judges
a published update on live feedback.

| feedback rows | labels | v1 on 2003 test | update on 2003 test | held-out: update vs v1 |
| ------------: | ------ | --------------: | ------------------: | ---------------------- |
${worth.join("\n")}
`;
console.log(markdown);
await writeSection("online", markdown);
