/**
 * The registry's state transitions as pure functions of (state, arguments, time): the admin API and
 * the scheduled run both build their changes from these, so a promotion means the same thing whoever
 * asks for it. A transition that does not apply throws TransitionError, a ConflictError.
 * None of them touches `updatedAt`, `decisions` or `deliveries`: the writer in audit.ts owns those.
 */
import { ConflictError } from "../core/errors.js";
import type { PolicyOverrides } from "../core/policy.js";
import type { Actor, CandidateState, RegistryState } from "./state.js";

export class TransitionError extends ConflictError {}

function without(list: readonly number[], ...versions: Array<number | null>): number[] {
  return list.filter((v) => !versions.includes(v));
}

/** A model's first version becomes its active one. */
export function registerFirst(state: RegistryState, version: number): RegistryState {
  if (state.active !== null) {
    throw new TransitionError(`model ${state.name} is registered already (active version ${state.active})`);
  }
  return { ...state, active: version };
}

/** Makes `version` the candidate (replacing any other), scored beside or instead of the active one. */
export function registerCandidate(
  state: RegistryState,
  candidate: { version: number; mode: CandidateState["mode"]; share: number },
  at: string,
): RegistryState {
  if (candidate.version === state.active) {
    throw new TransitionError(`version ${candidate.version} is already the active version`);
  }
  return { ...state, candidate: { ...candidate, since: at } };
}

/** Changes how the candidate takes traffic; its evaluation period (`since`) goes on. */
export function setCandidateTraffic(
  state: RegistryState,
  traffic: { mode?: CandidateState["mode"]; share?: number },
): RegistryState {
  if (!state.candidate) throw new TransitionError(`model ${state.name} has no candidate`);
  return {
    ...state,
    candidate: {
      ...state.candidate,
      mode: traffic.mode ?? state.candidate.mode,
      share: traffic.share ?? state.candidate.share,
    },
  };
}

/** Drops the candidate (withdrawn by an admin, or rejected by the scheduler). */
export function dropCandidate(state: RegistryState): RegistryState {
  if (!state.candidate) throw new TransitionError(`model ${state.name} has no candidate`);
  return { ...state, candidate: null };
}

/**
 * Makes `version` active and puts it on probation; the version it replaces becomes the first
 * fallback and the one a rollback restores.
 */
export function promote(state: RegistryState, version: number, at: string, by: Actor): RegistryState {
  if (state.pinned)
    throw new TransitionError(`model ${state.name} is pinned to ${state.active}: unpin first`);
  if (version === state.active) throw new TransitionError(`version ${version} is already active`);
  return {
    ...switchActive(state, version),
    probation: { version, promotedAt: at, replaced: state.active, by },
  };
}

/**
 * `version` becomes active: the version it replaces heads the fallbacks, a candidate it was stops
 * being one, and alerts about the old active version no longer apply.
 */
function switchActive(state: RegistryState, version: number): RegistryState {
  const replaced = state.active;
  return {
    ...state,
    active: version,
    previous:
      replaced === null
        ? without(state.previous, version)
        : [replaced, ...without(state.previous, version, replaced)],
    candidate: state.candidate?.version === version ? null : state.candidate,
    alert: null,
    activeUnavailable: null,
  };
}

/**
 * Restores the version the probation replaced (or, with no probation, the most recent previous one).
 * The version rolled back is not kept as a fallback.
 */
export function rollback(state: RegistryState): RegistryState {
  if (state.pinned)
    throw new TransitionError(`model ${state.name} is pinned to ${state.active}: unpin first`);
  const target = state.probation?.replaced ?? state.previous.find((v) => v !== state.active) ?? null;
  if (target === null)
    throw new TransitionError(`model ${state.name} has no previous version to roll back to`);
  return {
    ...state,
    active: target,
    previous: without(state.previous, target, state.active),
    candidate: state.candidate?.version === target ? null : state.candidate,
    probation: null,
    alert: null,
    activeUnavailable: null,
  };
}

/** Sets the active version by hand, without probation, and keeps the scheduler's hands off it. */
export function pin(state: RegistryState, version: number): RegistryState {
  if (version === state.active) return { ...state, pinned: true, probation: null };
  return { ...switchActive(state, version), pinned: true, probation: null };
}

export function unpin(state: RegistryState): RegistryState {
  if (!state.pinned) throw new TransitionError(`model ${state.name} is not pinned`);
  return { ...state, pinned: false };
}

/** Ends a probation that passed: the version is simply active from now on. */
export function endProbation(state: RegistryState): RegistryState {
  if (!state.probation) throw new TransitionError(`model ${state.name} has no version on probation`);
  return { ...state, probation: null };
}

export function setPolicy(state: RegistryState, overrides: PolicyOverrides): RegistryState {
  return { ...state, policy: overrides };
}

/** The model's own drift sample rate; null hands it back to the DRIFT_SAMPLE_RATE var. */
export function setSampleRate(state: RegistryState, rate: number | null): RegistryState {
  const { sampleRate: _, ...rest } = state;
  return rate === null ? rest : { ...rest, sampleRate: rate };
}

export function openAlert(state: RegistryState, features: string[], at: string): RegistryState {
  if (state.active === null) throw new TransitionError(`model ${state.name} has no active version`);
  return { ...state, alert: { version: state.active, since: at, features } };
}

export function closeAlert(state: RegistryState): RegistryState {
  return { ...state, alert: null };
}

export function markActiveUnavailable(state: RegistryState, reason: string, at: string): RegistryState {
  if (state.active === null) throw new TransitionError(`model ${state.name} has no active version`);
  return { ...state, activeUnavailable: { version: state.active, since: at, reason } };
}

export function markActiveRecovered(state: RegistryState): RegistryState {
  return { ...state, activeUnavailable: null };
}
