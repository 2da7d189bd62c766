/**
 * Which version answers, and running it. The active version answers unpinned requests; if it cannot
 * be loaded (missing, corrupt, unreadable), the most recent previous version that loads takes over,
 * so a storage fault or a broken model never stops a model that was serving.
 */

import { limits } from "../config.js";
import { InvalidInputError, NotFoundError, UnavailableError } from "../core/errors.js";
import type { Manifest } from "../core/manifest.js";
import { inShare } from "../core/share-hash.js";
import type { HostTensor } from "../core/tensor.js";
import { ManifestError, readManifest } from "../registry/manifests.js";
import { type RegistryState, readState } from "../registry/state.js";
import { loadVerifiedBytes, ModelUnavailableError } from "./model-loader.js";
import { onnxRuntime } from "./ort-runtime.js";
import { type Feeds, type Outputs, SessionCache } from "./session-cache.js";

const UNAVAILABLE = "Model version unavailable";

/** One cache per isolate; its budget follows SESSION_CACHE_BYTES. */
export const sessions = new SessionCache(64 * 1024 * 1024);

export interface ServingVersion {
  manifest: Manifest;
  /**
   * `active` answers as registered; `fallback` stands in for an active version that failed to load;
   * `candidate` is a canary candidate answering its share; `pinned` was asked for by version.
   */
  role: "active" | "fallback" | "pinned" | "candidate";
  /** The model's drift sample rate, when its registry state sets one. */
  sampleRate?: number;
}

/** Loads `name@version` (verified and built), null if no such version exists. */
export async function loadVersion(env: Env, name: string, version: number): Promise<Manifest | null> {
  let manifest: Manifest | null;
  try {
    manifest = await readManifest(env.MODELS, name, version);
  } catch (error) {
    const reason = error instanceof ManifestError ? error.message : `registry read failed (${String(error)})`;
    throw new ModelUnavailableError(name, version, reason);
  }
  if (!manifest) return null;
  const found = manifest;
  sessions.setBudget(limits(env).sessionCacheBytes);
  try {
    await sessions.load(found, () => loadVerifiedBytes(env.MODELS, found, limits(env).modelLoadTimeoutMs));
  } catch (error) {
    if (error instanceof ModelUnavailableError) throw error;
    throw new ModelUnavailableError(name, version, `the runtime could not load it (${String(error)})`);
  }
  return found;
}

export async function resolveActive(env: Env, name: string, known?: RegistryState): Promise<ServingVersion> {
  const state = known ?? (await readState(env, name));
  if (!state) throw new NotFoundError(`no model named ${name}`);
  if (state.active === null)
    throw new UnavailableError(`model ${name} has no active version`, { title: UNAVAILABLE });
  const chain = [state.active, ...state.previous.filter((v) => v !== state.active)];
  const failures: string[] = [];
  for (const version of chain) {
    try {
      const manifest = await loadVersion(env, name, version);
      if (manifest) {
        return {
          manifest,
          role: version === state.active ? "active" : "fallback",
          sampleRate: state.sampleRate,
        };
      }
      failures.push(`${name}@${version} is missing`);
    } catch (error) {
      failures.push((error as Error).message);
    }
    console.error(JSON.stringify({ event: "version_unavailable", name, version, reason: failures.at(-1) }));
  }
  throw new UnavailableError(`no version of ${name} can serve: ${failures.join("; ")}`, {
    title: UNAVAILABLE,
  });
}

/** Where a candidate takes part in one request: answering it (canary) or scoring it aside (shadow). */
export interface CandidateRoute {
  canary: number | null;
  shadow: number | null;
}

/**
 * The candidate's part in a request. Canary is sticky by `key` (the caller's `x-vane-key`, else the
 * request id): the same key always lands on the same side while the share holds. Shadow is drawn
 * per request id.
 */
export function candidateRoute(state: RegistryState, requestId: string, key: string): CandidateRoute {
  const candidate = state.candidate;
  if (!candidate || candidate.version === state.active) return { canary: null, shadow: null };
  if (candidate.mode === "canary") {
    return {
      canary: inShare(`canary/${state.name}`, key, candidate.share) ? candidate.version : null,
      shadow: null,
    };
  }
  return {
    canary: null,
    shadow: inShare(`shadow/${state.name}`, requestId, candidate.share) ? candidate.version : null,
  };
}

/**
 * Loads a candidate version for serving or shadowing; null (logged) when it is missing or cannot be
 * loaded, so a broken candidate never breaks a request: the active version answers instead.
 */
export async function loadCandidate(
  env: Env,
  state: RegistryState,
  version: number,
): Promise<ServingVersion | null> {
  try {
    const manifest = await loadVersion(env, state.name, version);
    if (manifest) return { manifest, role: "candidate", sampleRate: state.sampleRate };
    console.error(
      JSON.stringify({ event: "candidate_unavailable", name: state.name, version, reason: "missing" }),
    );
  } catch (error) {
    console.error(
      JSON.stringify({
        event: "candidate_unavailable",
        name: state.name,
        version,
        reason: (error as Error).message,
      }),
    );
  }
  return null;
}

export async function resolvePinned(env: Env, name: string, version: number): Promise<ServingVersion> {
  try {
    const manifest = await loadVersion(env, name, version);
    if (!manifest) throw new NotFoundError(`model ${name} has no version ${version}`);
    const state = await readState(env, name).catch(() => null);
    return { manifest, role: "pinned", sampleRate: state?.sampleRate };
  } catch (error) {
    if (error instanceof ModelUnavailableError)
      throw new UnavailableError(error.message, { title: UNAVAILABLE });
    throw error;
  }
}

/**
 * Runs `manifest`'s session on host tensors. The session is built (and the model checked) before
 * this runs, so an error from the run itself is onnxruntime refusing this request's inputs (a
 * position past the model's table, an index out of an embedding, a side the network cannot divide):
 * the caller's fault, named by the input the message mentions.
 */
export async function runModel(
  env: Env,
  manifest: Manifest,
  feeds: Readonly<Record<string, HostTensor>>,
  field: string,
): Promise<Record<string, HostTensor>> {
  const loadBytes = () => loadVerifiedBytes(env.MODELS, manifest, limits(env).modelLoadTimeoutMs);
  await sessions.load(manifest, loadBytes);
  const ort = onnxRuntime();
  const ortFeeds: Feeds = {};
  for (const [name, tensor] of Object.entries(feeds)) {
    ortFeeds[name] = new ort.Tensor(tensor.dtype, tensor.data, tensor.dims);
  }
  let outputs: Outputs;
  try {
    outputs = await sessions.run(manifest, loadBytes, ortFeeds);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    const named = manifest.inputs.find((input) => reason.includes(input.name));
    throw InvalidInputError.field(
      named && field === "inputs" ? `inputs.${named.name}` : field,
      `the model refused this input: ${reason}`,
    );
  }
  return Object.fromEntries(
    Object.entries(outputs).map(([name, tensor]) => [
      name,
      {
        dtype: tensor.type as HostTensor["dtype"],
        dims: tensor.dims,
        data: tensor.data as HostTensor["data"],
      },
    ]),
  );
}
