/**
 * Which requests are sampled, and what their samples hold. The decision is a hash of the request id
 * against the model's rate, so it is reproducible (the same request id is always in or always out)
 * and needs no shared state. Pure: no bindings, so its cost can be measured anywhere.
 */
import { driftValues } from "../core/drift-features.js";
import type { Manifest } from "../core/manifest.js";
import { inShare } from "../core/share-hash.js";
import type { DriftSample, ServingRole } from "./sample.js";

export function isSampled(requestId: string, rate: number): boolean {
  return inShare("drift", requestId, rate);
}

export interface ScoredBatch {
  manifest: Manifest;
  role: ServingRole;
  requestId: string;
  time: number;
  latencyMs: number;
  sampleRate: number;
  tokenHashes?: readonly ArrayLike<number>[];
  rows?: readonly ArrayLike<number>[];
  /** The raw input texts (text requests only); kept in samples only when the spec asks for examples. */
  texts?: readonly string[];
  predictions?: ReadonlyArray<{ label: string; probabilities: Record<string, number> }>;
}

export function samplesOf(batch: ScoredBatch): DriftSample[] {
  const spec = batch.manifest.drift;
  if (!spec || !isSampled(batch.requestId, batch.sampleRate)) return [];
  const size = batch.predictions?.length ?? batch.rows?.length ?? 0;
  return Array.from({ length: size }, (_, i) => {
    const prediction = batch.predictions?.[i];
    return {
      model: batch.manifest.name,
      version: batch.manifest.version,
      role: batch.role,
      time: batch.time,
      id: `${batch.requestId}#${i}`,
      features: driftValues(spec, {
        tokenHashes: batch.tokenHashes?.[i],
        features: batch.rows?.[i],
        probabilities: prediction?.probabilities,
        label: prediction?.label,
      }),
      label: prediction?.label,
      latencyMs: batch.latencyMs,
      ...(spec.examples && batch.texts?.[i] !== undefined
        ? { text: batch.texts[i].slice(0, spec.examples.maxChars) }
        : {}),
    };
  });
}
