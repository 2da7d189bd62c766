/** The manifest `vane publish` uploads: the model's identity, checksum, tensors, preprocessing and numbers. */
import { createHash } from "node:crypto";
import type { DriftSpec } from "../core/drift-features.js";
import { Manifest } from "../core/manifest.js";
import type { Lineage } from "../core/update-spec.js";
import type { TrainingRecord } from "./train/record.js";

export interface ManifestParts {
  name: string;
  version: number;
  onnx: Uint8Array;
  record: TrainingRecord;
  drift?: DriftSpec;
  /** File name of the reference profile beside the model. */
  profile?: string;
  /** How the served bytes were derived from the trained model (e.g. quantization settings). */
  compression?: Record<string, unknown>;
  description?: string;
}

export const MODEL_FILE = "model.onnx";

export function sha256Hex(bytes: Uint8Array): string {
  return createHash("sha256").update(bytes).digest("hex");
}

export function buildManifest(parts: ManifestParts): Manifest {
  const { record } = parts;
  const test = record.metrics.test;
  return Manifest.parse({
    name: parts.name,
    version: parts.version,
    createdAt: new Date().toISOString(),
    description: parts.description,
    model: { file: MODEL_FILE, sha256: sha256Hex(parts.onnx), bytes: parts.onnx.byteLength },
    inputs: [{ name: record.model.input, dtype: "float32", shape: ["batch", record.spec.buckets] }],
    outputs: [{ name: record.model.output, dtype: "float32", shape: ["batch", record.model.labels.length] }],
    input: record.spec,
    task: { kind: "classification", output: record.model.output, labels: record.model.labels },
    metrics: {
      accuracy: test.accuracy,
      precision: test.precision,
      recall: test.recall,
      f1: test.f1,
      ...(test.auc === null ? {} : { auc: test.auc }),
      logLoss: test.logLoss,
      testCount: test.count,
    },
    training: {
      corpus: record.data.corpus,
      collection: record.data.collection,
      seed: record.data.seed,
      sizes: record.data.sizes,
      arch: record.model.arch,
      hidden: record.model.hidden,
      hyperparameters: record.hyperparameters,
      ...(parts.compression ? { compression: parts.compression } : {}),
    },
    profile: parts.profile,
    drift: parts.drift,
    lineage: record.retraining ? retrainLineage(record.retraining, record.createdAt) : undefined,
    feedbackData: record.retraining?.feedbackData,
  });
}

interface Accuracies {
  parent: { accuracy: number };
  child: { accuracy: number };
}

/** What a retrain records of itself, whatever the model: the record of `vane retrain` either way. */
export interface RetrainSummary {
  parent: { version: number };
  feedback: { from: string; to: string; rows: number; sizes: { test: number } };
  replay: { train: number; validation: number };
  heldOut: Accuracies;
  parentTest: Accuracies;
}

/** A retrained version's lineage: its parent, the feedback window and rows, and both held-out accuracies. */
export function retrainLineage(retraining: RetrainSummary, createdAt: string): Lineage {
  const { parent, feedback, replay, heldOut, parentTest } = retraining;
  return {
    parent: { version: parent.version },
    method: "retrain",
    createdAt,
    data: {
      from: feedback.from,
      to: feedback.to,
      feedbackRows: feedback.rows,
      replayRows: replay.train + replay.validation,
      heldOutRows: feedback.sizes.test,
    },
    metrics: {
      heldOutAccuracy: heldOut.child.accuracy,
      parentHeldOutAccuracy: heldOut.parent.accuracy,
      parentTestAccuracy: parentTest.child.accuracy,
      parentOnParentTestAccuracy: parentTest.parent.accuracy,
    },
  };
}
