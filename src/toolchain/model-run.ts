/**
 * A model directory run over a file of requests under onnxruntime-node, instance by instance as the
 * Worker sees them: the same kind featurizers build the feeds and the same task code reads the
 * answer. Profiling and evaluation both start here.
 */
import { join } from "node:path";
import type { Assets, FeatureBatch } from "../core/kinds/kind.js";
import type { Manifest } from "../core/manifest.js";
import { answer } from "../core/tasks/answer.js";
import type { Prediction } from "../core/tasks/schema.js";
import type { HostTensor } from "../core/tensor.js";
import { readInputFile } from "./files.js";
import { type BatchBuilder, buildLine, type RequestLine } from "./requests.js";
import { openSession } from "./runtimes.js";

export interface ScoredLine {
  line: RequestLine;
  batch: FeatureBatch;
  outputs: Record<string, HostTensor>;
  predictions?: Prediction[];
}

/** The asset files the manifest lists, read from the model directory. */
export async function readAssets(dir: string, manifest: Manifest): Promise<Assets> {
  const assets = new Map<string, Uint8Array>();
  for (const asset of manifest.assets)
    assets.set(asset.file, await readInputFile(join(dir, asset.file), "asset"));
  return assets;
}

/** Feeds of every line, built once (each variant of a model is fed the same). */
export function buildLines(
  builder: BatchBuilder,
  lines: readonly RequestLine[],
  where: string,
): FeatureBatch[] {
  return lines.map((line) => buildLine(builder, line, where));
}

export async function scoreLines(
  manifest: Manifest,
  model: Uint8Array,
  lines: readonly RequestLine[],
  batches: readonly FeatureBatch[],
): Promise<ScoredLine[]> {
  const session = await openSession("node", model);
  try {
    const scored: ScoredLine[] = [];
    for (const [i, batch] of batches.entries()) {
      const outputs = await session.run(batch.feeds);
      scored.push({
        line: lines[i],
        batch,
        outputs,
        predictions: answer(manifest.task, outputs, batch.size),
      });
    }
    return scored;
  } finally {
    await session.release();
  }
}
