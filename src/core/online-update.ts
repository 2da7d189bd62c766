/**
 * One online update of a dense classifier, free of bindings (the Worker's scheduled run does it, and
 * bench/online.ts measures it in Node): warm-start from the served version's own weights (read from
 * its ONNX bytes), fine-tune on labelled feedback rows with the shared learner (./learn), keep the
 * best epoch on the held-out rows (never worse than where it started), write the weights back into a
 * copy of the parent's ONNX, re-quantized as the parent stored them, and compare the update with its
 * parent on the held-out rows, exactly as each will be served.
 */
import { denseFeatures, type FeedbackRow } from "./feedback-row.js";
import { evaluateSplit, type FitOptions, fitNetwork } from "./learn/fit.js";
import { argmax, headFor, type Targets } from "./learn/heads.js";
import { type Model, Network } from "./learn/network.js";
import { predictOutputs, predictProbabilities } from "./learn/predict.js";
import { buildSparseRows, type Rows, selectRows } from "./learn/rows.js";
import type { Manifest } from "./manifest.js";
import { type DenseClassifier, readDenseClassifier, writeDenseClassifier } from "./onnx/dense-classifier.js";
import { inShare } from "./share-hash.js";
import { elementCount } from "./tensor.js";
import type { UpdateSpec } from "./update-spec.js";

const BATCH_SIZE = 32;
/** Held-out rows whose probabilities the caller checks the written bytes against. */
const CHECK_ROWS = 32;

export interface OnlineCheck {
  /** Row-major [rows, inputs] float32 features of held-out rows. */
  features: Float32Array;
  rows: number;
  /** What the written graph outputs for them (probabilities, or logits without a Softmax), [rows, classes]. */
  outputs: Float32Array;
}

export type OnlineOutcome =
  | {
      kind: "skipped";
      reason: string;
      trainRows: number;
      heldOutRows: number;
      metrics: Record<string, number>;
    }
  | {
      kind: "updated";
      bytes: Uint8Array;
      trainRows: number;
      heldOutRows: number;
      /** Held-out accuracy and loss of the update and of its parent, and the epoch kept. */
      metrics: Record<string, number>;
      check: OnlineCheck;
      /** The rows it was tuned on (the held-out ones left out), whose population it learnt. */
      trained: FeedbackRow[];
    };

/** Rows the manifest's classifier can learn from: features of its input's width, a label it has. */
export function usableRows(manifest: Manifest, rows: readonly FeedbackRow[]): FeedbackRow[] {
  if (manifest.task.kind !== "classification") return [];
  const labels = new Set(manifest.task.labels);
  const width = manifest.inputs[0]?.shape
    .slice(1)
    .reduce<number>((a, b) => a * (typeof b === "number" ? b : Number.NaN), 1);
  return rows.filter((row) => {
    if (!row.features || !labels.has(row.label)) return false;
    return elementCount(row.features.dims) === width;
  });
}

function accuracy(model: Model, features: Rows, labels: readonly number[]): number {
  const classes = model.layers[model.layers.length - 1].outputs;
  const probabilities = predictProbabilities(model, features);
  let correct = 0;
  for (let row = 0; row < labels.length; row++) {
    if (argmax(probabilities.subarray(row * classes, (row + 1) * classes)) === labels[row]) correct++;
  }
  return correct / labels.length;
}

/** Mean cross-entropy of the model on the rows. */
function logLoss(model: Model, features: Rows, targets: Targets): number {
  return evaluateSplit(Network.fromModel(model), features, headFor(targets)).loss;
}

function modelOf(classifier: DenseClassifier): Model {
  return { arch: classifier.layers.length === 1 ? "logistic" : "mlp", layers: classifier.layers };
}

/**
 * Fine-tunes `parent` (the version `manifest` describes) on `rows` (usable ones: see `usableRows`).
 * Rows are held out by a hash of their request id and index, so the split does not depend on order.
 */
