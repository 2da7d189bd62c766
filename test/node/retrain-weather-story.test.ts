/**
 * The retraining loop on a user's own CSV, against a real local Worker (wrangler dev, miniflare's R2,
 * KV, D1 and Queue): weather v1 is trained with `vane train --data` on Seattle's days of vega-datasets'
 * weather.csv (tabular: precipitation, temp_max, temp_min, wind; 5 classes), profiled on them
 * (`vane profile --reference weather.csv --where location=Seattle`), and asks, in its manifest, to
 * keep feedback data. It answers New York's 2015 days, whose observed weather comes back
 * as feedback; `vane feedback export` downloads the kept rows, `vane retrain` fine-tunes v1 on them
 * (replaying some of its Seattle training split), `vane publish` makes the result a shadow candidate,
 * and on New York's 2014 days the scheduled run promotes it.
 */
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Manifest } from "../../src/core/manifest.js";
import type { FeedbackDataSpec } from "../../src/core/update-spec.js";
import { newYorkDays, WEATHER_CSV, WEATHER_FEATURES } from "../weather-days.js";
import { cliEnv, startTestWorker, type TestWorker } from "./local-worker.js";
import {
  type Decision,
  predictLabelled,
  routeShadow,
  scheduledDecision,
  sendLabels,
} from "./retrain-loop.js";
import { REPO, vane } from "./run-cli.js";

const PORT = 8843;
const MODEL = "weather-story";
const KEEP_INSTANCES: FeedbackDataSpec = { keep: "instance", retentionDays: 30, maxRows: 10_000 };
const BATCH = 10;

interface Comparison {
  parent: { accuracy: number; count: number };
  child: { accuracy: number; count: number };
}

let dir: string;
let worker: TestWorker;
let exported: { rows: number; labels: string[] };
let retrained: { heldOut: Comparison; parentTest: Comparison; replay: { train: number } };
let v2: Manifest;
let v1: Manifest;
let judged: Decision;

const offline = (args: string[]) => vane(args, REPO, cliEnv());

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "vane-weather-story-"));
  const trained = await offline([
    "train",
    "--data",
    WEATHER_CSV,
    "--label",
    "weather",
    "--where",
    "location=Seattle",
    "--features",
    WEATHER_FEATURES.join(","),
    "--name",
    MODEL,
    "--out",
    join(dir, "1"),
  ]);
  expect(trained.code).toBe(0);
  const profiled = await offline([
    "profile",
    join(dir, "1"),
    "--reference",
    WEATHER_CSV,
    "--where",
    "location=Seattle",
  ]);
  expect(profiled.code).toBe(0);
  // The user's one edit: ask the edge to keep what retraining needs.
  const manifestPath = join(dir, "1", "manifest.json");
  v1 = { ...JSON.parse(await readFile(manifestPath, "utf8")), feedbackData: KEEP_INSTANCES };
  await writeFile(manifestPath, JSON.stringify(v1, null, 2));
  worker = await startTestWorker(PORT, [
    { name: MODEL, versions: [1], root: dir, feedbackData: KEEP_INSTANCES },
  ]);

  const answered = await predictLabelled(worker, MODEL, await newYorkDays("2015"), {
    prefix: "ny-2015",
    versions: [1],
    batch: BATCH,
  });
  expect((await sendLabels(worker, MODEL, answered)).matched).toBe(answered.length);
  const exportFile = join(dir, "feedback.jsonl");
  const exportRun = await worker.vane(["feedback", "export", MODEL, "--out", exportFile, "--json"]);
  expect(exportRun.code).toBe(0);
  exported = JSON.parse(exportRun.stdout);
  const retrainRun = await offline([
    "retrain",
    "--from",
    join(dir, "1"),
    "--feedback",
    exportFile,
    "--out",
    join(dir, "2"),
    "--lr",
    "0.1",
    "--json",
  ]);
  expect(retrainRun.code).toBe(0);
  retrained = JSON.parse(retrainRun.stdout);
  console.log(
    JSON.stringify({
      event: "weather_retrain",
      heldOut: retrained.heldOut,
      seattleTest: retrained.parentTest,
    }),
  );
  v2 = JSON.parse(await readFile(join(dir, "2", "manifest.json"), "utf8"));
  const published = await offline([
    "publish",
    join(dir, "2"),
    "--mode",
    "shadow",
    "--share",
    "1",
    "--persist-to",
    worker.persistTo,
  ]);
  expect(published.code).toBe(0);
  await routeShadow(worker, MODEL);

  const judgedDays = await predictLabelled(worker, MODEL, await newYorkDays("2014"), {
    prefix: "ny-2014",
    versions: [1, 2],
    batch: BATCH,
  });
  expect((await sendLabels(worker, MODEL, judgedDays)).matched).toBe(judgedDays.length);
  judged = await scheduledDecision(worker, MODEL, 2);
  console.log(JSON.stringify({ event: "weather_retrain_story", reason: judged.decision?.reason }));
}, 600_000);

afterAll(async () => {
  await worker?.dispose();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe("retraining the Seattle weather model on New York's feedback", () => {
  it("exports one row per labelled New York day of 2015, with its five kinds of weather", () => {
    expect(exported).toMatchObject({
      model: MODEL,
      rows: 365,
      labels: ["drizzle", "fog", "rain", "snow", "sun"],
    });
  });

  it("retrains a v2 right on 78.08% of the 73 held-out days, where v1 is right on 73.97% (+4.11 points)", () => {
    expect({
      days: retrained.heldOut.child.count,
      v1: retrained.heldOut.parent.accuracy,
      v2: retrained.heldOut.child.accuracy,
    }).toEqual({ days: 73, v1: 54 / 73, v2: 57 / 73 });
  });

  it("replays Seattle's training days, and stays within a point of v1 on Seattle's test split", () => {
    expect(retrained.replay.train).toBeGreaterThan(0);
    const { parent, child } = retrained.parentTest;
    expect(Math.abs(child.accuracy - parent.accuracy)).toBeLessThanOrEqual(0.01);
  });

  it("keeps v1's tabular spec, task and feedback data, and names its lineage", () => {
    expect({
      input: v2.input,
      task: v2.task,
      feedbackData: v2.feedbackData,
      lineage: v2.lineage && {
        parent: v2.lineage.parent,
        method: v2.lineage.method,
        rows: v2.lineage.data.feedbackRows,
      },
    }).toEqual({
      input: v1.input,
      task: v1.task,
      feedbackData: KEEP_INSTANCES,
      lineage: { parent: { version: 1 }, method: "retrain", rows: 365 },
    });
  });

  it("profiles v2's drift reference on the days it was tuned on", () => {
    expect(v2.drift?.features.map((feature) => feature.name)).toEqual(
      expect.arrayContaining(["precipitation", "temp_max", "temp_min", "wind"]),
    );
  });

  it("is promoted by the scheduled run once it is more accurate than v1 on New York's 2014 days", () => {
    expect({
      action: judged.decision?.action,
      version: judged.decision?.version,
      active: judged.state.active,
    }).toEqual({ action: "promote", version: 2, active: 2 });
  });
});
