/**
 * The weather story inside workerd, on the shipped models/weather (v1 trained on Seattle, v2 on New
 * York) and real held-out 2015 days of weather.csv sent as named instances: Seattle traffic looks
 * like v1's reference, New York traffic drifts on the columns that moved (wind, the temperatures),
 * labels sent as feedback give each version its live accuracy, and the scheduled handler promotes
 * v2 on New York traffic. Every expected number is what the toolchain measured in Node on the same
 * days (weather-setup.ts); each test publishes its own model, so none depends on another.
 */
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { DEFAULT_POLICY } from "../../src/core/policy.js";
import { FeedbackWindow } from "../../src/drift/feedback.js";
import { fixtures, putShippedVersion, putState } from "./fixtures.js";
import {
  admin,
  auditLog,
  cron,
  labelAll,
  queueFolded,
  replayInstances,
  stateOf,
} from "./promotion-fixture.js";
import { call, postJson } from "./request.js";
import type { Location, WeatherDay } from "./weather-setup.js";

const { days, example, measured } = fixtures.weather;
const COLUMNS = ["precipitation", "temp_max", "temp_min", "wind"];
const ALL_DAYS = 365;

interface ColumnDrift {
  psi: number;
  ks: { statistic: number };
}

/** Publishes models/weather/1 under `model` as its active version (and /2 beside it). */
async function publish(model: string): Promise<void> {
  await putShippedVersion("weather", 1, model);
  await putShippedVersion("weather", 2, model);
  await putState({ name: model, active: 1 });
}

/** Sends every 2015 day of `location` to `model`, eight named instances a request. */
function send(model: string, location: Location) {
  return replayInstances(model, days[location], (day: WeatherDay) => day.instance, {
    prefix: `${model}-${location.replace(" ", "-").toLowerCase()}`,
  });
}

/** The drift endpoint's report of the active role of `version`, once all its samples are folded. */
async function columnDrift(model: string, version: number): Promise<Record<string, ColumnDrift>> {
  expect(await queueFolded(model, version, ALL_DAYS)).toBe(ALL_DAYS);
  const response = await call(`/v1/models/${model}/drift?window=1h&version=${version}`);
  const body = (await response.json()) as {
    versions: Array<{ byRole: Record<string, { features: Record<string, ColumnDrift> }> }>;
  };
  return body.versions[0].byRole.active.features;
}

/** Each column's PSI and KS D against v1's profile, held to what Node measured on the same days. */
function expectMeasured(drift: Record<string, ColumnDrift>, location: Location): void {
  for (const column of COLUMNS) {
    const node = measured[1][location].drift[column];
    expect(drift[column].psi, column).toBeCloseTo(node.psi, 9);
    expect(Math.abs(drift[column].ks.statistic - node.ks), column).toBeLessThanOrEqual(node.ksRankErrorBound);
  }
}

const drifted = (drift: Record<string, ColumnDrift>) =>
  COLUMNS.filter((column) => drift[column].psi > DEFAULT_POLICY.driftPsi);

/** v1 active, v2 scoring every New York day aside as a shadow candidate, every day labelled. */
async function newYorkWithCandidate(model: string): Promise<void> {
  await publish(model);
  const registered = await admin("POST", `/models/${model}/candidate`, {
    version: 2,
    mode: "shadow",
    share: 1,
  });
  expect(registered.status).toBe(200);
  const answers = await send(model, "New York");
  expect(await labelAll(model, answers)).toEqual({ matched: ALL_DAYS, unknown: 0, duplicates: 0 });
}

