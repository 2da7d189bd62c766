/**
 * A model version's drift reference profile: its drift features over the training data, as the same
 * mergeable sketches the edge builds from live traffic. The profile fixes the bin edges and categories
 * that every live window of that version uses, so the two always line up.
 */
import { z } from "zod";
import type { DriftFeature, DriftSpec, DriftValues } from "./drift-features.js";
import { kindCategorical } from "./kinds/registry.js";
import {
  createSketch,
  deserializeSketch,
  type FeatureSketch,
  SerializedFeatureSketch,
  serializeSketch,
  updateSketch,
} from "./sketch/feature-sketch.js";
import { binEdgesFromSample } from "./sketch/histogram.js";

/** Deciles of the reference, the classic PSI binning (docs/drift.md says why not finer). */
export const PROFILE_BINS = 10;
/** Edges for a version without a profile: its windows still count, but have no reference to drift from. */
const FALLBACK_EDGES = [0, 1];

export const Profile = z.object({
  name: z.string(),
  version: z.number().int().positive(),
  createdAt: z.iso.datetime(),
  /** Where the reference rows came from (collection, split, row count). */
  source: z.record(z.string(), z.unknown()),
  count: z.number().int().nonnegative(),
  features: z.record(z.string(), SerializedFeatureSketch),
});
export type Profile = z.infer<typeof Profile>;

export function isCategorical(feature: DriftFeature): boolean {
  return feature.kind === "predicted-label" || kindCategorical(feature.kind) !== undefined;
}

/** A categorical feature's fixed vocabulary (data-quality states), if its kind gives one. */
function fixedCategories(feature: DriftFeature): string[] | undefined {
  const categories = kindCategorical(feature.kind)?.categories;
  return categories ? [...categories] : undefined;
}

/** The states of a data-quality feature, the good one first; undefined for any other feature. */
export function qualityStates(feature: DriftFeature): readonly string[] | undefined {
  const categorical = kindCategorical(feature.kind);
  return categorical?.quality ? categorical.categories : undefined;
}

/** The reference profile of `rows` (one DriftValues per training instance). */
export function buildProfile(
  spec: DriftSpec,
  rows: readonly DriftValues[],
  meta: Pick<Profile, "name" | "version" | "source">,
): Profile {
  const features: Profile["features"] = {};
  for (const feature of spec.features) {
    const values = rows.map((row) => row[feature.name]).filter((value) => value !== undefined);
    const sketch = isCategorical(feature)
      ? createSketch({ kind: "categorical", categories: fixedCategories(feature) })
      : createSketch({
          kind: "numeric",
          edges: binEdgesFromSample(values as number[], PROFILE_BINS),
        });
    for (const value of values) updateSketch(sketch, value);
    features[feature.name] = serializeSketch(sketch);
  }
  return { ...meta, createdAt: new Date().toISOString(), count: rows.length, features };
}

/** Empty live sketches for each drift feature, on the profile's edges and categories. */
export function emptySketches(spec: DriftSpec, profile: Profile | null): Record<string, FeatureSketch> {
  const sketches: Record<string, FeatureSketch> = {};
  for (const feature of spec.features) {
    const reference = profile?.features[feature.name];
    if (isCategorical(feature)) {
      const categories =
        reference?.kind === "categorical" ? reference.categories.categories : fixedCategories(feature);
      sketches[feature.name] = createSketch({ kind: "categorical", categories });
    } else {
      const edges = reference?.kind === "numeric" ? reference.histogram.edges : FALLBACK_EDGES;
      sketches[feature.name] = createSketch({ kind: "numeric", edges });
    }
  }
  return sketches;
}

export function referenceSketches(profile: Profile): Record<string, FeatureSketch> {
  return Object.fromEntries(
    Object.entries(profile.features).map(([name, data]) => [name, deserializeSketch(data)]),
  );
}
