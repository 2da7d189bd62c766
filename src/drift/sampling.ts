/**
 * Which requests are sampled, and what their samples hold. The decision is a hash of the request id
 * against the model's rate, so it is reproducible (the same request id is always in or always out)
 * and needs no shared state. Pure: no bindings, so its cost can be measured anywhere.
 */
import { driftValues } from "../core/drift-features.js";
import type { FeatureBatch } from "../core/kinds/kind.js";
import type { Manifest } from "../core/manifest.js";
import { inShare } from "../core/share-hash.js";
import type { Prediction } from "../core/tasks/schema.js";
import type { HostTensor } from "../core/tensor.js";
import type { DriftSample, ServingRole } from "./sample.js";

export function isSampled(requestId: string, rate: number): boolean {
  return inShare("drift", requestId, rate);
}

/** Whether the prediction log keeps `requestId`'s answer: its own share, drawn apart from the drift sample. */
export function isLogged(requestId: string, rate: number): boolean {
  return inShare("predictions", requestId, rate);
}

export interface ScoredBatch {
  manifest: Manifest;
  role: ServingRole;
  requestId: string;
  time: number;
  latencyMs: number;
  sampleRate: number;
  /** The instances as the input kind fed them to the model. */
  batch: FeatureBatch;
  outputs: Readonly<Record<string, HostTensor>>;
  predictions?: readonly Prediction[];
}

export function samplesOf(scored: ScoredBatch): DriftSample[] {
  const { manifest, batch } = scored;
  const spec = manifest.drift;
  if (!spec || !isSampled(scored.requestId, scored.sampleRate)) return [];
  return Array.from({ length: batch.size }, (_, index) => {
    const prediction = scored.predictions?.[index];
    const label = prediction && "label" in prediction ? prediction.label : undefined;
    const example = spec.examples ? batch.example?.(index) : undefined;
    return {
      model: manifest.name,
      version: manifest.version,
      role: scored.role,
      time: scored.time,
      id: `${scored.requestId}#${index}`,
      features: driftValues(
        spec,
        { index, size: batch.size, batch, outputs: scored.outputs, prediction },
        manifest.task,
      ),
      label,
      latencyMs: scored.latencyMs,
      ...(spec.examples && example !== undefined ? { text: example.slice(0, spec.examples.maxChars) } : {}),
    };
  });
}
