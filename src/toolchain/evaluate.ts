/**
 * Side-by-side evaluation of model files on a labelled split: quality (accuracy, precision, recall,
 * F1, ROC-AUC, log loss), size (raw and gzip) and latency per instance under onnxruntime-node and
 * onnxruntime-web, each model with its own preprocessing spec.
 */
import { gzipSync } from "node:zlib";
import * as ortNode from "onnxruntime-node";
import * as ortWeb from "onnxruntime-web";
import { textFeatureMatrix } from "../core/kinds/hashed-text/features.js";
import type { HashedTextSpec } from "../core/kinds/hashed-text/schema.js";
import { WEB_SESSION_OPTIONS } from "../core/session-options.js";
import type { Email } from "./data.js";
import { type ClassificationMetrics, classificationMetrics } from "./metrics.js";
import { nodeClassifier } from "./onnx-runner.js";

export interface ModelUnderTest {
  label: string;
  onnx: Uint8Array;
  spec: HashedTextSpec;
  output: string;
}

export interface EvaluationRow {
  label: string;
  metrics: ClassificationMetrics;
  bytes: number;
  gzipBytes: number;
  /** Median milliseconds for one instance (features precomputed), per runtime. */
  latencyMs: { node: number; web: number };
}

export interface LatencyOptions {
  /** Instances timed per runtime (each its own run, after warm-up). */
  runs: number;
  warmup: number;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

type Runtime = typeof ortNode | typeof ortWeb;

async function latencyPerInstance(
  runtime: Runtime,
  model: ModelUnderTest,
  texts: readonly string[],
  options: LatencyOptions,
): Promise<number> {
  // onnxruntime-web as the Worker configures it; onnxruntime-node with its defaults.
  const sessionOptions = runtime === ortWeb ? { ...WEB_SESSION_OPTIONS, executionProviders: ["wasm"] } : {};
  const session = await runtime.InferenceSession.create(model.onnx, sessionOptions);
  const inputs = texts.map(
    (text) => new runtime.Tensor("float32", textFeatureMatrix(model.spec, [text]), [1, model.spec.buckets]),
  );
  const times: number[] = [];
  for (let i = 0; i < options.warmup + options.runs; i++) {
    const feeds = { [model.spec.input]: inputs[i % inputs.length] };
    const start = performance.now();
    await session.run(feeds as never);
    if (i >= options.warmup) times.push(performance.now() - start);
  }
  await session.release();
  return median(times);
}

export async function evaluateModels(
  models: readonly ModelUnderTest[],
  emails: readonly Email[],
  latency: LatencyOptions = { runs: 200, warmup: 20 },
): Promise<EvaluationRow[]> {
  ortWeb.env.wasm.numThreads = 1;
  const texts = emails.map((email) => email.text);
  const labels = emails.map((email) => email.label);
  const rows: EvaluationRow[] = [];
  for (const model of models) {
    const classifier = await nodeClassifier(model.onnx, model.spec, model.output);
    const probabilities = await classifier.predict(texts);
    await classifier.release();
    const spamScores = labels.map((_, i) => probabilities[i * 2 + 1]);
    const sample = texts.slice(0, Math.min(texts.length, 64));
    rows.push({
      label: model.label,
      metrics: classificationMetrics(labels, spamScores),
      bytes: model.onnx.byteLength,
      gzipBytes: gzipSync(model.onnx, { level: 9 }).byteLength,
      latencyMs: {
        node: await latencyPerInstance(ortNode, model, sample, latency),
        web: await latencyPerInstance(ortWeb, model, sample, latency),
      },
    });
  }
  return rows;
}

const percent = (value: number) => `${(value * 100).toFixed(2)}%`;
const kib = (bytes: number) => `${(bytes / 1024).toFixed(1)} KiB`;

/** A Markdown table of the rows, one model per line. */
export function evaluationTable(rows: readonly EvaluationRow[]): string {
  const header =
    "| model | accuracy | precision | recall | F1 | ROC-AUC | log loss | bytes | gzip | ms/instance node | ms/instance web |";
  const rule = "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|";
  const lines = rows.map((row) => {
    const m = row.metrics;
    return `| ${row.label} | ${percent(m.accuracy)} | ${percent(m.precision)} | ${percent(m.recall)} | ${m.f1.toFixed(4)} | ${m.auc === null ? "n/a" : m.auc.toFixed(4)} | ${m.logLoss.toFixed(4)} | ${kib(row.bytes)} | ${kib(row.gzipBytes)} | ${row.latencyMs.node.toFixed(3)} | ${row.latencyMs.web.toFixed(3)} |`;
  });
  return [header, rule, ...lines].join("\n");
}