export function fineTuneOnline(
  parent: Uint8Array,
  manifest: Manifest,
  rows: readonly FeedbackRow[],
  update: UpdateSpec,
): OnlineOutcome {
  if (manifest.task.kind !== "classification") throw new RangeError("online updates train classifiers");
  const classIndex = new Map(manifest.task.labels.map((label, i) => [label, i]));
  const classifier = readDenseClassifier(parent, manifest.inputs[0].name);
  const inputs = classifier.layers[0].inputs;
  const dense = rows.map((row) => {
    const values = row.features ? denseFeatures(row.features) : null;
    if (!values || values.length !== inputs || !classIndex.has(row.label)) {
      throw new RangeError(`row ${row.requestId}#${row.index} cannot be trained on: pass usableRows()`);
    }
    return values;
  });
  const features = buildSparseRows(rows.length, inputs, (r) => dense[r]);
  const labels = rows.map((row) => classIndex.get(row.label) as number);
  const heldOut: number[] = [];
  const train: number[] = [];
  rows.forEach((row, r) => {
    (inShare("online-held-out", `${row.requestId}#${row.index}`, update.heldOutShare) ? heldOut : train).push(
      r,
    );
  });
  // Too few rows to hold any out (or no share asked for): the training rows judge the epochs.
  const judged = heldOut.length > 0 && train.length > 0 ? heldOut : train;
  const split = (indices: number[]) => ({
    features: selectRows(features, indices),
    targets: { kind: "classes" as const, labels: indices.map((r) => labels[r]), classes: classIndex.size },
  });
  const counts = { trainRows: train.length, heldOutRows: judged === heldOut ? heldOut.length : 0 };
  if (train.length === 0) return { kind: "skipped", reason: "no rows to train on", ...counts, metrics: {} };
  const parentModel = modelOf(classifier);
  const options: FitOptions = {
    epochs: update.epochs,
    batchSize: BATCH_SIZE,
    learningRate: update.learningRate,
    lrDecay: 1,
    l2: 0,
    patience: update.epochs,
    optimizer: "adam",
    seed: 1,
  };
  const fitted = fitNetwork(
    Network.fromModel(parentModel),
    { train: split(train), validation: split(judged) },
    options,
    {
      keepInitial: true,
    },
  );
  // Judged as served: the weights re-quantized the way the parent stores them.
  const bytes = writeDenseClassifier(parent, classifier, fitted.model.layers);
  const served = modelOf(readDenseClassifier(bytes, manifest.inputs[0].name));
  const judgedSplit = split(judged);
  const judgedLabels = judged.map((r) => labels[r]);
  const metrics = {
    heldOutAccuracy: accuracy(served, judgedSplit.features, judgedLabels),
    parentHeldOutAccuracy: accuracy(parentModel, judgedSplit.features, judgedLabels),
    heldOutLogLoss: logLoss(served, judgedSplit.features, judgedSplit.targets),
    parentHeldOutLogLoss: logLoss(parentModel, judgedSplit.features, judgedSplit.targets),
    bestEpoch: fitted.bestEpoch,
    epochs: fitted.history.length,
  };
  if (fitted.bestEpoch === 0) {
    return { kind: "skipped", reason: "no epoch improved on the held-out loss", ...counts, metrics };
  }
  if (metrics.heldOutAccuracy < metrics.parentHeldOutAccuracy) {
    return {
      kind: "skipped",
      reason: "less accurate than its parent on the held-out rows",
      ...counts,
      metrics,
    };
  }
  const checked = judged.slice(0, CHECK_ROWS);
  const checkFeatures = new Float32Array(checked.length * inputs);
  for (const [k, r] of checked.entries()) checkFeatures.set(dense[r], k * inputs);
  return {
    kind: "updated",
    bytes,
    ...counts,
    metrics,
    trained: train.map((r) => rows[r]),
    check: {
      features: checkFeatures,
      rows: checked.length,
      outputs: (classifier.softmax ? predictProbabilities : predictOutputs)(
        served,
        selectRows(features, checked),
      ),
    },
  };
}
