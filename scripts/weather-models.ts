/**
 * The shipped weather models (`npm run models`), from vega-datasets' daily weather of Seattle and
 * New York, 2012 to 2015, with its five-class `weather` label:
 *
 *   v1: trained on Seattle days; v2: trained on New York days (the candidate for New York traffic).
 *
 * Each location is split in time (train 2012 to June 2014, validation the rest of 2014, test 2015),
 * trained as an MLP in fp32 through the same dataset trainer as `vane train --data`, served in int8
 * with its reference profile (the Seattle or New York train days, drift features named by column).
 * Evaluation runs on the held-out 2015 days of both locations, never on training data; drift is New
 * York's and Seattle's 2015 days against each version's profile, as the edge would compute it.
 */
import { mkdir, rm } from "node:fs/promises";
import { join } from "node:path";
import type { FeatureDrift } from "../src/core/drift-report.js";
import type { Manifest } from "../src/core/manifest.js";
import { DEFAULT_POLICY } from "../src/core/policy.js";
import type { Profile } from "../src/core/profile.js";
import { type Dataset, loadDataset } from "../src/toolchain/dataset/index.js";
import { splitRequestLines } from "../src/toolchain/dataset/instances.js";
import {
  evaluateVariants,
  perClassTable,
  type VariantEvaluation,
  variantTable,
} from "../src/toolchain/dataset-evaluation.js";
import { writeFileAtomic, writeJsonAtomic } from "../src/toolchain/files.js";
import { MODEL_FILE, sha256Hex } from "../src/toolchain/manifest.js";
import { MANIFEST_FILE } from "../src/toolchain/model-manifest.js";
import { buildLines, readAssets } from "../src/toolchain/model-run.js";
import { PROFILE_FILE } from "../src/toolchain/publish.js";
import { type QuantizeOptions, quantizeModel } from "../src/toolchain/quantize.js";
import { driftAgainstProfile, referenceProfileOf } from "../src/toolchain/reference-profile.js";
import { batchBuilder, type RequestLine } from "../src/toolchain/requests.js";
import { TRAINING_RUN_FILE, trainDataset } from "../src/toolchain/train/dataset-run.js";
import { DEFAULT_SPEC } from "../src/toolchain/train/record.js";
import { resolveOptions } from "../src/toolchain/train/trainer.js";

const NAME = "weather";
const OUT = join("models", NAME);
export const WEATHER_CSV = "node_modules/vega-datasets/data/weather.csv";
export const WEATHER_FEATURES = ["precipitation", "temp_max", "temp_min", "wind"] as const;
const SPLIT = { by: "time", column: "date", validationFrom: "2014-07-01", testFrom: "2015-01-01" } as const;
/** 32 hidden units: the logistic model and wider MLPs scored lower on validation; balanced class weights too. */
const TRAINING = resolveOptions({ arch: "mlp", hidden: 32, seed: 1 });
const QUANTIZATION: QuantizeOptions = { style: "weight-only", granularity: "per-channel", symmetric: true };
export const LOCATIONS = ["Seattle", "New York"] as const;
export type Location = (typeof LOCATIONS)[number];
const VERSIONS: Array<{ version: number; location: Location }> = [
  { version: 1, location: "Seattle" },
  { version: 2, location: "New York" },
];

const log = (line: string) => process.stderr.write(`${line}\n`);

/** One location's days, split in time as the shipped versions were trained. */
export function weatherDataset(location: Location): Promise<Dataset> {
  return loadDataset(WEATHER_CSV, {
    label: "weather",
    features: WEATHER_FEATURES,
    split: SPLIT,
    where: { location },
    seed: TRAINING.seed,
  });
}

interface Built {
  version: number;
  location: Location;
  dir: string;
  manifest: Manifest;
  profile: Profile;
  fp32: Uint8Array;
  int8: Uint8Array;
  bestEpoch: number;
  epochs: number;
}

