/**
 * Sketch windows in R2: one object per (model, version, role, time window) holding the merged
 * sketches of its samples and the hashes of the sample ids already folded in. Folding is a
 * read-modify-write guarded by the object's etag, and skips ids it has seen, so concurrent consumers
 * and redelivered batches can neither lose nor double-count a sample.
 *
 * Why R2: it is strongly consistent and has conditional puts, which idempotent aggregation needs; KV
 * allows one write per second per key and no compare-and-swap; D1 would work, but a window is one
 * small document, always read and written whole.
 */

import type { DriftSpec } from "../core/drift-features.js";
import { emptySketches, type Profile } from "../core/profile.js";
import {
  createSketch,
  deserializeSketch,
  serializeSketch,
  updateSketch,
} from "../core/sketch/feature-sketch.js";
import { keys } from "../registry/keys.js";
import { guardedUpdate } from "./guarded-update.js";
import type { DriftSample } from "./sample.js";
import { lowestExamples, SketchWindow, sampleIdHash, unseen, type WindowKey } from "./window-format.js";
import { listWindows } from "./window-list.js";

/** Predict latency histogram edges, in milliseconds. */
const LATENCY_EDGES = [0, 1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000];

function emptyWindow(
  key: WindowKey,
  seconds: number,
  spec: DriftSpec,
  profile: Profile | null,
): SketchWindow {
  const features = Object.fromEntries(
    Object.entries(emptySketches(spec, profile)).map(([name, sketch]) => [name, serializeSketch(sketch)]),
  );
  const latency = serializeSketch(createSketch({ kind: "numeric", edges: LATENCY_EDGES }));
  return { ...key, seconds, count: 0, errors: {}, features, latency, seen: "", examples: [] };
}

/**
 * Folds `samples` (all of one window key) into their window; returns how many were new.
 * Throws if storage fails or stays contended, so the caller can have the messages redelivered.
 */
export async function foldIntoWindow(
  bucket: R2Bucket,
  key: WindowKey,
  seconds: number,
  samples: readonly DriftSample[],
  spec: DriftSpec,
  profile: Profile | null,
): Promise<number> {
  const objectKey = keys.driftWindows.key(key);
  return guardedUpdate(bucket, objectKey, `window ${objectKey}`, (stored) => {
    const window = stored ? SketchWindow.parse(stored) : emptyWindow(key, seconds, spec, profile);
    const { fresh, seen } = unseen(window.seen, samples);
    if (fresh.length === 0) return { result: 0 };

    const features = Object.fromEntries(
      Object.entries(window.features).map(([name, data]) => [name, deserializeSketch(data)]),
    );
    const latency = deserializeSketch(window.latency);
    const errors = { ...window.errors };
    const answered = fresh.filter((sample) => {
      if (sample.error === undefined) return true;
      errors[sample.error] = (errors[sample.error] ?? 0) + 1;
      return false;
    });
    for (const sample of answered) {
      for (const [name, value] of Object.entries(sample.features)) {
        const sketch = features[name];
        if (sketch && (typeof value === "number") === (sketch.kind === "numeric"))
          updateSketch(sketch, value);
      }
      if (sample.latencyMs !== undefined) updateSketch(latency, sample.latencyMs);
    }
    const offered = answered.flatMap((sample) =>
      sample.text === undefined
        ? []
        : [
            {
              hash: sampleIdHash(sample.id),
              id: sample.id,
              time: sample.time,
              text: sample.text,
              label: sample.label,
            },
          ],
    );
    const next: SketchWindow = {
      ...window,
      count: window.count + answered.length,
      errors,
      examples: spec.examples
        ? lowestExamples([...window.examples, ...offered], spec.examples.keep)
        : window.examples,
      features: Object.fromEntries(Object.entries(features).map(([name, s]) => [name, serializeSketch(s)])),
      latency: serializeSketch(latency),
      seen,
    };
    return { result: fresh.length, write: next };
  });
}

/** Windows of one version that start at or after `since` (epoch ms). */
export async function readWindows(
  bucket: R2Bucket,
  model: string,
  version: number,
  since: number,
): Promise<SketchWindow[]> {
  return listWindows(bucket, keys.driftWindows, model, version, since, SketchWindow);
}
