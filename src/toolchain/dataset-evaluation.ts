/**
 * Any model directory on a labelled JSONL dataset, under onnxruntime-node, variants side by side
 * (fp32, quantized, pruned: same interface, other bytes): classification accuracy, macro-F1, log
 * loss and the confusion matrix; regression MAE and RMSE; embeddings their cosine agreement with the
 * first variant (the fp32 reference). Classification also gets per-class precision and recall,
 * regression R². Feeds are built once with the model's input kind and fed to
 * every variant, so they differ only by their bytes.
 */
import { gzipSync } from "node:zlib";
import { InvalidInputError } from "../core/errors.js";
import type { FeatureBatch } from "../core/kinds/kind.js";
import { type MulticlassMetrics, multiclassMetrics, regressionMetrics } from "../core/learn/metrics.js";
import type { Manifest } from "../core/manifest.js";
import type { Prediction } from "../core/tasks/schema.js";
import { instanceSlice } from "../core/tensor.js";
import { type ScoredLine, scoreLines } from "./model-run.js";
import type { Label, RequestLine } from "./requests.js";

export interface Variant {
  label: string;
  model: Uint8Array;
}

export interface ClassificationQuality extends MulticlassMetrics {
  task: "classification";
  /** Share of instances labelled as the reference variant labels them. */
  agreement: number;
}

export interface RegressionQuality {
  task: "regression";
  count: number;
  mae: number;
  rmse: number;
  /** Over every target value; null when the targets do not vary. */
  r2: number | null;
  /** Mean |value - the reference variant's value|. */
  maeToReference: number;
}

export interface EmbeddingQuality {
  task: "embedding";
  count: number;
  /** Cosine similarity to the reference variant's embedding of the same instance. */
  meanCosine: number;
  minCosine: number;
}

export interface RawQuality {
  task: "raw";
  count: number;
  /** Largest |output - the reference variant's output| over every output element. */
  maxAbsDifference: number;
}

export type Quality = ClassificationQuality | RegressionQuality | EmbeddingQuality | RawQuality;

export interface VariantEvaluation {
  label: string;
  bytes: number;
  gzipBytes: number;
  quality: Quality;
}

function flatten<T>(scored: readonly ScoredLine[], pick: (line: ScoredLine, index: number) => T): T[] {
  return scored.flatMap((line) => Array.from({ length: line.batch.size }, (_, i) => pick(line, i)));
}

function labelsOf(lines: readonly RequestLine[], where: string): Label[] {
  return lines.flatMap((line) => {
    if (!line.labels) throw InvalidInputError.field(`${where}:${line.line}`, "the line carries no label");
    return line.labels;
  });
}

function classIndex(label: Label, labels: readonly string[], field: string): number {
  const index = typeof label === "number" ? label : labels.indexOf(String(label));
  if (!Number.isInteger(index) || index < 0 || index >= labels.length) {
    throw InvalidInputError.field(field, `${JSON.stringify(label)} is not one of ${labels.join(", ")}`);
  }
  return index;
}

function classification(
  labels: readonly string[],
  truth: readonly number[],
  predictions: readonly Prediction[],
  reference: readonly Prediction[],
): ClassificationQuality {
  const probabilities = predictions.flatMap((prediction) =>
    "probabilities" in prediction ? labels.map((label) => prediction.probabilities[label]) : [],
  );
  let agree = 0;
  predictions.forEach((prediction, i) => {
    const other = reference[i];
    if ("label" in prediction && "label" in other && other.label === prediction.label) agree++;
  });
  return {
    task: "classification",
    ...multiclassMetrics(truth, probabilities, labels),
    agreement: agree / predictions.length,
  };
}

function valuesOf(prediction: Prediction): number[] {
  if ("value" in prediction) return [prediction.value];
  if ("values" in prediction) return prediction.values;
  return [];
}

function regression(
  truth: readonly Label[],
  predictions: readonly Prediction[],
  reference: readonly Prediction[],
  where: string,
): RegressionQuality {
  const expectedValues: number[] = [];
  const predictedValues: number[] = [];
  let toReference = 0;
  predictions.forEach((prediction, i) => {
    const expected = typeof truth[i] === "number" ? [truth[i] as number] : truth[i];
    const values = valuesOf(prediction);
    if (!Array.isArray(expected) || expected.length !== values.length) {
      throw InvalidInputError.field(
        `${where} label ${i}`,
        `expected ${values.length} numbers, got ${JSON.stringify(truth[i])}`,
      );
    }
    const others = valuesOf(reference[i]);
    values.forEach((value, j) => {
      expectedValues.push(expected[j]);
      predictedValues.push(value);
      toReference += Math.abs(value - others[j]);
    });
  });
  const { mae, rmse, r2 } = regressionMetrics(expectedValues, predictedValues);
  return {
    task: "regression",
    count: predictions.length,
    mae,
    rmse,
    r2,
    maeToReference: toReference / expectedValues.length,
  };
}

function cosine(a: readonly number[], b: readonly number[]): number {
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < a.length; i++) {
    dot += a[i] * b[i];
    na += a[i] * a[i];
    nb += b[i] * b[i];
  }
  return na === 0 || nb === 0 ? (na === nb ? 1 : 0) : dot / Math.sqrt(na * nb);
}

function embedding(predictions: readonly Prediction[], reference: readonly Prediction[]): EmbeddingQuality {
  const similarities = predictions.map((prediction, i) => {
    const other = reference[i];
    return "embedding" in prediction && "embedding" in other
      ? cosine(prediction.embedding, other.embedding)
      : 0;
  });
  return {
    task: "embedding",
    count: similarities.length,
    meanCosine: similarities.reduce((a, b) => a + b, 0) / similarities.length,
    minCosine: Math.min(...similarities),
  };
}

