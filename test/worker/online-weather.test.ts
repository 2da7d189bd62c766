/**
 * Online updates of a tabular model in the scheduled run, with the real bindings: the shipped weather
 * model trained on Seattle's days (models/weather/1, an int8 MLP) is active with `update.mode:
 * "online"` and keeps the instances sent, New York's 2015 days arrive with their observed weather as
 * feedback, a scheduled run fine-tunes it into a shadow candidate whose drift reference is rebuilt from
 * the days it was tuned on, and the default policy promotes it on New York's 2014 days (a quarter of
 * them colder than any Seattle day, as were the days it learnt from); or rejects it when what it
 * learnt from was wrong. Each scheduled run's time in workerd is reported
 * (the clock the test pool's workerd runs advances while code runs; see docs/online-updates.md).
 */
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import type { NumericColumn } from "../../src/core/kinds/tabular/schema.js";
import { inShare } from "../../src/core/share-hash.js";
import type { FeedbackDataSpec, UpdateSpec } from "../../src/core/update-spec.js";
import { listVersions, readManifest } from "../../src/registry/manifests.js";
import { readProfile } from "../../src/registry/profiles.js";
import type { WeatherDay } from "../weather-days.js";
import { decode, fixtures, putState, putVersion, shippedVersion } from "./fixtures.js";
import {
  accuracyOf,
  auditLog,
  comparisonOf,
  cron,
  labelAll,
  queueFolded,
  replayInstances,
  stateOf,
} from "./promotion-fixture.js";

const weather = fixtures.onlineWeather;
const feedbackData: FeedbackDataSpec = { keep: "instance", retentionDays: 30, maxRows: 10_000 };
const update = {
  mode: "online",
  maxRowsPerRun: 1000,
  learningRate: 0.03,
  epochs: 20,
  minRows: 50,
  heldOutShare: 0.2,
  candidate: { mode: "shadow", share: 1 },
} satisfies UpdateSpec;
const SMALL_DEPLOYMENT = { minSamples: 100, minFeedback: 100 };
const LABELS = ["drizzle", "fog", "rain", "snow", "sun"];

/** weather@1 (Seattle) under `name`, active, asking for online updates; a small deployment's policy. */
async function onlineWeatherModel(name: string) {
  const shipped = shippedVersion("weather", 1);
  await putVersion(
    { ...shipped.manifest, name, feedbackData, update },
    {
      "model.onnx": decode(shipped.files["model.onnx"]),
      "profile.json": decode(shipped.files["profile.json"]),
    },
  );
  await putState({ name, active: 1, policy: SMALL_DEPLOYMENT });
}

const BATCH = 8;
const predictDays = (model: string, days: readonly WeatherDay[], prefix: string) =>
  replayInstances(model, days, (day) => day.instance, { prefix, batch: BATCH });

/** The days replayed under `prefix` the update trained on: those its held-out share leaves in. */
const trainedDays = (days: readonly WeatherDay[], prefix: string) =>
  days.filter(
    (_, i) =>
      !inShare("online-held-out", `${prefix}-${Math.floor(i / BATCH)}#${i % BATCH}`, update.heldOutShare),
  );

/** Milliseconds one scheduled run takes in workerd, from the test's side of the call. */
async function timedCron(): Promise<number> {
  const started = performance.now();
  await cron();
  return performance.now() - started;
}

/** Another kind of weather than the one observed (two classes on, in label order). */
const wrong = (label: string) => LABELS[(LABELS.indexOf(label) + 2) % LABELS.length];