async function buildVersion(version: number, location: Location, dataset: Dataset): Promise<Built> {
  log(`training ${TRAINING.arch} (${TRAINING.hidden} hidden) on ${location} days`);
  const run = trainDataset({
    dataset,
    name: NAME,
    version,
    training: TRAINING,
    textSpec: DEFAULT_SPEC,
    description: `Daily weather (drizzle, fog, rain, snow, sun) from precipitation, temperatures and wind, trained on ${location} 2012 to mid-2014`,
    onEpoch: (s) =>
      log(`  epoch ${s.epoch}: train loss ${s.trainLoss.toFixed(4)}, val loss ${s.valLoss.toFixed(4)}`),
  });
  const int8 = quantizeModel(run.onnx, QUANTIZATION).bytes;
  const dir = join(OUT, String(version));
  await rm(dir, { recursive: true, force: true });
  await mkdir(dir, { recursive: true });
  await writeFileAtomic(join(dir, MODEL_FILE), int8);
  await writeJsonAtomic(join(dir, TRAINING_RUN_FILE), run.record);
  const served: Manifest = {
    ...run.manifest,
    model: { file: MODEL_FILE, sha256: sha256Hex(int8), bytes: int8.byteLength },
    training: {
      ...run.manifest.training,
      compression: { quantization: QUANTIZATION, fp32Bytes: run.onnx.byteLength },
    },
  };
  log(`profiling ${NAME}@${version} on its ${dataset.counts.sizes.train} ${location} train days`);
  const reference = await referenceProfileOf(dir, served, int8, splitRequestLines(dataset, "train"), {
    where: `${WEATHER_CSV} (${location}, train)`,
    source: { data: WEATHER_CSV, location, split: "train", digest: dataset.split.digests.train },
  });
  await writeJsonAtomic(join(dir, PROFILE_FILE), reference.profile);
  const manifest = { ...served, drift: reference.drift, profile: PROFILE_FILE };
  await writeJsonAtomic(join(dir, MANIFEST_FILE), manifest);
  return {
    version,
    location,
    dir,
    manifest,
    profile: reference.profile,
    fp32: run.onnx,
    int8,
    bestEpoch: run.record.bestEpoch,
    epochs: run.record.history.length,
  };
}

async function evaluateOn(built: Built, lines: readonly RequestLine[], where: string) {
  const builder = batchBuilder(built.manifest, await readAssets(built.dir, built.manifest));
  return evaluateVariants(
    built.manifest,
    [
      { label: "fp32", model: built.fp32 },
      { label: "int8 (served)", model: built.int8 },
    ],
    lines,
    buildLines(builder, lines, where),
    where,
  );
}

const percent = (value: number) => `${(100 * value).toFixed(2)}%`;

function driftTable(drift: Record<string, FeatureDrift | null>): string {
  const rows = Object.entries(drift).flatMap(([name, feature]) => {
    if (feature?.kind === "numeric") {
      return [
        `| ${name} | ${feature.psi.toFixed(4)} | ${feature.ks.statistic.toFixed(4)} | ${feature.ks.pValue.toExponential(2)} | ${feature.count} |`,
      ];
    }
    if (feature?.kind === "categorical") {
      return [`| ${name} | ${feature.psi.toFixed(4)} | | | ${feature.count} |`];
    }
    return [];
  });
  return ["| feature | PSI | KS D | KS p | days |", "|---|---:|---:|---:|---:|", ...rows].join("\n");
}

function qualityTable(drift: Record<string, FeatureDrift | null>): string {
  const rows = Object.entries(drift).flatMap(([name, feature]) =>
    feature?.kind === "data-quality-shares"
      ? [
          `| ${name} | ${Object.entries(feature.shares)
            .map(
              ([state, share]) =>
                `${state} ${percent(share)} (reference ${percent(feature.referenceShares[state])})`,
            )
            .join(", ")} |`,
        ]
      : [],
  );
  return rows.length === 0
    ? ""
    : ["| data-quality feature | shares in 2015 |", "|---|---|", ...rows].join("\n");
}

