/**
 * Runs in Node (from global-setup.ts): the held-out 2015 days of Seattle and New York from
 * vega-datasets' weather.csv, split as the shipped weather models were trained (scripts/weather-models.ts),
 * as named instances with their true labels; and what the toolchain measures of each shipped version
 * on them under onnxruntime-node: the label of each day and the drift per feature against the
 * version's reference profile. The Worker, inside workerd, must answer and report the same.
 */
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { LOCATIONS, type Location, weatherDataset } from "../../scripts/weather-models.js";
import { Manifest } from "../../src/core/manifest.js";
import { Profile } from "../../src/core/profile.js";
import { splitRequestLines } from "../../src/toolchain/dataset/instances.js";
import { buildLines, readAssets, scoreLines } from "../../src/toolchain/model-run.js";
import { driftAgainstProfile } from "../../src/toolchain/reference-profile.js";
import { batchBuilder } from "../../src/toolchain/requests.js";

export type { Location } from "../../scripts/weather-models.js";

export interface WeatherDay {
  /** The day's line in weather.csv. */
  line: number;
  instance: Record<string, number | string>;
  label: string;
}

/** What Node measured of one shipped version on one location's 2015 days. */
export interface WeatherMeasure {
  /** onnxruntime-node's label for each day. */
  predicted: string[];
  accuracy: number;
  /** PSI and KS D of each numeric column against the version's profile (the days as one window). */
  drift: Record<string, { psi: number; ks: number; ksRankErrorBound: number }>;
}

export interface WeatherFixture {
  days: Record<Location, WeatherDay[]>;
  /** The README's example instance and onnxruntime-node's label for it from each version. */
  example: { instance: Record<string, number>; predicted: Record<string, string> };
  /** By version of models/weather, then location. */
  measured: Record<string, Record<Location, WeatherMeasure>>;
}

const VERSIONS = [1, 2];
const EXAMPLE = { precipitation: 0, temp_max: 12.8, temp_min: 5, wind: 4.7 };

function labelsOf(scored: Awaited<ReturnType<typeof scoreLines>>, version: number): string[] {
  return scored.map(({ predictions }) => {
    const [prediction] = predictions ?? [];
    if (!prediction || !("label" in prediction)) throw new Error(`weather@${version}: no label`);
    return prediction.label;
  });
}

export async function weatherFixture(): Promise<WeatherFixture> {
  const lines = {} as Record<Location, Awaited<ReturnType<typeof splitRequestLines>>>;
  const days = {} as Record<Location, WeatherDay[]>;
  for (const location of LOCATIONS) {
    lines[location] = splitRequestLines(await weatherDataset(location), "test");
    days[location] = lines[location].map((line) => ({
      line: line.line,
      instance: (line.body.instances as Array<Record<string, number | string>>)[0],
      label: String(line.labels?.[0]),
    }));
  }
  const measured: WeatherFixture["measured"] = {};
  const example: WeatherFixture["example"] = { instance: EXAMPLE, predicted: {} };
  const exampleLines = [{ line: 1, body: { instances: [EXAMPLE] } }];
  for (const version of VERSIONS) {
    const dir = join("models", "weather", String(version));
    const manifest = Manifest.parse(JSON.parse(await readFile(join(dir, "manifest.json"), "utf8")));
    const profile = Profile.parse(JSON.parse(await readFile(join(dir, "profile.json"), "utf8")));
    const model = new Uint8Array(await readFile(join(dir, manifest.model.file)));
    const builder = batchBuilder(manifest, await readAssets(dir, manifest));
    measured[version] = {} as Record<Location, WeatherMeasure>;
    const exampleScored = await scoreLines(
      manifest,
      model,
      exampleLines,
      buildLines(builder, exampleLines, "example"),
    );
    [example.predicted[version]] = labelsOf(exampleScored, version);
    for (const location of LOCATIONS) {
      const where = `${location} 2015`;
      const scored = await scoreLines(
        manifest,
        model,
        lines[location],
        buildLines(builder, lines[location], where),
      );
      const predicted = labelsOf(scored, version);
      const drift = await driftAgainstProfile(dir, manifest, model, profile, lines[location], where);
      measured[version][location] = {
        predicted,
        accuracy: predicted.filter((label, i) => label === days[location][i].label).length / predicted.length,
        drift: Object.fromEntries(
          Object.entries(drift).flatMap(([name, feature]) =>
            feature?.kind === "numeric"
              ? [
                  [
                    name,
                    {
                      psi: feature.psi,
                      ks: feature.ks.statistic,
                      ksRankErrorBound: feature.ks.rankErrorBound,
                    },
                  ],
                ]
              : [],
          ),
        ),
      };
    }
  }
  return { days, example, measured };
}
