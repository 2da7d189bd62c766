/**
 * `vane profile --reference data.csv` on a tabular model: each row of the dataset file is an instance
 * (the columns the model takes, typed as it takes them), run under onnxruntime-node through the
 * Worker's featurizer and drift function; the profile and the manifest's drift spec speak in column
 * names, categorical columns and 0/1 flags counted as categories, each column's data quality a fixed
 * set of states.
 */
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { vane } from "./run-cli.js";

let directory: string;
let data: string;
let out: string;

/** 160 days at three stations: the weather follows the temperature and the alert flag. */
function rows(): string {
  const lines = ["day,station,temp,alert,weather"];
  for (let i = 0; i < 160; i++) {
    const temp = 5 + ((i * 7) % 25);
    const alert = i % 10 === 0 ? 1 : 0;
    const weather = alert ? "storm" : temp > 18 ? "sun" : "rain";
    lines.push(
      `2015-01-${String((i % 28) + 1).padStart(2, "0")},${["KSEA", "KJFK", "KBOS"][i % 3]},${temp},${alert},${weather}`,
    );
  }
  return lines.join("\n");
}

beforeAll(async () => {
  directory = await mkdtemp(join(tmpdir(), "vane-tabular-profile-"));
  data = join(directory, "days.csv");
  out = join(directory, "days");
  await writeFile(data, rows());
  const trained = await vane([
    "train",
    "--data",
    data,
    "--label",
    "weather",
    "--exclude",
    "day",
    "--epochs",
    "5",
    "--out",
    out,
  ]);
  expect(trained.code).toBe(0);
});
afterAll(() => rm(directory, { recursive: true, force: true }));

describe("vane profile --reference <dataset.csv> on a tabular model", () => {
  it("profiles every row, its drift features named by the columns", async () => {
    const run = await vane(["profile", out, "--reference", data, "--json"]);
    expect(run.code).toBe(0);
    const result = JSON.parse(run.stdout);
    expect(result.count).toBe(160);
    expect(result.features).toEqual(
      expect.arrayContaining([
        "station",
        "temp",
        "alert",
        "station.quality",
        "temp.quality",
        "alert.quality",
      ]),
    );
  });

  it("counts categories and flags as categories, and each column's quality in its fixed states", async () => {
    await vane(["profile", out, "--reference", data]);
    const profile = JSON.parse(await readFile(join(out, "profile.json"), "utf8"));
    expect([profile.features.station.kind, profile.features.alert.kind, profile.features.temp.kind]).toEqual([
      "categorical",
      "categorical",
      "numeric",
    ]);
    expect(profile.features.alert.categories).toMatchObject({ categories: ["0", "1"], counts: [144, 16] });
    expect(profile.features["temp.quality"].categories).toMatchObject({
      fixed: true,
      categories: ["ok", "missing", "out-of-range", "unseen"],
    });
    const manifest = JSON.parse(await readFile(join(out, "manifest.json"), "utf8"));
    expect(manifest.drift.features).toEqual(
      expect.arrayContaining([{ kind: "column-category", name: "alert", column: "alert" }]),
    );
  });

  it("refuses a cell that is not a number in a numeric column, naming the line and column", async () => {
    const bad = join(directory, "bad.csv");
    await writeFile(
      bad,
      "day,station,temp,alert,weather\n2015-02-01,KSEA,11,0,rain\n2015-02-02,KSEA,warm,0,sun\n",
    );
    const run = await vane(["profile", out, "--reference", bad]);
    expect(run.code).toBe(3);
    expect(run.stderr).toContain(`${bad}:3 instances[0].temp: takes a number, got the string "warm"`);
  });

  it("profiles only the rows --where selects", async () => {
    const run = await vane(["profile", out, "--reference", data, "--where", "station=KSEA", "--json"]);
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout).count).toBe(54);
  });

  it("refuses a --where column the file does not have, naming it", async () => {
    const run = await vane(["profile", out, "--reference", data, "--where", "location=Seattle"]);
    expect([run.code, run.stderr.trim()]).toEqual([3, `vane profile: where: ${data} has no column location`]);
  });
});
