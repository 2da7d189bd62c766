/**
 * Drift of model versions over a recent span: their windows merged, each drift feature compared with
 * the version's reference profile. Read by the drift endpoint and by the scheduled promotion run.
 */
import type { DriftFeature } from "../core/drift-features.js";
import { compareFeature, compareQuality, type FeatureDrift } from "../core/drift-report.js";
import type { Manifest } from "../core/manifest.js";
import { qualityStates, referenceSketches } from "../core/profile.js";
import type { FeatureSketch } from "../core/sketch/feature-sketch.js";
import { readProfile } from "../registry/profiles.js";
import type { ServingRole } from "./sample.js";
import { type ErrorTally, errorTally, type MergedWindows, mergeWindows } from "./window-format.js";
import { readWindows } from "./windows.js";

export interface VersionDrift {
  version: number;
  samples: number;
  samplesByRole: Partial<Record<ServingRole, number>>;
  /** Rows behind the reference profile; null if the version has none. */
  referenceSamples: number | null;
  /** Sampled instances the version failed to answer, and their share of all it was sent. */
  errors: ErrorTally;
  features: Record<string, FeatureDrift | null>;
  latencyMs: { p50: number; p99: number } | null;
}

export interface DriftWindowData {
  drift: VersionDrift;
  merged: MergedWindows;
}

/** One serving role's share of a version's drift. */
export interface RoleDrift {
  samples: number;
  errors: ErrorTally;
  features: Record<string, FeatureDrift | null>;
  latencyMs: { p50: number; p99: number } | null;
}

/**
 * A version's drift reported per serving role: a version answering as active and scored in shadow
 * at once sees different traffic in each role, and the policy judges each role on its own.
 */
export interface VersionDriftByRole {
  version: number;
  samples: number;
  /** Rows behind the reference profile; null if the version has none. */
  referenceSamples: number | null;
  byRole: Partial<Record<ServingRole, RoleDrift>>;
}

export async function versionDriftByRole(
  bucket: R2Bucket,
  manifest: Manifest,
  since: number,
): Promise<VersionDriftByRole> {
  const [windows, profile] = await Promise.all([
    readWindows(bucket, manifest.name, manifest.version, since),
    readProfile(bucket, manifest),
  ]);
  const reference = profile ? referenceSketches(profile) : {};
  const byRole: Partial<Record<ServingRole, RoleDrift>> = {};
  for (const role of new Set(windows.map((w) => w.role))) {
    const merged = mergeWindows(windows, [role]);
    byRole[role] = {
      samples: merged.count,
      errors: errorTally(merged.count, merged.errors),
      ...compared(merged, reference, manifest),
    };
  }
  return {
    version: manifest.version,
    samples: windows.reduce((sum, w) => sum + w.count, 0),
    referenceSamples: profile?.count ?? null,
    byRole,
  };
}

/** Each merged feature against its reference (data-quality ones as shares), and the merged latency's quantiles. */
function compared(merged: MergedWindows, reference: Record<string, FeatureSketch>, manifest: Manifest) {
  const declared = new Map<string, DriftFeature>((manifest.drift?.features ?? []).map((f) => [f.name, f]));
  const features: Record<string, FeatureDrift | null> = {};
  for (const [name, live] of Object.entries(merged.features)) {
    const expected = reference[name];
    const feature = declared.get(name);
    const states = feature ? qualityStates(feature) : undefined;
    if (!expected) features[name] = null;
    else features[name] = states ? compareQuality(expected, live, states) : compareFeature(expected, live);
  }
  const latency =
    merged.latency?.kind === "numeric" && merged.latency.quantiles.count > 0 ? merged.latency : null;
  const latencyMs = latency
    ? { p50: latency.quantiles.quantile(0.5), p99: latency.quantiles.quantile(0.99) }
    : null;
  return { features, latencyMs };
}

export async function versionDrift(
  bucket: R2Bucket,
  manifest: Manifest,
  since: number,
  roles?: readonly ServingRole[],
): Promise<DriftWindowData> {
  const [windows, profile] = await Promise.all([
    readWindows(bucket, manifest.name, manifest.version, since),
    readProfile(bucket, manifest),
  ]);
  const merged = mergeWindows(windows, roles);
  const reference = profile ? referenceSketches(profile) : {};
  return {
    merged,
    drift: {
      version: manifest.version,
      samples: merged.count,
      samplesByRole: merged.countByRole,
      referenceSamples: profile?.count ?? null,
      errors: errorTally(merged.count, merged.errors),
      ...compared(merged, reference, manifest),
    },
  };
}
