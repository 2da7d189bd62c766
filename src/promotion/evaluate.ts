/**
 * Measures what a decision needs about one model's state: whether its versions load (verified
 * bytes, via the serving path's loader), their drift and latency from the sketch windows, and their
 * live accuracy from feedback. Readings are memoized per run, so re-deciding after a lost write race
 * costs no second round of reads.
 */
import { limits } from "../config.js";
import { type Accuracy, readAccuracy } from "../drift/feedback.js";
import { versionDrift } from "../drift/report.js";
import type { ServingRole } from "../drift/sample.js";
import { windowStart } from "../drift/window-format.js";
import { readManifest } from "../registry/manifests.js";
import type { RegistryState } from "../registry/state.js";
import { loadVerifiedBytes } from "../serving/model-loader.js";
import { loadVersion } from "../serving/predictor.js";
import type {
  Comparison,
  DataQualityIssue,
  Evaluation,
  LoadCheck,
  ProbationNumbers,
  SideNumbers,
} from "./decide.js";
import type { Policy } from "./policy.js";
import { qualityShareIssue } from "./quality.js";

const HOUR_MS = 3_600_000;

interface DriftReading {
  samples: number;
  errors: number;
  latencyP50: number | null;
  psi: Record<string, number>;
  dataQuality: DataQualityIssue[];
}

export class Readings {
  private readonly memo = new Map<string, Promise<unknown>>();

  constructor(
    readonly env: Env,
    private readonly name: string,
  ) {}

  private once<T>(key: string, read: () => Promise<T>): Promise<T> {
    let found = this.memo.get(key) as Promise<T> | undefined;
    if (!found) {
      found = read();
      this.memo.set(key, found);
    }
    return found;
  }

  /**
   * Loads the version as serving would (manifest, sha256, runtime); with `fresh`, also re-reads its
   * stored bytes against the manifest, since this isolate may hold a session built before they went
   * bad. Never throws.
   */
  load(version: number, fresh = false): Promise<LoadCheck> {
    return this.once(`load/${version}/${fresh}`, () => checkVersion(this.env, this.name, version, fresh));
  }

  drift(
    version: number,
    since: number,
    roles: readonly ServingRole[],
    policy: Pick<Policy, "maxQualityShare" | "minSamples">,
  ): Promise<DriftReading> {
    return this.once(`drift/${version}/${since}/${roles.join(",")}`, async () => {
      const manifest = await readManifest(this.env.MODELS, this.name, version).catch(() => null);
      if (!manifest) return { samples: 0, errors: 0, latencyP50: null, psi: {}, dataQuality: [] };
      const { drift } = await versionDrift(this.env.MODELS, manifest, since, roles);
      const psi: Record<string, number> = {};
      const dataQuality: DataQualityIssue[] = [];
      for (const [feature, stats] of Object.entries(drift.features)) {
        if (stats?.kind === "data-quality") dataQuality.push({ feature, reason: stats.reason });
        else if (stats?.kind === "data-quality-shares") {
          const issue = qualityShareIssue(feature, stats, policy);
          if (issue) dataQuality.push(issue);
        } else if (stats && Number.isFinite(stats.psi)) psi[feature] = stats.psi;
      }
      return {
        samples: drift.samples,
        errors: drift.errors.count,
        latencyP50: drift.latencyMs?.p50 ?? null,
        psi,
        dataQuality,
      };
    });
  }

  accuracy(version: number, roles: readonly ServingRole[], since: number, until?: number): Promise<Accuracy> {
    return this.once(`accuracy/${version}/${roles.join(",")}/${since}/${until ?? ""}`, () =>
      readAccuracy(this.env.MODELS, this.name, version, {
        since,
        until,
        roles,
        windowSeconds: limits(this.env).driftWindowSeconds,
      }),
    );
  }
}

/** Whether `name@version` exists and loads (see Readings.load); never throws. */
export async function checkVersion(
  env: Env,
  name: string,
  version: number,
  fresh: boolean,
): Promise<LoadCheck> {
  try {
    const manifest = await loadVersion(env, name, version);
    if (!manifest) return { ok: false, reason: `model ${name} has no version ${version}` };
    if (fresh) await loadVerifiedBytes(env.MODELS, manifest, limits(env).modelLoadTimeoutMs);
    return { ok: true, reason: null };
  } catch (error) {
    return { ok: false, reason: (error as Error).message };
  }
}

