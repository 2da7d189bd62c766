/**
 * Registering an uploaded version through a deployed Worker's admin API: as the candidate of a model
 * the Worker knows, or as the first version (active at once) of one it has never seen.
 */

import { ConflictError, NotFoundError, UnavailableError } from "../core/errors.js";
import type { WorkerClient } from "./worker-client.js";

export interface CandidateOptions {
  mode: "shadow" | "canary";
  share: number;
}

/** How a published version was registered: its model's first (active) version, or a candidate. */
export type Registration = "active" | "candidate";

/** The Worker refused the registration; the message carries its reason. */
export class RegistrationError extends UnavailableError {}

export async function registerRemote(
  worker: WorkerClient,
  version: { name: string; version: number },
  candidate: CandidateOptions,
): Promise<Registration> {
  const asCandidate = () =>
    worker.registerCandidate(version.name, { version: version.version, ...candidate });
  try {
    try {
      await asCandidate();
      return "candidate";
    } catch (error) {
      if (!(error instanceof NotFoundError)) throw error;
    }
    try {
      await worker.registerModel(version.name, version.version);
      return "active";
    } catch (error) {
      // Another publish registered the model meanwhile: this version is its candidate after all.
      if (!(error instanceof ConflictError)) throw error;
    }
    await asCandidate();
    return "candidate";
  } catch (error) {
    throw new RegistrationError(
      `uploaded, but registering ${version.name}@${version.version} failed: ${(error as Error).message}`,
      { cause: error },
    );
  }
}
