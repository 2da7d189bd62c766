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
import { UnavailableError } from "../core/errors.js";
import { emptySketches, type Profile } from "../core/profile.js";
import {
  createSketch,
  deserializeSketch,
  serializeSketch,
  updateSketch,
} from "../core/sketch/feature-sketch.js";
import { decodeFloat64, encodeFloat64 } from "../core/sketch/float64-base64.js";
import { keys } from "../registry/keys.js";
import type { DriftSample } from "./sample.js";
import { lowestExamples, SketchWindow, sampleIdHash, type WindowKey } from "./window-format.js";
import { listWindows } from "./window-list.js";

/** Predict latency histogram edges, in milliseconds. */
const LATENCY_EDGES = [0, 1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000];
const MAX_WRITE_ATTEMPTS = 8;

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
  for (let attempt = 0; attempt < MAX_WRITE_ATTEMPTS; attempt++) {
    const stored = await bucket.get(objectKey);
    const window = stored
      ? SketchWindow.parse(await stored.json())
      : emptyWindow(key, seconds, spec, profile);
    const seen = new Set(window.seen === "" ? [] : decodeFloat64(window.seen));
    const fresh = samples.filter((sample) => {
      const hash = sampleIdHash(sample.id);
      if (seen.has(hash)) return false;
      seen.add(hash);
      return true;
    });
    if (fresh.length === 0) return 0;

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
      seen: encodeFloat64([...seen]),
    };
    const onlyIf = stored ? { etagMatches: stored.etag } : new Headers({ "if-none-match": "*" });
    const written = await bucket.put(objectKey, JSON.stringify(next), { onlyIf });
    if (written) return fresh.length;
  }
  throw new UnavailableError(`window ${objectKey} stayed contended after ${MAX_WRITE_ATTEMPTS} attempts`);
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
