/**
 * Registering an uploaded version through a deployed Worker's admin API: as the candidate of a model
 * the Worker knows, or as the first version (active at once) of one it has never seen. Plain fetch
 * and no Node APIs, so the Worker tests can run it against the real Worker.
 */

import { UnavailableError } from "../core/errors.js";

export interface CandidateOptions {
  mode: "shadow" | "canary";
  share: number;
}

/** How a published version was registered: its model's first (active) version, or a candidate. */
export type Registration = "active" | "candidate";

export interface AdminTarget {
  /** The deployed Worker, e.g. https://vane.example.workers.dev */
  url: string;
  token: string;
}

export type Fetcher = (url: string, init: RequestInit) => Promise<Response>;

/** The Worker refused the registration; the message carries its status and problem. */
export class RegistrationError extends UnavailableError {}

export async function registerRemote(
  target: AdminTarget,
  version: { name: string; version: number },
  candidate: CandidateOptions,
  fetcher: Fetcher = fetch,
): Promise<Registration> {
  const post = (path: string, body: unknown) =>
    fetcher(`${target.url}/v1/admin${path}`, {
      method: "POST",
      headers: { authorization: `Bearer ${target.token}`, "content-type": "application/json" },
      body: JSON.stringify(body),
    });
  const asCandidate = () =>
    post(`/models/${version.name}/candidate`, { version: version.version, ...candidate });

  let response = await asCandidate();
  let registration: Registration = "candidate";
  if (response.status === 404) {
    response = await post("/models", { name: version.name, version: version.version });
    registration = "active";
    // Another publish registered the model meanwhile: this version is its candidate after all.
    if (response.status === 409) {
      response = await asCandidate();
      registration = "candidate";
    }
  }
  if (!response.ok) {
    throw new RegistrationError(
      `uploaded, but registering ${version.name}@${version.version} failed: ${response.status} ${await response.text()}`,
    );
  }
  return registration;
}
