/**
 * Drift of a tabular model per named column, from the kind's drift values through the profile's and
 * a window's sketches to the statistics: a 0/1 flag is counted as categories (10% -> 90% is a large
 * PSI), a numeric column keeps histogram and quantiles, a quality feature reports shares of missing,
 * out-of-range and unseen values beside the reference's.
 */
import { describe, expect, it } from "vitest";
import { DriftSpec, type DriftValues } from "../../src/core/drift-features.js";
import { compareFeature, compareQuality } from "../../src/core/drift-report.js";
import { featurizeInstances } from "../../src/core/kinds/instances.js";
import { tabular } from "../../src/core/kinds/tabular/index.js";
import { QUALITY_STATES, TabularSpec } from "../../src/core/kinds/tabular/schema.js";
import { buildProfile, emptySketches, qualityStates, referenceSketches } from "../../src/core/profile.js";
import { updateSketch } from "../../src/core/sketch/feature-sketch.js";

const SPEC = TabularSpec.parse({
  kind: "tabular",
  input: "features",
  columns: [
    {
      name: "wind",
      type: "numeric",
      mean: 3,
      std: 1.4,
      min: 0.4,
      max: 9.5,
      missing: { policy: "impute", value: 3 },
    },
    {
      name: "promo",
      type: "numeric",
      mean: 0.1,
      std: 0.3,
      min: 0,
      max: 1,
      values: [0, 1],
      missing: { policy: "impute", value: 0.1 },
    },
  ],
});
const DRIFT = DriftSpec.parse({ features: tabular.defaultDrift(SPEC) });
const featurizer = tabular.instances.compile(SPEC, new Map(), [
  { name: "features", dtype: "float32", shape: ["batch", 2] },
]);

function valuesOf(instances: Array<Record<string, unknown>>): DriftValues[] {
  const out: DriftValues[] = [];
  for (let start = 0; start < instances.length; start += 100) {
    const chunk = instances.slice(start, start + 100);
    const batch = featurizeInstances(featurizer, tabular.instances.schema, chunk, {
      maxBatch: 100,
      maxTextChars: 1,
      maxImagePixels: 1,
    });
    for (let i = 0; i < chunk.length; i++) out.push(batch.drift(i, DRIFT.features));
  }
  return out;
}

/** `n` rows with the flag set in `share` of them and wind spread over 1..9. */
function rows(n: number, share: number, extra: (i: number) => Record<string, unknown> = () => ({})) {
  return Array.from({ length: n }, (_, i) => ({
    wind: 1 + (i % 9),
    promo: i < n * share ? 1 : 0,
    ...extra(i),
  }));
}

function driftOf(reference: DriftValues[], live: DriftValues[]) {
  const profile = buildProfile(DRIFT, reference, { name: "shop", version: 1, source: {} });
  const sketches = emptySketches(DRIFT, profile);
  for (const row of live)
    for (const [name, value] of Object.entries(row)) updateSketch(sketches[name], value);
  const expected = referenceSketches(profile);
  return Object.fromEntries(
    DRIFT.features.map((feature) => {
      const states = qualityStates(feature);
      const live = sketches[feature.name];
      return [
        feature.name,
        states
          ? compareQuality(expected[feature.name], live, states)
          : compareFeature(expected[feature.name], live),
      ];
    }),
  );
}

describe("tabular drift per column", () => {
  const reference = valuesOf(rows(1000, 0.1));

  it("counts a 0/1 flag as categories: its prevalence moving from 10% to 90% is a large PSI", () => {
    const drift = driftOf(reference, valuesOf(rows(500, 0.9)));
    expect(drift.promo?.kind).toBe("categorical");
    expect(drift.promo?.psi).toBeGreaterThan(2);
  });

  it("finds no drift in the flag when its prevalence holds", () => {
    const drift = driftOf(reference, valuesOf(rows(500, 0.1)));
    expect(drift.promo?.psi).toBeLessThan(0.01);
  });

  it("keeps a numeric column's histogram and quantiles: wind doubled shows in PSI, KS and Wasserstein", () => {
    const drift = driftOf(reference, valuesOf(rows(500, 0.1, (i) => ({ wind: 2 * (1 + (i % 9)) }))));
    expect(drift.wind).toMatchObject({ kind: "numeric" });
    if (drift.wind?.kind !== "numeric") throw new Error("numeric");
    expect([drift.wind.psi > 1, drift.wind.ks.pValue < 0.001, drift.wind.wasserstein > 4]).toEqual([
      true,
      true,
      true,
    ]);
  });

  it("reports missing and out-of-range shares per column beside the reference's", () => {
    const live = valuesOf(
      rows(400, 0.1, (i) => (i % 4 === 0 ? { wind: null } : i % 10 === 1 ? { wind: 12 } : {})),
    );
    const drift = driftOf(reference, live);
    expect(drift["wind.quality"]).toEqual({
      kind: "data-quality-shares",
      count: 400,
      referenceCount: 1000,
      psi: null,
      shares: { missing: 0.25, "out-of-range": 0.1, unseen: 0 },
      referenceShares: { missing: 0, "out-of-range": 0, unseen: 0 },
    });
    expect(qualityStates(DRIFT.features.find((f) => f.name === "wind.quality") ?? DRIFT.features[0])).toEqual(
      QUALITY_STATES,
    );
  });

  it("counts a flag value inside the range that training never had as unseen, one outside it as out of range", () => {
    const odd = (i: number) => (i < 60 ? { promo: 0.5 } : i < 90 ? { promo: 2 } : {});
    const drift = driftOf(reference, valuesOf(rows(300, 0.1, odd)));
    expect(drift["promo.quality"]).toMatchObject({
      shares: { missing: 0, "out-of-range": 0.1, unseen: 0.2 },
    });
  });
});
