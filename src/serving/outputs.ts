/** Shapes ORT outputs into the response: labelled probabilities for classifiers, tensors for the rest. */
import type { Manifest } from "../core/manifest.js";
import type { Outputs } from "./session-cache.js";

export interface ClassPrediction {
  label: string;
  /** Probability per class label. */
  probabilities: Record<string, number>;
}

export interface TensorOutput {
  dims: number[];
  data: number[];
}

export function classify(manifest: Manifest, outputs: Outputs): ClassPrediction[] | undefined {
  const classifier = manifest.classifier;
  if (!classifier) return undefined;
  const tensor = outputs[classifier.probabilities];
  const labels = classifier.labels;
  const data = tensor.data as Float32Array;
  const rows = data.length / labels.length;
  return Array.from({ length: rows }, (_, row) => {
    const probabilities: Record<string, number> = {};
    let best = 0;
    labels.forEach((label, column) => {
      const p = data[row * labels.length + column];
      probabilities[label] = p;
      if (p > data[row * labels.length + best]) best = column;
    });
    return { label: labels[best], probabilities };
  });
}

export function tensorOutputs(outputs: Outputs): Record<string, TensorOutput> {
  return Object.fromEntries(
    Object.entries(outputs).map(([name, tensor]) => [
      name,
      { dims: [...tensor.dims], data: Array.from(tensor.data as ArrayLike<number | bigint>, Number) },
    ]),
  );
}
