/**
 * The shipped weather models (models/weather, built by `npm run models`) against real days of
 * vega-datasets' weather.csv: drift of a window against a version's reference profile, per named
 * column, computed as the edge computes it (driftAgainstProfile).
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { type Location, weatherDataset } from "../../scripts/weather-models.js";
import type { FeatureDrift } from "../../src/core/drift-report.js";
import { Manifest } from "../../src/core/manifest.js";
import { DEFAULT_POLICY } from "../../src/core/policy.js";
import { Profile } from "../../src/core/profile.js";
import { splitRequestLines } from "../../src/toolchain/dataset/instances.js";
import { driftAgainstProfile } from "../../src/toolchain/reference-profile.js";

const DIR = "models/weather/1";
const manifest = Manifest.parse(JSON.parse(readFileSync(`${DIR}/manifest.json`, "utf8")));
const profile = Profile.parse(JSON.parse(readFileSync(`${DIR}/profile.json`, "utf8")));
const model = new Uint8Array(readFileSync(`${DIR}/model.onnx`));
const COLUMNS = ["precipitation", "temp_max", "temp_min", "wind"];

async function driftOf(location: Location, split: "train" | "test") {
  const lines = splitRequestLines(await weatherDataset(location), split);
  return driftAgainstProfile(DIR, manifest, model, profile, lines, `${location} ${split}`);
}

const psiOf = (drift: Record<string, FeatureDrift | null>) =>
  Object.fromEntries(COLUMNS.map((column) => [column, drift[column]?.psi]));

describe("weather@1 (Seattle) drift per column", () => {
  it("finds no drift at all in its own reference days: PSI 0 and KS D 0 on every column", async () => {
    const drift = await driftOf("Seattle", "train");
    expect(psiOf(drift)).toEqual({ precipitation: 0, temp_max: 0, temp_min: 0, wind: 0 });
    for (const column of COLUMNS)
      expect(drift[column]).toMatchObject({ kind: "numeric", count: 912, ks: { statistic: 0 } });
  });

  it("finds New York 2015 drifted on wind and the temperatures, above the policy's PSI, not on precipitation", async () => {
    const psi = psiOf(await driftOf("New York", "test"));
    const drifted = COLUMNS.filter((column) => (psi[column] ?? 0) > DEFAULT_POLICY.driftPsi);
    expect(drifted).toEqual(["temp_max", "temp_min", "wind"]);
  });

  it("finds Seattle 2015 below the policy's PSI on every column", async () => {
    const psi = psiOf(await driftOf("Seattle", "test"));
    expect(COLUMNS.filter((column) => (psi[column] ?? 0) > DEFAULT_POLICY.driftPsi)).toEqual([]);
  });
});
