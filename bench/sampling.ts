/**
 * What drift sampling adds to the predict path's CPU, in process: building the samples of a request
 * (drift features from its tokens, feature row and prediction) against the work the request does
 * anyway (text features + onnxruntime-web inference, batch 1, as the Worker configures it).
 * Writes its section of bench/RESULTS.md. Run: npx tsx bench/sampling.ts
 */
import { readFile } from "node:fs/promises";
import * as ort from "onnxruntime-web";
import { Manifest } from "../src/core/manifest.js";
import { WEB_SESSION_OPTIONS } from "../src/core/session-options.js";
import { isSampled, samplesOf } from "../src/drift/sampling.js";
import { loadSplits } from "../src/toolchain/data.js";
import { textBatch } from "../test/text-batch.js";
import { median } from "./median.js";
import { writeSection } from "./results-section.js";

const RUNS = 9;
ort.env.wasm.numThreads = 1;
const manifest = Manifest.parse(JSON.parse(await readFile("models/spam/1/manifest.json", "utf8")));
const { input, task: declared } = manifest;
if (input.kind !== "hashed-text" || declared.kind !== "classification") {
  throw new Error("models/spam/1 must be a text classifier");
}
const spec = input;
const task = declared;
const { labels } = task;
const session = await ort.InferenceSession.create(await readFile("models/spam/1/model.onnx"), {
  ...WEB_SESSION_OPTIONS,
  executionProviders: ["wasm"],
});
const texts = (await loadSplits("2002", { seed: 1 })).test.map((email) => email.text);

/** The predict path's own work for one email, returning what sampling needs from it. */
async function predictOne(text: string) {
  const batch = textBatch(manifest, [text]);
  const feed = batch.feeds[spec.input];
  const result = await session.run({ [spec.input]: new ort.Tensor("float32", feed.data, [...feed.dims]) });
  const p = result[task.output].data as Float32Array;
  const probabilities = Object.fromEntries(labels.map((label, i) => [label, p[i]]));
  const label = p[1] > p[0] ? labels[1] : labels[0];
  return { batch, prediction: { label, probabilities } };
}

const scored = [];
for (const text of texts) scored.push(await predictOne(text));

const requestMs: number[] = [];
const samplingMs: number[] = [];
const sampleBytes: number[] = [];
for (let run = 0; run < RUNS; run++) {
  let start = performance.now();
  for (const text of texts) await predictOne(text);
  requestMs.push((performance.now() - start) / texts.length);
  start = performance.now();
  scored.forEach((s, i) => {
    const requestId = `bench-${run}-${i}`;
    const samples = samplesOf({
      manifest,
      role: "active",
      requestId,
      time: Date.now(),
      latencyMs: 1,
      sampleRate: 1,
      batch: s.batch,
      outputs: {},
      predictions: [s.prediction],
    });
    if (run === 0) sampleBytes.push(JSON.stringify(samples[0]).length);
    isSampled(requestId, 0.5);
  });
  samplingMs.push((performance.now() - start) / texts.length);
}

const request = median(requestMs);
const sampling = median(samplingMs);
await writeSection(
  "sampling",
  [
    "## Drift sampling on the request path (Node, in process)",
    "",
    `Command: \`npx tsx bench/sampling.ts\` (part of \`npm run bench\`); ${texts.length} emails of the 2002 held-out test split, median of ${RUNS} runs, ${new Date().toISOString()}. Baseline: the work a predict request does anyway for one email (text features + onnxruntime-web batch-1 inference with the Worker's session options).`,
    "",
    "| work per request (one email) | µs | vs baseline |",
    "|---|---:|---:|",
    `| text features + inference (baseline) | ${(request * 1000).toFixed(1)} | 1.00x |`,
    `| building its drift sample (${manifest.drift?.features.length} drift features, incl. the vocabulary check of every token) + the sampling decision | ${(sampling * 1000).toFixed(1)} | ${(sampling / request).toFixed(3)}x |`,
    "",
    `Building samples costs ${((100 * sampling) / request).toFixed(1)}% of the request's own CPU (the target, under 5% of predict latency, is for the whole of sampling: see "Load"), and in the Worker it runs in waitUntil, after the response. A serialized sample is ${median(sampleBytes)} bytes (median; max ${Math.max(...sampleBytes)}), whatever the text length: no raw text (the shipped model keeps no examples; see \`vane profile --keep-examples\`).`,
  ].join("\n"),
);
console.log(`request ${request} ms, sampling ${sampling} ms`);
