/**
 * The spam models on the shared learner (src/core/learn): two classes, ham and spam, over hashed
 * text. Probabilities and metrics here are the same computation as the exported ONNX graph.
 */
import type { Model } from "../../core/learn/network.js";
import { predictProbabilities } from "../../core/learn/predict.js";
import { denseRows, type SparseRows } from "../../core/learn/rows.js";
import { type ClassificationMetrics, classificationMetrics } from "../metrics.js";
import type { LabeledRows } from "./sparse.js";

/** ham, spam */
export const CLASSES = 2;

/** Class probabilities [rows, classes] for sparse rows or a dense row-major [rows, inputs] matrix. */
export function predictProba(model: Model, features: SparseRows | Float32Array): Float32Array {
  const rows = features instanceof Float32Array ? denseRows(features, model.layers[0].inputs) : features;
  return predictProbabilities(model, rows);
}

/** Spam probability of each row. */
export function spamScores(probabilities: Float32Array): Float64Array {
  return Float64Array.from(
    { length: probabilities.length / CLASSES },
    (_, row) => probabilities[row * CLASSES + 1],
  );
}

export function evaluateModel(model: Model, data: LabeledRows): ClassificationMetrics {
  return classificationMetrics(data.labels, spamScores(predictProba(model, data.features)));
}
