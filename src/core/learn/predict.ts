/**
 * A trained model applied to rows, the same computation as its exported ONNX graph: the raw outputs
 * (a regressor's values), or their softmax (a classifier's probabilities).
 */
import { softmaxInto } from "./heads.js";
import { type Model, modelInputs, modelOutputs, Network } from "./network.js";
import type { Rows } from "./rows.js";

/** Row-major [rows, outputs] of the last layer's outputs, before any softmax. */
export function predictOutputs(model: Model, features: Rows): Float32Array {
  return run(model, features, (outputs) => outputs);
}

/** Row-major [rows, classes] softmax probabilities. */
export function predictProbabilities(model: Model, features: Rows): Float32Array {
  const scratch = new Float64Array(modelOutputs(model));
  return run(model, features, (logits) => {
    softmaxInto(logits, scratch, 0);
    return scratch;
  });
}

function run(model: Model, features: Rows, read: (outputs: Float64Array) => Float64Array): Float32Array {
  const inputs = modelInputs(model);
  if (features.cols !== inputs)
    throw new RangeError(`model expects ${inputs} features, got ${features.cols}`);
  const network = Network.fromModel(model);
  const width = modelOutputs(model);
  const out = new Float32Array(features.rows * width);
  for (let row = 0; row < features.rows; row++) {
    network.forward(features, row);
    out.set(read(network.logits), row * width);
  }
  return out;
}

/**
 * The model whose outputs are `mean + scale * outputs` of this one: a regressor trained on
 * standardised targets folded back into target units, so the exported graph needs no extra node.
 */
export function rescaleOutputs(model: Model, mean: readonly number[], scale: readonly number[]): Model {
  const last = model.layers[model.layers.length - 1];
  if (mean.length !== last.outputs || scale.length !== last.outputs) {
    throw new RangeError(`rescaling needs ${last.outputs} means and scales`);
  }
  const weight = last.weight.map((value, i) => value * scale[i % last.outputs]);
  const bias = last.bias.map((value, j) => mean[j] + scale[j] * value);
  return { arch: model.arch, layers: [...model.layers.slice(0, -1), { ...last, weight, bias }] };
}
