/**
 * Outputs -> answer, per task. Pure and runtime-free: the Worker answers requests with it and the
 * toolchain evaluates and profiles with it, so both read a model's outputs the same way.
 */
import { UnprocessableError } from "../errors.js";
import { type HostTensor, numberAt } from "../tensor.js";
import type { ClassificationTask, ClassPrediction, Prediction, TaskSpec } from "./schema.js";

/** Outputs the model could not have produced for its task (a missing tensor, a wrong width). */
export class OutputError extends Error {
  override name = "OutputError";
}

/**
 * Outputs with NaN or infinity where an answer is read (probabilities, values, vectors): the request
 * was valid, but this version cannot answer it, so no label or value is made up from them. 422, not
 * 503: the same input gets the same outputs, so sending it again cannot help.
 */
export class NonFiniteOutputError extends UnprocessableError {
  /** `by`: the model version that computed it (`spam@2`), when the caller knows it. */
  constructor(name: string, row: number, by?: string) {
    const prefix = by === undefined ? "" : `${by}: `;
    super(
      `${prefix}output ${name} of instance ${row} is not finite (NaN or infinity): the model cannot answer it`,
      {
        title: "Model output not finite",
      },
    );
  }
}

/**
 * Throws NonFiniteOutputError at the first NaN or ±Infinity in a float output of a batch of `size`:
 * JSON cannot carry it (a raw model's answer is its tensors), and no answer may be read from it.
 */
export function requireFiniteOutputs(
  outputs: Readonly<Record<string, HostTensor>>,
  size: number,
  by?: string,
): void {
  for (const [name, tensor] of Object.entries(outputs)) {
    if (!(tensor.data instanceof Float32Array || tensor.data instanceof Float64Array)) continue;
    const at = tensor.data.findIndex((value) => !Number.isFinite(value));
    if (at >= 0) {
      const row = Math.min(size - 1, Math.floor((at * size) / tensor.data.length));
      throw new NonFiniteOutputError(name, row, by);
    }
  }
}

function finite(values: number[], name: string, row: number): number[] {
  if (!values.every(Number.isFinite)) throw new NonFiniteOutputError(name, row);
  return values;
}

function output(outputs: Readonly<Record<string, HostTensor>>, name: string): HostTensor {
  const tensor = outputs[name];
  if (!tensor) throw new OutputError(`the model produced no output named ${name}`);
  return tensor;
}

function rowsOf(tensor: HostTensor, size: number, name: string): number {
  const width = tensor.data.length / size;
  if (!Number.isInteger(width) || width === 0) {
    throw new OutputError(`output ${name} has ${tensor.data.length} values for ${size} instances`);
  }
  return width;
}

export function classify(
  task: ClassificationTask,
  outputs: Readonly<Record<string, HostTensor>>,
  size: number,
): ClassPrediction[] {
  const tensor = output(outputs, task.output);
  const { labels } = task;
  if (tensor.data.length !== size * labels.length) {
    throw new OutputError(
      `output ${task.output} has ${tensor.data.length} values, ${size} instances of ${labels.length} classes need ${size * labels.length}`,
    );
  }
  return Array.from({ length: size }, (_, row) => {
    const scores = labels.map((_, column) => numberAt(tensor.data, row * labels.length + column));
    const p = finite(task.softmax ? softmax(scores) : scores, task.output, row);
    const probabilities: Record<string, number> = {};
    let best = 0;
    labels.forEach((label, column) => {
      probabilities[label] = p[column];
      if (p[column] > p[best]) best = column;
    });
    return { label: labels[best], probabilities };
  });
}

/** Softmax with the row maximum subtracted, so large logits do not overflow. */
export function softmax(scores: readonly number[]): number[] {
  const max = Math.max(...scores);
  const exps = scores.map((s) => Math.exp(s - max));
  const sum = exps.reduce((a, b) => a + b, 0);
  return exps.map((e) => e / sum);
}

/** The predictions of a batch of `size` instances; none for raw models, whose answer is the tensors. */
export function answer(
  task: TaskSpec,
  outputs: Readonly<Record<string, HostTensor>>,
  size: number,
): Prediction[] | undefined {
  switch (task.kind) {
    case "classification":
      return classify(task, outputs, size);
    case "regression": {
      const tensor = output(outputs, task.output);
      const width = rowsOf(tensor, size, task.output);
      return Array.from({ length: size }, (_, row) => {
        const values = finite(
          Array.from({ length: width }, (_, j) => numberAt(tensor.data, row * width + j)),
          task.output,
          row,
        );
        return width === 1 ? { value: values[0] } : { values };
      });
    }
    case "embedding": {
      const tensor = output(outputs, task.output);
      const width = rowsOf(tensor, size, task.output);
      return Array.from({ length: size }, (_, row) => {
        const vector = finite(
          Array.from({ length: width }, (_, j) => numberAt(tensor.data, row * width + j)),
          task.output,
          row,
        );
        if (!task.normalize) return { embedding: vector };
        const norm = Math.hypot(...vector);
        return { embedding: norm > 0 ? vector.map((v) => v / norm) : vector };
      });
    }
    case "raw":
      return undefined;
  }
}