function raw(scored: readonly ScoredLine[], reference: readonly ScoredLine[]): RawQuality {
  let max = 0;
  scored.forEach((line, l) => {
    for (const [name, tensor] of Object.entries(line.outputs)) {
      const other = reference[l].outputs[name];
      for (let i = 0; i < line.batch.size; i++) {
        const a = instanceSlice(tensor, i, line.batch.size);
        const b = instanceSlice(other, i, line.batch.size);
        for (let j = 0; j < a.length; j++) max = Math.max(max, Math.abs(Number(a[j]) - Number(b[j])));
      }
    }
  });
  return { task: "raw", count: scored.reduce((n, line) => n + line.batch.size, 0), maxAbsDifference: max };
}

export async function evaluateVariants(
  manifest: Manifest,
  variants: readonly Variant[],
  lines: readonly RequestLine[],
  batches: readonly FeatureBatch[],
  where: string,
): Promise<VariantEvaluation[]> {
  const task = manifest.task;
  const truth = task.kind === "classification" || task.kind === "regression" ? labelsOf(lines, where) : [];
  const classes =
    task.kind === "classification"
      ? truth.map((label, i) => classIndex(label, task.labels, `${where} label ${i}`))
      : [];
  const runs: ScoredLine[][] = [];
  for (const variant of variants) runs.push(await scoreLines(manifest, variant.model, lines, batches));
  const predictionsOf = (scored: readonly ScoredLine[]) =>
    flatten(scored, (line, i) => line.predictions?.[i]).filter((p): p is Prediction => p !== undefined);
  const reference = predictionsOf(runs[0]);
  return variants.map((variant, v) => {
    const predictions = predictionsOf(runs[v]);
    let quality: Quality;
    switch (task.kind) {
      case "classification":
        quality = classification(task.labels, classes, predictions, reference);
        break;
      case "regression":
        quality = regression(truth, predictions, reference, where);
        break;
      case "embedding":
        quality = embedding(predictions, reference);
        break;
      case "raw":
        quality = raw(runs[v], runs[0]);
        break;
    }
    return {
      label: variant.label,
      bytes: variant.model.byteLength,
      gzipBytes: gzipSync(variant.model, { level: 9 }).byteLength,
      quality,
    };
  });
}

const fixed = (value: number, digits = 4) => value.toFixed(digits);

/** A Markdown table, one variant per line, with the columns of the model's task. */
export function variantTable(rows: readonly VariantEvaluation[]): string {
  const task = rows[0]?.quality.task;
  const size = (row: VariantEvaluation) => `${row.bytes} | ${row.gzipBytes}`;
  switch (task) {
    case "classification":
      return [
        "| variant | accuracy | macro-F1 | log loss | agreement with the first | bytes | gzip |",
        "|---|---:|---:|---:|---:|---:|---:|",
        ...rows.map((row) => {
          const q = row.quality as ClassificationQuality;
          return `| ${row.label} | ${(q.accuracy * 100).toFixed(2)}% | ${fixed(q.macroF1)} | ${fixed(q.logLoss)} | ${(q.agreement * 100).toFixed(2)}% | ${size(row)} |`;
        }),
      ].join("\n");
    case "regression":
      return [
        "| variant | MAE | RMSE | R² | MAE to the first | bytes | gzip |",
        "|---|---:|---:|---:|---:|---:|---:|",
        ...rows.map((row) => {
          const q = row.quality as RegressionQuality;
          return `| ${row.label} | ${fixed(q.mae)} | ${fixed(q.rmse)} | ${q.r2 === null ? "n/a" : fixed(q.r2)} | ${fixed(q.maeToReference)} | ${size(row)} |`;
        }),
      ].join("\n");
    case "embedding":
      return [
        "| variant | mean cosine to the first | min cosine | bytes | gzip |",
        "|---|---:|---:|---:|---:|",
        ...rows.map((row) => {
          const q = row.quality as EmbeddingQuality;
          return `| ${row.label} | ${fixed(q.meanCosine, 6)} | ${fixed(q.minCosine, 6)} | ${size(row)} |`;
        }),
      ].join("\n");
    default:
      return [
        "| variant | max abs difference to the first | bytes | gzip |",
        "|---|---:|---:|---:|",
        ...rows.map(
          (row) =>
            `| ${row.label} | ${(row.quality as RawQuality).maxAbsDifference.toExponential(3)} | ${size(row)} |`,
        ),
      ].join("\n");
  }
}

/** The confusion matrix of a classification row, as a Markdown table. */
export function confusionTable(quality: MulticlassMetrics): string {
  return [
    `| actual \\ predicted | ${quality.labels.join(" | ")} |`,
    `|---|${quality.labels.map(() => "---:").join("|")}|`,
    ...quality.confusion.map((row, i) => `| ${quality.labels[i]} | ${row.join(" | ")} |`),
  ].join("\n");
}

/** Precision, recall, F1 and support of each class, as a Markdown table. */
export function perClassTable(quality: MulticlassMetrics): string {
  const percent = (value: number) => `${(value * 100).toFixed(2)}%`;
  return [
    "| class | precision | recall | F1 | support |",
    "|---|---:|---:|---:|---:|",
    ...quality.perClass.map(
      (c) =>
        `| ${c.label} | ${percent(c.precision)} | ${percent(c.recall)} | ${fixed(c.f1)} | ${c.support} |`,
    ),
  ].join("\n");
}