/** Builds models/weather/1 and /2, evaluates them on both locations' 2015 days, and writes REPORT.md. */
export async function buildWeatherModels(): Promise<void> {
  const started = new Date();
  const datasets = {} as Record<Location, Dataset>;
  for (const location of LOCATIONS) datasets[location] = await weatherDataset(location);
  const tests = Object.fromEntries(
    LOCATIONS.map((location) => [location, splitRequestLines(datasets[location], "test")]),
  ) as Record<Location, RequestLine[]>;

  const report: Record<string, unknown> = { command: "npm run models", started: started.toISOString() };
  const versions: unknown[] = [];
  const summary: string[] = [];
  const sections: string[] = [];
  for (const { version, location } of VERSIONS) {
    const built = await buildVersion(version, location, datasets[location]);
    const evaluations = {} as Record<Location, VariantEvaluation[]>;
    const drift = {} as Record<Location, Record<string, FeatureDrift | null>>;
    for (const target of LOCATIONS) {
      const where = `${WEATHER_CSV} (${target}, 2015)`;
      log(`evaluating ${NAME}@${version} on ${tests[target].length} ${target} 2015 days`);
      evaluations[target] = await evaluateOn(built, tests[target], where);
      drift[target] = await driftAgainstProfile(
        built.dir,
        built.manifest,
        built.int8,
        built.profile,
        tests[target],
        where,
      );
    }
    const sizes = datasets[location].counts.sizes;
    const [fp32, int8] = evaluations[location];
    sections.push(
      [
        `## ${NAME} v${version}: trained on ${location}`,
        "",
        `Days: ${sizes.train} train (2012-01-01 to 2014-06-30), ${sizes.validation} validation (2014-07-01 to 2014-12-31, early stopping), ${sizes.test} held-out test (2015).`,
        `Model: ${TRAINING.arch}, ${TRAINING.hidden} hidden units, seed ${TRAINING.seed}; inputs ${WEATHER_FEATURES.join(", ")} (standardised with the train days' statistics); best epoch ${built.bestEpoch} of ${built.epochs}.`,
        `Served: int8 (${QUANTIZATION.style}, ${QUANTIZATION.granularity}), ${int8.bytes} bytes against fp32's ${fp32.bytes}; on ${location} 2015 int8 ${percent(quality(int8).accuracy)} vs fp32 ${percent(quality(fp32).accuracy)}.`,
        `sha256 ${built.manifest.model.sha256}`,
        "",
        ...LOCATIONS.flatMap((target) => [
          `### On ${target} 2015 (${tests[target].length} days${target === location ? ", the model's own location" : ", a location it never saw"})`,
          "",
          variantTable(evaluations[target]),
          "",
          "Per class, int8 (served):",
          "",
          perClassTable(quality(evaluations[target][1])),
          "",
          `Drift of ${target} 2015 against v${version}'s reference profile (${location} train days):`,
          "",
          driftTable(drift[target]),
          "",
          qualityTable(drift[target]),
          "",
        ]),
      ].join("\n"),
    );
    versions.push({ version, location, manifest: built.manifest, evaluations, drift });
    for (const target of LOCATIONS) {
      const [fp32On, int8On] = evaluations[target].map(quality);
      const columns = WEATHER_FEATURES.filter(
        (column) => (drift[target][column]?.psi ?? 0) > DEFAULT_POLICY.driftPsi,
      );
      summary.push(
        `| v${version} (${location}) | ${target} | ${percent(int8On.accuracy)} | ${percent(fp32On.accuracy)} | ${int8On.macroF1.toFixed(4)} | ${columns.length === 0 ? "none" : columns.join(", ")} |`,
      );
    }
  }
  const header = [
    `# ${NAME}: evaluation report`,
    "",
    `Built by \`npm run models\` (scripts/weather-models.ts) on ${started.toISOString().slice(0, 10)}, Node ${process.version}, ${process.platform}/${process.arch}, from ${WEATHER_CSV} (vega-datasets).`,
    "Label: the five-class `weather` column; features: precipitation, temp_max, temp_min, wind (date and location left out). Each location is split in time; every number below is on the held-out 2015 days, which no model trained or early-stopped on.",
    "Drift: the held-out days as one window, their drift features computed as the Worker computes them, on the reference profile's bin edges (PSI over its deciles, KS from the quantile sketches).",
    "",
    `| model | 2015 days of | accuracy int8 (served) | accuracy fp32 | macro-F1 int8 | columns above PSI ${DEFAULT_POLICY.driftPsi} against the model's reference |`,
    "|---|---|---:|---:|---:|---|",
    ...summary,
    "",
  ].join("\n");
  await writeFileAtomic(join(OUT, "REPORT.md"), `${header}\n${sections.join("\n")}`);
  await writeJsonAtomic(join(OUT, "report.json"), {
    ...report,
    versions,
    finished: new Date().toISOString(),
  });
  log(`wrote ${OUT}/REPORT.md`);
}

function quality(row: VariantEvaluation) {
  if (row.quality.task !== "classification") throw new Error("the weather model is a classifier");
  return row.quality;
}
