/**
 * Magnitude pruning of the MatMul and Gemm weights of any ONNX model: the smallest |w| are set to zero,
 * either across all weights together (global) or the same fraction in each weight (layer). The file
 * keeps its size, but zeros compress well, so the gzip size shows the gain for transfer and storage.
 */

import { gzipSync } from "node:zlib";
import { UnprocessableError } from "../core/errors.js";
import { nodeLabel } from "./onnx/graph.js";
import { normalizeModel } from "./onnx/load.js";
import { encodeModel, type GraphProto, readFloat32 } from "./onnx/model.js";
import { findLinearWeights, type LinearWeight, type SkippedWeight, whyNoWeights } from "./onnx/weights.js";

export type PruneScope = "global" | "layer";
export const PRUNE_SCOPES: readonly PruneScope[] = ["global", "layer"];

export interface PruneOptions {
  /** Fraction of weights to zero, in [0, 1]. */
  sparsity: number;
  scope: PruneScope;
}

export interface PrunedWeightReport {
  name: string;
  /** The MatMul/Gemm nodes reading it. */
  nodes: string[];
  shape: number[];
  count: number;
  /** Zeros after pruning, including any that were zero already. */
  zeros: number;
  sparsity: number;
}

export interface PruneReport {
  scope: PruneScope;
  targetSparsity: number;
  /** Zeros over all pruned weights. */
  sparsity: number;
  weights: PrunedWeightReport[];
  skipped: SkippedWeight[];
  bytes: { before: number; after: number };
  gzipBytes: { before: number; after: number };
}

/** A model or sparsity that cannot be pruned. */
export class PruneError extends UnprocessableError {}

/**
 * Zeroes the `count` smallest magnitudes across `arrays` in place. Ties at the threshold are broken by
 * position (earlier arrays, then lower indices first) so the result is deterministic and exact.
 */
function zeroSmallest(arrays: Float32Array[], count: number): void {
  if (count <= 0) return;
  const total = arrays.reduce((n, a) => n + a.length, 0);
  const magnitudes = new Float32Array(total);
  let offset = 0;
  for (const array of arrays) {
    for (let i = 0; i < array.length; i++) magnitudes[offset + i] = Math.abs(array[i]);
    offset += array.length;
  }
  const threshold = magnitudes.sort()[Math.min(count, total) - 1];
  let below = 0;
  for (const array of arrays) for (const value of array) if (Math.abs(value) < threshold) below++;
  let tiesToZero = Math.min(count, total) - below;
  for (const array of arrays) {
    for (let i = 0; i < array.length; i++) {
      const magnitude = Math.abs(array[i]);
      if (magnitude < threshold) array[i] = 0;
      else if (magnitude === threshold && tiesToZero > 0) {
        array[i] = 0;
        tiesToZero--;
      }
    }
  }
}

function countZeros(values: Float32Array): number {
  let zeros = 0;
  for (const value of values) if (value === 0) zeros++;
  return zeros;
}

function weightReport(weight: LinearWeight, values: Float32Array): PrunedWeightReport {
  const zeros = countZeros(values);
  return {
    name: weight.name,
    nodes: weight.users.map(nodeLabel),
    shape: [...weight.dims],
    count: values.length,
    zeros,
    sparsity: zeros / values.length,
  };
}

export function pruneModel(
  bytes: Uint8Array,
  options: PruneOptions,
): { bytes: Uint8Array; report: PruneReport } {
  if (!(options.sparsity >= 0 && options.sparsity <= 1)) {
    throw new PruneError(`sparsity must be between 0 and 1, got ${options.sparsity}`);
  }
  const { model } = normalizeModel(bytes);
  const graph = model.graph as GraphProto;
  // Pruning changes values, not structure, so a weight read by several MatMul/Gemm nodes is fine.
  const search = findLinearWeights(graph, "allow");
  if (search.weights.length === 0)
    throw new PruneError(
      `nothing to prune: ${whyNoWeights(graph, { candidateNodes: search.linearNodes, skipped: search.skipped }, "MatMul or Gemm")}`,
    );

  const values = search.weights.map((w) => readFloat32(w.tensor));
  if (options.scope === "global") {
    const total = values.reduce((n, v) => n + v.length, 0);
    zeroSmallest(values, Math.round(options.sparsity * total));
  } else {
    for (const v of values) zeroSmallest([v], Math.round(options.sparsity * v.length));
  }
  search.weights.forEach((weight, i) => {
    const data = values[i];
    weight.tensor.rawData = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
    weight.tensor.floatData = [];
  });

  const output = encodeModel(model);
  const weights = search.weights.map((w, i) => weightReport(w, values[i]));
  const zeros = weights.reduce((n, w) => n + w.zeros, 0);
  const count = weights.reduce((n, w) => n + w.count, 0);
  return {
    bytes: output,
    report: {
      scope: options.scope,
      targetSparsity: options.sparsity,
      sparsity: zeros / count,
      weights,
      skipped: search.skipped,
      ...sizes(bytes, output),
    },
  };
}

/** Raw and gzip sizes of a model before and after compression. */
export function sizes(before: Uint8Array, after: Uint8Array): Pick<PruneReport, "bytes" | "gzipBytes"> {
  return {
    bytes: { before: before.byteLength, after: after.byteLength },
    gzipBytes: { before: gzipSync(before).byteLength, after: gzipSync(after).byteLength },
  };
}
