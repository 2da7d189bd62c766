/**
 * Turns one answered predict call into drift samples and ships them. It runs in waitUntil, after the
 * response has gone, and swallows its own failures: telemetry must never fail or slow a prediction.
 */
import { driftValues } from "../core/drift-features.js";
import type { Manifest } from "../core/manifest.js";
import type { DriftSample, ServingRole } from "./sample.js";
import { isSampled } from "./sampling.js";
import { shipSamples } from "./transport.js";

export interface ScoredBatch {
  manifest: Manifest;
  role: ServingRole;
  requestId: string;
  time: number;
  latencyMs: number;
  sampleRate: number;
  tokens?: readonly (readonly string[])[];
  rows?: readonly ArrayLike<number>[];
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
        tokens: batch.tokens?.[i],
        features: batch.rows?.[i],
        probabilities: prediction?.probabilities,
        label: prediction?.label,
      }),
      label: prediction?.label,
      latencyMs: batch.latencyMs,
    };
  });
}

export async function recordSamples(env: Env, batch: ScoredBatch): Promise<void> {
  try {
    // Yield first: the caller's response goes out before any sampling work or I/O starts.
    await new Promise((resolve) => setTimeout(resolve, 0));
    await shipSamples(env, samplesOf(batch), batch.requestId);
  } catch (error) {
    console.warn(
      JSON.stringify({ event: "drift_ship_failed", requestId: batch.requestId, message: String(error) }),
    );
  }
}