describe("online on the weather model: New York's days reach the Seattle model, which learns from them", () => {
  const MODEL = "online-weather";
  const runs: Record<string, number> = {};

  it("v1 answers New York's 2015 days, and feedback labels each with its observed weather", async () => {
    await onlineWeatherModel(MODEL);
    const answers = await predictDays(MODEL, weather.learn, "ny-2015");
    expect(answers.every((a) => a.version === 1 && a.role === "active")).toBe(true);
    expect(await labelAll(MODEL, answers)).toEqual({ matched: 365, unknown: 0, duplicates: 0 });
  }, 120_000);

  it("the scheduled run fine-tunes v1 on those days and registers v2 as a shadow candidate", async () => {
    runs.update = await timedCron();
    const [registered] = await auditLog(MODEL);
    expect(registered).toMatchObject({ actor: "scheduler", action: "register_candidate", version: 2 });
    expect((await stateOf(MODEL)).candidate).toMatchObject({ version: 2, mode: "shadow", share: 1 });
    expect(await listVersions(env.MODELS, MODEL)).toEqual([1, 2]);
  });

  it("v2 keeps v1's tabular spec, task and update settings, with its own bytes and lineage", async () => {
    const v1 = await readManifest(env.MODELS, MODEL, 1);
    const v2 = await readManifest(env.MODELS, MODEL, 2);
    expect(v2).toMatchObject({ input: v1?.input, task: v1?.task, update: v1?.update });
    expect([v2?.input.kind, v2?.task.kind === "classification" && v2.task.labels]).toEqual([
      "tabular",
      LABELS,
    ]);
    expect(v2?.model.sha256).not.toBe(v1?.model.sha256);
    expect(v2?.lineage).toMatchObject({
      parent: { version: 1 },
      method: "online",
      data: { feedbackRows: 365 },
    });
    const metrics = v2?.lineage?.metrics ?? {};
    expect(metrics.heldOutLogLoss).toBeLessThan(metrics.parentHeldOutLogLoss);
  });

  it("v2's drift reference is rebuilt from the New York days it was tuned on, colder ones included", async () => {
    const v1 = await readManifest(env.MODELS, MODEL, 1);
    const v2 = await readManifest(env.MODELS, MODEL, 2);
    if (!v1 || !v2) throw new Error("weather versions missing");
    const trained = trainedDays(weather.learn, "ny-2015");
    const coldest = Math.min(...trained.map((day) => day.instance.temp_min));
    const warmest = Math.max(...trained.map((day) => day.instance.temp_min));
    const seattle = (v1.input.kind === "tabular" ? v1.input.columns : []).find(
      (column): column is NumericColumn => column.name === "temp_min" && column.type === "numeric",
    );
    if (!seattle) throw new Error("weather@1 has no numeric temp_min");
    const outside = trained.filter(
      (day) => day.instance.temp_min < seattle.min || day.instance.temp_min > seattle.max,
    ).length;
    const profile = await readProfile(env.MODELS, v2);
    expect(v2.lineage?.data.heldOutRows).toBe(365 - trained.length);
    expect(profile).toMatchObject({
      name: MODEL,
      version: 2,
      count: trained.length,
      source: { onlineFrom: `${MODEL}@1`, feedbackInstances: trained.length },
    });
    const tempMin = profile?.features.temp_min;
    expect(tempMin?.kind === "numeric" && [tempMin.quantiles.min, tempMin.quantiles.max]).toEqual([
      coldest,
      warmest,
    ]);
    expect(coldest).toBeLessThan(seattle.min);
    const quality = profile?.features["temp_min.quality"];
    expect(quality?.kind === "categorical" && quality.categories).toMatchObject({
      categories: ["ok", "missing", "out-of-range", "unseen"],
      counts: [trained.length - outside, 0, outside, 0],
    });
    expect(outside).toBeGreaterThan(0);
  });

  it("v1 answers New York's 2014 days while v2 scores them in shadow, and feedback labels both", async () => {
    const answers = await predictDays(MODEL, weather.judged, "ny-2014");
    expect(answers.every((a) => a.version === 1 && a.role === "active")).toBe(true);
    expect(await labelAll(MODEL, answers)).toEqual({ matched: 365, unknown: 0, duplicates: 0 });
    expect(await queueFolded(MODEL, 2, 365)).toBe(365);
  }, 120_000);

  it("the scheduled run promotes v2 under the default policy, right on more of the 2014 days than v1", async () => {
    runs.decision = await timedCron();
    const [promotion] = await auditLog(MODEL);
    expect(promotion).toMatchObject({ actor: "scheduler", action: "promote", version: 2 });
    const comparison = comparisonOf(promotion);
    expect(comparison.basis).toBe("paired");
    expect(comparison.active).toEqual({
      labels: 365,
      accuracy: accuracyOf(weather.judgedByV1, weather.judged),
    });
    expect(comparison.candidate.labels).toBe(365);
    expect(comparison.candidate.accuracy - comparison.active.accuracy).toBeGreaterThanOrEqual(0.01);
    expect((await stateOf(MODEL)).active).toBe(2);
    console.log(
      JSON.stringify({
        event: "online_weather_story",
        v1: comparison.active.accuracy,
        v2: comparison.candidate.accuracy,
      }),
    );
  });

  it("no update builds on v2 while it is on probation, and that run is quick", async () => {
    runs.waiting = await timedCron();
    expect(await listVersions(env.MODELS, MODEL)).toEqual([1, 2]);
    console.log(JSON.stringify({ event: "online_weather_run_ms", ...runs }));
    // The run that trained stays well inside the cron's 30 s of CPU.
    expect(runs.update).toBeLessThan(30_000);
  });
});

describe("an online update of the weather model learnt from wrong labels", () => {
  const MODEL = "online-weather-wrong";

  it("is published as a candidate, then rejected on the next, true labels", async () => {
    await onlineWeatherModel(MODEL);
    const answers = await predictDays(MODEL, weather.learn, "wrong-2015");
    const mislabelled = answers.map((a) => ({ ...a, mail: { ...a.mail, label: wrong(a.mail.label) } }));
    expect(await labelAll(MODEL, mislabelled)).toMatchObject({ matched: 365 });
    await cron();
    expect((await stateOf(MODEL)).candidate).toMatchObject({ version: 2, mode: "shadow" });

    const judged = await predictDays(MODEL, weather.judged, "true-2014");
    await labelAll(MODEL, judged);
    expect(await queueFolded(MODEL, 2, 365)).toBe(365);
    await cron();
    const ofV2 = (await auditLog(MODEL)).filter((record) => record.version === 2).reverse();
    expect(ofV2.map((r) => [r.actor, r.action])).toEqual([
      ["scheduler", "register_candidate"],
      ["scheduler", "reject"],
    ]);
    expect(ofV2[1].reason).toMatch(/^candidate is less accurate/);
    expect(await stateOf(MODEL)).toMatchObject({ active: 1, candidate: null });
  }, 240_000);
});
