/**
 * The two spam model architectures and their forward/backward passes. Weights are row-major
 * [inputs, outputs], the layout of an ONNX Gemm's B with transB = 0, so export is a plain copy.
 * Training runs in float64; a `Model` holds the float32 weights that the ONNX file will hold.
 */
import { type ClassificationMetrics, classificationMetrics } from "../metrics.js";
import { type LabeledRows, type SparseRows, sparseFromDense } from "./sparse.js";

export type Architecture = "logistic" | "mlp";
export const ARCHITECTURES: readonly Architecture[] = ["logistic", "mlp"];
/** ham, spam */
export const CLASSES = 2;

export interface DenseLayer {
  inputs: number;
  outputs: number;
  /** Row-major [inputs, outputs]. */
  weight: Float32Array;
  bias: Float32Array;
}

/** logistic: one layer inputs -> 2; mlp: inputs -> hidden (ReLU) -> 2. Softmax on top of both. */
export interface Model {
  arch: Architecture;
  layers: DenseLayer[];
}

export function modelInputs(model: Model): number {
  return model.layers[0].inputs;
}

/** Hidden width of an MLP, 0 for logistic regression. */
export function modelHidden(model: Model): number {
  return model.arch === "mlp" ? model.layers[0].outputs : 0;
}

/** Layer widths from input to output, e.g. [4096, 64, 2]. */
export function layerSizes(arch: Architecture, inputs: number, hidden: number): number[] {
  return arch === "mlp" ? [inputs, hidden, CLASSES] : [inputs, CLASSES];
}

/**
 * Float64 parameters plus scratch space for one example's forward/backward pass. The first layer reads
 * the sparse input, touching only the weight rows of nonzero buckets.
 */
export class Network {
  readonly sizes: number[];
  readonly weights: Float64Array[];
  readonly biases: Float64Array[];
  /** Pre-activations of every layer for the current example (the last one holds the logits). */
  readonly pre: Float64Array[];
  /** ReLU outputs of the hidden layers. */
  private readonly post: Float64Array[];
  private readonly deltas: Float64Array[];

  constructor(
    readonly arch: Architecture,
    sizes: number[],
  ) {
    this.sizes = sizes;
    const layers = sizes.length - 1;
    this.weights = Array.from({ length: layers }, (_, l) => new Float64Array(sizes[l] * sizes[l + 1]));
    this.biases = Array.from({ length: layers }, (_, l) => new Float64Array(sizes[l + 1]));
    this.pre = this.biases.map((bias) => new Float64Array(bias.length));
    this.post = this.biases.map((bias) => new Float64Array(bias.length));
    this.deltas = this.biases.map((bias) => new Float64Array(bias.length));
  }

  static fromModel(model: Model): Network {
    const first = model.layers[0];
    const network = new Network(model.arch, [first.inputs, ...model.layers.map((layer) => layer.outputs)]);
    model.layers.forEach((layer, l) => {
      network.weights[l].set(layer.weight);
      network.biases[l].set(layer.bias);
    });
    return network;
  }

  toModel(): Model {
    return {
      arch: this.arch,
      layers: this.weights.map((weight, l) => ({
        inputs: this.sizes[l],
        outputs: this.sizes[l + 1],
        weight: Float32Array.from(weight),
        bias: Float32Array.from(this.biases[l]),
      })),
    };
  }

  get logits(): Float64Array {
    return this.pre[this.pre.length - 1];
  }

  /** Computes the logits of row `row` into `this.logits`. */
  forward(features: SparseRows, row: number): void {
    const first = this.pre[0];
    const width = first.length;
    const w0 = this.weights[0];
    first.set(this.biases[0]);
    for (let k = features.indptr[row]; k < features.indptr[row + 1]; k++) {
      const x = features.values[k];
      const base = features.indices[k] * width;
      for (let j = 0; j < width; j++) first[j] += x * w0[base + j];
    }
    for (let l = 1; l < this.weights.length; l++) {
      const input = this.post[l - 1];
      const pre = this.pre[l - 1];
      for (let i = 0; i < input.length; i++) input[i] = Math.max(pre[i], 0);
      denseForward(input, this.weights[l], this.biases[l], this.pre[l]);
    }
  }

  /**
   * Accumulates into `gradWeights`/`gradBiases` the gradient for the current example, given the
   * gradient of the loss with respect to the logits. Call right after `forward` on the same row.
   */
  backward(
    features: SparseRows,
    row: number,
    dLogits: Float64Array,
    gradWeights: Float64Array[],
    gradBiases: Float64Array[],
  ): void {
    let delta = dLogits;
    for (let l = this.weights.length - 1; l >= 1; l--) {
      const input = this.post[l - 1];
      const pre = this.pre[l - 1];
      const weight = this.weights[l];
      const grad = gradWeights[l];
      const outputs = delta.length;
      const previous = this.deltas[l - 1];
      for (let i = 0; i < input.length; i++) {
        let back = 0;
        for (let j = 0; j < outputs; j++) {
          grad[i * outputs + j] += input[i] * delta[j];
          back += weight[i * outputs + j] * delta[j];
        }
        previous[i] = pre[i] > 0 ? back : 0;
      }
      addInto(gradBiases[l], delta);
      delta = previous;
    }
    const width = delta.length;
    const grad = gradWeights[0];
    for (let k = features.indptr[row]; k < features.indptr[row + 1]; k++) {
      const x = features.values[k];
      const base = features.indices[k] * width;
      for (let j = 0; j < width; j++) grad[base + j] += x * delta[j];
    }
    addInto(gradBiases[0], delta);
  }
}

function denseForward(
  input: Float64Array,
  weight: Float64Array,
  bias: Float64Array,
  out: Float64Array,
): void {
  const outputs = out.length;
  out.set(bias);
  for (let i = 0; i < input.length; i++) {
    const x = input[i];
    if (x === 0) continue;
    for (let j = 0; j < outputs; j++) out[j] += x * weight[i * outputs + j];
  }
}

function addInto(target: Float64Array, source: Float64Array): void {
  for (let i = 0; i < target.length; i++) target[i] += source[i];
}

/** Softmax of the logits into `out`; returns log(softmax)[label] for the cross-entropy. */
export function softmaxInto(logits: Float64Array, out: Float64Array, label: number, temperature = 1): number {
  let max = -Infinity;
  for (let j = 0; j < logits.length; j++) max = Math.max(max, logits[j] / temperature);
  let sum = 0;
  for (let j = 0; j < logits.length; j++) {
    out[j] = Math.exp(logits[j] / temperature - max);
    sum += out[j];
  }
  for (let j = 0; j < logits.length; j++) out[j] /= sum;
  return logits[label] / temperature - max - Math.log(sum);
}

/**
 * Class probabilities [rows, 2] (ham, spam) for sparse rows or a dense row-major [rows, inputs] matrix,
 * the same computation as the exported ONNX graph.
 */
export function predictProba(model: Model, features: SparseRows | Float32Array): Float32Array {
  const inputs = modelInputs(model);
  const rows = features instanceof Float32Array ? sparseFromDense(features, inputs) : features;
  if (rows.cols !== inputs) throw new RangeError(`model expects ${inputs} features, got ${rows.cols}`);
  const network = Network.fromModel(model);
  const probabilities = new Float32Array(rows.rows * CLASSES);
  const scratch = new Float64Array(CLASSES);
  for (let row = 0; row < rows.rows; row++) {
    network.forward(rows, row);
    softmaxInto(network.logits, scratch, 0);
    probabilities.set(scratch, row * CLASSES);
  }
  return probabilities;
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
