/**
 * Dense networks and their forward/backward passes: one Gemm (logistic or linear regression) or Gemm,
 * ReLU, Gemm (an MLP), with any number of outputs. Weights are row-major [inputs, outputs], the layout
 * of an ONNX Gemm's B with transB = 0, so export is a plain copy. Training runs in float64; a `Model`
 * holds the float32 weights the ONNX file will hold. Binding-free: the toolchain trains with it and
 * the Worker can fine-tune with it.
 */
import { deriveSeed, Prng } from "./prng.js";
import { isSparse, type Rows } from "./rows.js";

export type Architecture = "logistic" | "mlp";
export const ARCHITECTURES: readonly Architecture[] = ["logistic", "mlp"];

export interface DenseLayer {
  inputs: number;
  outputs: number;
  /** Row-major [inputs, outputs]. */
  weight: Float32Array;
  bias: Float32Array;
}

/** logistic: one layer inputs -> outputs; mlp: inputs -> hidden (ReLU) -> outputs. */
export interface Model {
  arch: Architecture;
  layers: DenseLayer[];
}

export function modelInputs(model: Model): number {
  return model.layers[0].inputs;
}

export function modelOutputs(model: Model): number {
  return model.layers[model.layers.length - 1].outputs;
}

/** Hidden width of an MLP, 0 for a single layer. */
export function modelHidden(model: Model): number {
  return model.arch === "mlp" ? model.layers[0].outputs : 0;
}

/** Layer widths from input to output, e.g. [4096, 64, 2]. */
export function layerSizes(arch: Architecture, inputs: number, hidden: number, outputs: number): number[] {
  return arch === "mlp" ? [inputs, hidden, outputs] : [inputs, outputs];
}

/**
 * Float64 parameters plus scratch space for one example's forward/backward pass. The first layer reads
 * sparse rows by their nonzeros only, touching just the weight rows of nonzero buckets.
 */
export class Network {
  readonly sizes: number[];
  readonly weights: Float64Array[];
  readonly biases: Float64Array[];
  /** Pre-activations of every layer for the current example (the last one holds the outputs). */
  readonly pre: Float64Array[];
  /** ReLU outputs of the hidden layers. */
  private readonly post: Float64Array[];
  private readonly deltas: Float64Array[];

  constructor(
    readonly arch: Architecture,
    sizes: number[],
  ) {
    if (sizes.length !== (arch === "mlp" ? 3 : 2) || !sizes.every((n) => Number.isInteger(n) && n > 0)) {
      throw new RangeError(`a ${arch} network cannot have layer sizes ${sizes.join(", ")}`);
    }
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

  get inputs(): number {
    return this.sizes[0];
  }

  get outputs(): number {
    return this.sizes[this.sizes.length - 1];
  }

  /** The last layer's pre-activations: logits of a classifier, values of a regressor. */
  get logits(): Float64Array {
    return this.pre[this.pre.length - 1];
  }

  /** Computes the outputs of row `row` into `this.logits`. */
  forward(features: Rows, row: number): void {
    const first = this.pre[0];
    const width = first.length;
    const w0 = this.weights[0];
    first.set(this.biases[0]);
    if (isSparse(features)) {
      for (let k = features.indptr[row]; k < features.indptr[row + 1]; k++) {
        const x = features.values[k];
        const base = features.indices[k] * width;
        for (let j = 0; j < width; j++) first[j] += x * w0[base + j];
      }
    } else {
      const offset = row * features.cols;
      for (let i = 0; i < features.cols; i++) {
        const x = features.values[offset + i];
        if (x === 0) continue;
        const base = i * width;
        for (let j = 0; j < width; j++) first[j] += x * w0[base + j];
      }
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
   * gradient of the loss with respect to the outputs. Call right after `forward` on the same row.
   */
  backward(
    features: Rows,
    row: number,
    dOutputs: Float64Array,
    gradWeights: Float64Array[],
    gradBiases: Float64Array[],
  ): void {
    let delta = dOutputs;
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
    if (isSparse(features)) {
      for (let k = features.indptr[row]; k < features.indptr[row + 1]; k++) {
        const x = features.values[k];
        const base = features.indices[k] * width;
        for (let j = 0; j < width; j++) grad[base + j] += x * delta[j];
      }
    } else {
      const offset = row * features.cols;
      for (let i = 0; i < features.cols; i++) {
        const x = features.values[offset + i];
        if (x === 0) continue;
        const base = i * width;
        for (let j = 0; j < width; j++) grad[base + j] += x * delta[j];
      }
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

export interface InitOptions {
  arch: Architecture;
  /** Hidden units of the MLP (ignored for a single layer). */
  hidden: number;
  seed: number;
  /**
   * Standard deviation of the MLP's first-layer weights. Unit-norm inputs (hashed text) want about 0.5
   * to give pre-activations near 0.5; standardised columns want He scaling, sqrt(2 / inputs), the default.
   */
  firstLayerScale?: number;
}

/**
 * A seeded starting network. A single layer starts at zero (its loss is convex); an MLP's layers
 * start normal, the output layer He-scaled.
 */
export function initialNetwork(options: InitOptions, inputs: number, outputs: number): Network {
  const network = new Network(options.arch, layerSizes(options.arch, inputs, options.hidden, outputs));
  if (options.arch === "logistic") return network;
  const random = new Prng(deriveSeed(options.seed, "init"));
  const scales = [options.firstLayerScale ?? Math.sqrt(2 / inputs), Math.sqrt(2 / options.hidden)];
  network.weights.forEach((weight, l) => {
    for (let i = 0; i < weight.length; i++) weight[i] = random.normal() * scales[l];
  });
  return network;
}
