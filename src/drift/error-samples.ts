/**
 * A version's failures to answer, as drift samples: one per instance of a sampled request whose
 * input passed the request checks but that the version could not answer. They travel and fold like
 * the answered instances' samples (same sampling draw, same ids, same windows), so a window's error
 * rate is errors over all the sampled instances the version was sent, per role.
 */
import { UnavailableError } from "../core/errors.js";
import type { Manifest } from "../core/manifest.js";
import { NonFiniteOutputError } from "../core/tasks/answer.js";
import type { DriftSample, ErrorKind, ServingRole } from "./sample.js";
import { isSampled } from "./sampling.js";
import { shipSoon } from "./transport.js";

export interface Failure {
  manifest: Manifest;
  role: ServingRole;
  requestId: string;
  /** Epoch ms of the request. */
  time: number;
  sampleRate: number;
  /** Instances in the batch the version failed on. */
  size: number;
  error: unknown;
}

/** The kind of a failure to answer; null for storage faults (the version's loading, not its answer). */
export function failureKind(error: unknown): ErrorKind | null {
  if (error instanceof UnavailableError) return null;
  return error instanceof NonFiniteOutputError ? "non-finite-output" : "run-failed";
}

export function errorSamplesOf(failure: Failure): DriftSample[] {
  const { manifest } = failure;
  const error = failureKind(failure.error);
  if (!error || !manifest.drift || !isSampled(failure.requestId, failure.sampleRate)) return [];
  return Array.from({ length: failure.size }, (_, index) => ({
    model: manifest.name,
    version: manifest.version,
    role: failure.role,
    time: failure.time,
    id: `${failure.requestId}#${index}`,
    features: {},
    error,
  }));
}

/** Ships the failure's samples; like recordSamples, never throws (it runs after the response). */
export async function recordFailure(env: Env, failure: Failure): Promise<void> {
  try {
    await shipSoon(env, errorSamplesOf(failure));
  } catch (error) {
    console.warn(
      JSON.stringify({ event: "error_ship_failed", requestId: failure.requestId, message: String(error) }),
    );
  }
}