async function side(
  readings: Readings,
  version: number,
  roles: readonly ServingRole[],
  driftSince: number,
  feedbackSince: number,
  policy: Policy,
  fresh: boolean,
): Promise<SideNumbers> {
  const [load, drift, feedback] = await Promise.all([
    readings.load(version, fresh),
    readings.drift(version, driftSince, roles, policy),
    readings.accuracy(version, roles, feedbackSince),
  ]);
  const values = Object.values(drift.psi);
  return {
    version,
    load,
    samples: drift.samples,
    errors: drift.errors,
    latencyP50: drift.latencyP50,
    feedback,
    maxPsi: values.length > 0 ? Math.max(...values) : null,
    drifted: Object.entries(drift.psi)
      .filter(([, psi]) => psi > policy.driftPsi)
      .map(([feature, psi]) => ({ feature, psi })),
    dataQuality: drift.dataQuality,
  };
}

export const ACTIVE_ROLES: readonly ServingRole[] = ["active"];

export async function evaluate(
  readings: Readings,
  state: RegistryState,
  policy: Policy,
  now: number,
): Promise<Evaluation> {
  // Labels are read from exact times: candidate and active are compared on the predictions made
  // since the candidate was registered, not on the active version's labels from before it. Drift
  // sketches are read whole, from the start of the window the period starts in.
  const seconds = limits(readings.env).driftWindowSeconds;
  const lookbackFrom = now - policy.lookbackHours * HOUR_MS;
  const since = state.candidate ? Math.max(lookbackFrom, Date.parse(state.candidate.since)) : lookbackFrom;
  const [active, candidate, probation] = await Promise.all([
    state.active === null
      ? null
      : side(readings, state.active, ACTIVE_ROLES, windowStart(lookbackFrom, seconds), since, policy, false),
    state.candidate
      ? side(
          readings,
          state.candidate.version,
          [candidateRole(state.candidate.mode)],
          windowStart(since, seconds),
          since,
          policy,
          true,
        )
      : null,
    state.probation ? probationNumbers(readings, state, policy) : null,
  ]);
  return { now, since, active, candidate, comparison: compare(state, active, candidate), probation };
}

/** A shadow candidate's samples and labels are recorded as "shadow", a canary's as "candidate". */
function candidateRole(mode: "shadow" | "canary"): ServingRole {
  return mode === "shadow" ? "shadow" : "candidate";
}

function compare(
  state: RegistryState,
  active: SideNumbers | null,
  candidate: SideNumbers | null,
): Comparison | null {
  if (!state.candidate || !active || !candidate) return null;
  const { labels, accuracy, meanConfidence, pairedAccuracy } = candidate.feedback;
  if (state.candidate.mode === "shadow") {
    return {
      basis: "paired",
      candidate: { labels, accuracy, meanConfidence },
      active: { labels, accuracy: pairedAccuracy },
    };
  }
  return {
    basis: "unpaired",
    candidate: { labels, accuracy, meanConfidence },
    active: { labels: active.feedback.labels, accuracy: active.feedback.accuracy },
  };
}

async function probationNumbers(
  readings: Readings,
  state: RegistryState,
  policy: Policy,
): Promise<ProbationNumbers | null> {
  const probation = state.probation;
  if (!probation) return null;
  const promotedAt = Date.parse(probation.promotedAt);
  const seconds = limits(readings.env).driftWindowSeconds;
  const [live, baseline, replacedLoad, served] = await Promise.all([
    readings.accuracy(probation.version, ACTIVE_ROLES, promotedAt),
    probation.replaced === null
      ? null
      : readings.accuracy(
          probation.replaced,
          ACTIVE_ROLES,
          promotedAt - policy.lookbackHours * HOUR_MS,
          promotedAt,
        ),
    probation.replaced === null ? null : readings.load(probation.replaced, true),
    readings.drift(probation.version, windowStart(promotedAt, seconds), ACTIVE_ROLES, policy),
  ]);
  return {
    version: probation.version,
    replaced: probation.replaced,
    live,
    baseline,
    replacedLoad,
    served: { answered: served.samples, errors: served.errors },
  };
}
