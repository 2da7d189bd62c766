/**
 * `vane distill --teacher <model dir> --data`: a teacher trained by vane on the real weather data
 * (vega-datasets weather.csv, Seattle), exported, imported with `vane import` as a user imports any
 * ONNX model, then distilled into a smaller student that must answer as the teacher does.
 */
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type CliRun, REPO, vane } from "./run-cli.js";

// The package's exports do not name its data files: the file is found beside its package.json.
const WEATHER = join(REPO, "node_modules/vega-datasets/data/weather.csv");
const SEATTLE = [
  "--data",
  WEATHER,
  "--label",
  "weather",
  "--where",
  "location=Seattle",
  "--exclude",
  "date,location",
];

let directory: string;
let imported: string;
let distilled: CliRun;

beforeAll(async () => {
  directory = await mkdtemp(join(tmpdir(), "vane-distill-dataset-"));
  const teacher = join(directory, "teacher");
  const trained = await vane([
    "train",
    ...SEATTLE,
    "--arch",
    "mlp",
    "--hidden",
    "64",
    "--lr",
    "0.01",
    "--out",
    teacher,
  ]);
  if (trained.code !== 0) throw new Error(trained.stderr);
  // What a user has of a model from elsewhere: the .onnx, its labels and how its columns are fed.
  const manifest = JSON.parse(await readFile(join(teacher, "manifest.json"), "utf8"));
  const spec = join(directory, "spec.json");
  await writeFile(spec, JSON.stringify(manifest.input));
  imported = join(directory, "imported");
  const importRun = await vane([
    "import",
    join(teacher, "model.onnx"),
    ...["--out", imported, "--labels", manifest.task.labels.join(",")],
    ...["--input-kind", "tabular", "--input-spec", spec],
  ]);
  if (importRun.code !== 0) throw new Error(importRun.stderr);
  distilled = await vane([
    "distill",
    ...["--teacher", imported, ...SEATTLE, "--arch", "mlp", "--hidden", "8", "--lr", "0.01"],
    ...["--out", join(directory, "student"), "--json"],
  ]);
}, 240_000);

afterAll(async () => {
  await rm(directory, { recursive: true, force: true });
});

describe("vane distill --teacher <imported model> --data weather.csv", () => {
  it("exits 0", () => {
    expect([distilled.code, distilled.stderr.includes("vane distill:")]).toEqual([0, false]);
  });

  it("trains a student that labels at least 95% of the held-out days as the teacher does", () => {
    const { distillation } = JSON.parse(distilled.stdout);
    expect(distillation.agreement.test).toBeGreaterThanOrEqual(0.95);
    expect(distillation.agreement.validation).toBeGreaterThanOrEqual(0.95);
  });

  it("reports the student's and the teacher's accuracy on the labelled test days", () => {
    const { metrics, distillation } = JSON.parse(distilled.stdout);
    expect(metrics.test.count).toBe(distillation.teacherQuality.test.count);
    expect(metrics.test.accuracy).toBeGreaterThan(0.7);
    expect(distillation.teacherQuality.test.accuracy).toBeGreaterThan(0.7);
  });

  it("reports the student's bytes and latency against the teacher's", () => {
    const { bytes, latencyMs } = JSON.parse(distilled.stdout).distillation;
    expect(bytes.student).toBeLessThan(bytes.teacher / 3);
    expect(latencyMs.student).toBeGreaterThan(0);
    expect(latencyMs.teacher).toBeGreaterThan(0);
  });

  it("answers in the teacher's labels and records where it learned from", async () => {
    const manifest = JSON.parse(await readFile(join(directory, "student", "manifest.json"), "utf8"));
    expect(manifest.task.labels).toEqual(["drizzle", "fog", "rain", "snow", "sun"]);
    expect(manifest.training.distillation).toEqual({ teacher: imported, temperature: 2, alpha: 0.7 });
  });

  it("learns from unlabelled rows, the teacher's answers their labels", async () => {
    // weather.csv without its weather column: what a user has before anyone labelled the days.
    const lines = (await readFile(WEATHER, "utf8")).trimEnd().split("\n");
    const unlabelled = join(directory, "unlabelled.csv");
    await writeFile(unlabelled, `${lines.map((line) => line.split(",").slice(0, 6).join(",")).join("\n")}\n`);
    const run = await vane([
      "distill",
      ...[
        "--teacher",
        imported,
        "--data",
        unlabelled,
        "--where",
        "location=Seattle",
        "--exclude",
        "date,location",
      ],
      ...[
        "--arch",
        "mlp",
        "--hidden",
        "8",
        "--lr",
        "0.01",
        "--out",
        join(directory, "unlabelled-student"),
        "--json",
      ],
    ]);
    expect(run.code).toBe(0);
    const { distillation, counts } = JSON.parse(run.stdout);
    expect([distillation.labelled, distillation.teacherQuality.test, counts.kept]).toEqual([
      false,
      null,
      1461,
    ]);
    expect(distillation.agreement.test).toBeGreaterThanOrEqual(0.95);
  });

  it("refuses a teacher that is not a model directory (exit 3)", async () => {
    const bare = join(directory, "bare.onnx");
    await writeFile(bare, await readFile(join(imported, "model.onnx")));
    const run = await vane(["distill", "--teacher", bare, ...SEATTLE, "--out", join(directory, "nope")]);
    expect(run.code).toBe(3);
    expect(run.stderr).toContain(`teacher ${bare} has no manifest.json beside it`);
  });
});