/** Labelled predictions of `version` and the share right, from the model's feedback windows, by role. */
async function liveAccuracy(model: string, version: number) {
  const listed = await env.MODELS.list({ prefix: `drift/feedback/${model}/${version}/` });
  const totals: Record<string, { labels: number; correct: number }> = {};
  for (const object of listed.objects) {
    const stored = await env.MODELS.get(object.key);
    if (!stored) continue;
    const window = FeedbackWindow.parse(await stored.json());
    const total = totals[window.role] ?? { labels: 0, correct: 0 };
    totals[window.role] = { labels: total.labels + window.count, correct: total.correct + window.correct };
  }
  return Object.fromEntries(
    Object.entries(totals).map(([role, { labels, correct }]) => [
      role,
      { labels, accuracy: correct / labels },
    ]),
  );
}

describe("the weather model in workerd", () => {
  it("answers named instances with the labels onnxruntime-node gives the same days", async () => {
    const model = "weather-serve";
    await publish(model);
    const seattle = days.Seattle.slice(0, 7);
    const response = await postJson(`/v1/models/${model}/predict`, {
      instances: [example.instance, ...seattle.map((day) => day.instance)],
    });
    expect(response.status).toBe(200);
    const body = (await response.json()) as { version: number; predictions: Array<{ label: string }> };
    expect(body.version).toBe(1);
    expect(body.predictions.map((p) => p.label)).toEqual([
      example.predicted[1],
      ...measured[1].Seattle.predicted.slice(0, 7),
    ]);
  });

  it("sees Seattle's 2015 days under the policy's PSI on every column of v1's Seattle reference", async () => {
    const model = "weather-seattle";
    await publish(model);
    await send(model, "Seattle");
    const drift = await columnDrift(model, 1);
    expectMeasured(drift, "Seattle");
    expect(drifted(drift)).toEqual([]);
  });

  it("sees New York's 2015 days drifted above the policy's PSI on temp_max, temp_min and wind, not on precipitation", async () => {
    const model = "weather-new-york";
    await publish(model);
    await send(model, "New York");
    const drift = await columnDrift(model, 1);
    expectMeasured(drift, "New York");
    expect(drifted(drift)).toEqual(["temp_max", "temp_min", "wind"]);
  });

  it("alerts from the scheduled run on New York days without a candidate, naming the drifted columns", async () => {
    const model = "weather-alert";
    await publish(model);
    await send(model, "New York");
    expect(await queueFolded(model, 1, ALL_DAYS)).toBe(ALL_DAYS);
    await cron();
    const [alert] = await auditLog(model);
    expect(alert).toMatchObject({ actor: "scheduler", action: "alert", version: 1 });
    const features = alert.after.alert?.features ?? [];
    expect(COLUMNS.filter((column) => features.includes(column))).toEqual(["temp_max", "temp_min", "wind"]);
    // A third of New York's days are colder than any Seattle training day: a data-quality issue too.
    expect(features).toContain("temp_min.quality");
  });

  it("counts the labels sent as feedback into each version's live accuracy on the same days", async () => {
    const model = "weather-feedback";
    await newYorkWithCandidate(model);
    expect(await liveAccuracy(model, 1)).toEqual({
      active: { labels: ALL_DAYS, accuracy: measured[1]["New York"].accuracy },
    });
    expect(await liveAccuracy(model, 2)).toEqual({
      shadow: { labels: ALL_DAYS, accuracy: measured[2]["New York"].accuracy },
    });
  });

  it("promotes v2 (New York) from the scheduled run, right more often than v1 on the same New York days", async () => {
    const model = "weather-promote";
    await newYorkWithCandidate(model);
    expect(await queueFolded(model, 2, ALL_DAYS)).toBe(ALL_DAYS);
    await cron();
    const [promotion] = await auditLog(model);
    expect(promotion).toMatchObject({ actor: "scheduler", action: "promote", version: 2 });
    expect(promotion.numbers.comparison).toEqual({
      basis: "paired",
      candidate: expect.objectContaining({ labels: ALL_DAYS, accuracy: measured[2]["New York"].accuracy }),
      active: { labels: ALL_DAYS, accuracy: measured[1]["New York"].accuracy },
    });
    expect((await stateOf(model)).active).toBe(2);
  });
});
