/**
 * Training on a user's own dataset file: a CSV of daily station records (numeric, categorical, a 0/1
 * flag and missing values) and a JSONL of support tickets (text), written by the test; multi-class,
 * regression and class weights, through the library and through the real CLI.
 */
import { existsSync } from "node:fs";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as ort from "onnxruntime-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { predictOutputs, predictProbabilities } from "../../src/core/learn/predict.js";
import { Prng } from "../../src/core/learn/prng.js";
import { toDense } from "../../src/core/learn/rows.js";
import { type DatasetOptions, loadDataset } from "../../src/toolchain/dataset/index.js";
import { batchBuilder } from "../../src/toolchain/requests.js";
import { type DatasetRun, type SplitQuality, trainDataset } from "../../src/toolchain/train/dataset-run.js";
import { DEFAULT_SPEC } from "../../src/toolchain/train/record.js";
import { resolveOptions } from "../../src/toolchain/train/trainer.js";
import { vane } from "./run-cli.js";

let directory: string;
let stations: string;
let tickets: string;

const STATIONS = ["KSEA", "KJFK", "KBOS"];

/**
 * 600 days over three stations. The label follows the inputs with noise: windy days are rain, warm
 * calm ones sun, and cold calm mornings at KBOS fog (a rare class, about 8%). Every 37th temperature
 * and every 53rd station is missing.
 */
function stationCsv(): string {
  const random = new Prng(11);
  const lines = ["day,station,temp,wind,holiday,weather,demand"];
  for (let i = 0; i < 600; i++) {
    const station = STATIONS[i % 3];
    const temp = 5 + 20 * random.next();
    const wind = 8 * random.next();
    const holiday = i % 7 === 0 ? 1 : 0;
    const noisy = random.next() < 0.05;
    let weather = wind > 5 ? "rain" : temp > 13 ? "sun" : station === "KBOS" && temp < 10 ? "fog" : "rain";
    if (noisy) weather = ["rain", "sun", "fog"][random.int(3)];
    const demand = 2 * temp - 3 * wind + (station === "KSEA" ? 10 : 0) + 6 * holiday + random.normal();
    const day = new Date(Date.UTC(2014, 0, 1) + i * 86_400_000).toISOString().slice(0, 10);
    const tempCell = i % 37 === 5 ? "" : temp.toFixed(2);
    const stationCell = i % 53 === 7 ? "NA" : station;
    lines.push(
      `${day},${stationCell},${tempCell},${wind.toFixed(2)},${holiday},${weather},${demand.toFixed(3)}`,
    );
  }
  return `${lines.join("\n")}\n`;
}

const TOPICS: Record<string, string[]> = {
  billing: ["invoice", "refund", "charged", "payment", "card", "price", "receipt"],
  bug: ["crash", "error", "broken", "freezes", "exception", "stack", "fails"],
  account: ["password", "login", "email", "reset", "locked", "username", "profile"],
};
const FILLER = ["please", "help", "my", "the", "since", "yesterday", "again", "thanks", "hi", "team"];

/** 300 tickets: a few words of their topic among filler; every 41st has no text. */
function ticketJsonl(): string {
  const random = new Prng(5);
  const topics = Object.keys(TOPICS);
  const lines: string[] = [];
  for (let i = 0; i < 300; i++) {
    const topic = topics[i % 3];
    const words = Array.from({ length: 8 }, (_, w) =>
      w % 3 === 0 ? TOPICS[topic][random.int(7)] : FILLER[random.int(FILLER.length)],
    );
    const body = i % 41 === 3 ? null : words.join(" ");
    lines.push(JSON.stringify({ id: `ticket-${i}`, body, queue: topic }));
  }
  return `${lines.join("\n")}\n`;
}

beforeAll(async () => {
  directory = await mkdtemp(join(tmpdir(), "vane-train-dataset-"));
  stations = join(directory, "stations.csv");
  tickets = join(directory, "tickets.jsonl");
  await writeFile(stations, stationCsv());
  await writeFile(tickets, ticketJsonl());
});

afterAll(async () => {
  await rm(directory, { recursive: true, force: true });
});

const WEATHER: DatasetOptions = { label: "weather", exclude: ["day", "demand"], seed: 1 };
const DEMAND: DatasetOptions = { label: "demand", task: "regression", exclude: ["day", "weather"], seed: 1 };

async function train(
  path: string,
  options: DatasetOptions,
  training: Parameters<typeof resolveOptions>[0] = {},
  classWeights: "none" | "balanced" = "none",
): Promise<DatasetRun> {
  return trainDataset({
    dataset: await loadDataset(path, options),
    name: "stations",
    version: 1,
    training: resolveOptions({ seed: 1, ...training }),
    classWeights,
    textSpec: { ...DEFAULT_SPEC, buckets: 512 },
  });
}

function classification(quality: SplitQuality | null) {
  if (quality?.task !== "classification") throw new Error("expected classification metrics");
  return quality;
}

function regression(quality: SplitQuality | null) {
  if (quality?.task !== "regression") throw new Error("expected regression metrics");
  return quality;
}

/** The model run under onnxruntime-node on feeds the Worker's own kind featurizer builds from instances. */
async function runOnInstances(run: DatasetRun, instances: unknown[]): Promise<Float32Array> {
  const batch = batchBuilder(run.manifest, new Map()).build({ instances });
  const session = await ort.InferenceSession.create(run.onnx);
  const feed = batch.feeds[run.manifest.inputs[0].name];
  const tensor = new ort.Tensor("float32", feed.data as Float32Array, feed.dims);
  const outputs = await session.run({ [run.manifest.inputs[0].name]: tensor });
  await session.release();
  return outputs[run.record.model.output].data as Float32Array;
}

describe("trainDataset on a CSV, classification", () => {
  let run: DatasetRun;
  beforeAll(async () => {
    run = await train(stations, WEATHER, { arch: "mlp", hidden: 16, learningRate: 0.01 });
  });

  it("keeps the label's classes, sorted, in the manifest and the graph's output", () => {
    expect(run.manifest.task).toEqual({
      kind: "classification",
      output: "probabilities",
      labels: ["fog", "rain", "sun"],
      softmax: false,
    });
    expect(run.manifest.outputs).toEqual([{ name: "probabilities", dtype: "float32", shape: ["batch", 3] }]);
  });

  it("feeds named columns through the tabular kind: numeric, categorical with an unknown bucket, the flag", () => {
    expect(run.manifest.input.kind).toBe("tabular");
    // temp, wind, holiday, and station as three categories plus the unknown bucket.
    expect(run.manifest.inputs[0].shape).toEqual(["batch", 7]);
    expect(run.record.data.features).toEqual(["station", "temp", "wind", "holiday"]);
  });

  it("counts the missing values it imputed, per column", () => {
    expect(run.record.data.counts.missing).toEqual({ station: 12, temp: 17, wind: 0, holiday: 0 });
  });

  it("splits seeded and stratified: 15% validation, 15% test", () => {
    expect(run.record.data.counts.sizes).toEqual({ train: 420, validation: 90, test: 90 });
  });

  it("predicts the held-out days well", () => {
    expect(classification(run.record.metrics.test).accuracy).toBeGreaterThan(0.85);
  });

  it("reproduces the model bit for bit from the seed", async () => {
    const again = await train(stations, WEATHER, { arch: "mlp", hidden: 16, learningRate: 0.01 });
    expect(again.onnx).toEqual(run.onnx);
  });

  it("answers instances as the Worker featurizes them with the probabilities the trainer computed", async () => {
    const instances = [
      { station: "KSEA", temp: 21.5, wind: 1.2, holiday: 0 },
      { station: "KBOS", temp: 7.25, wind: 0.5, holiday: 1 },
      { station: "EGLL", temp: 12, wind: 6.5, holiday: 0 },
    ];
    const onnx = await runOnInstances(run, instances);
    const batch = batchBuilder(run.manifest, new Map()).build({ instances });
    const feed = batch.feeds.features.data as Float32Array;
    const trainer = predictProbabilities(run.model, { rows: 3, cols: 7, values: feed });
    expect(Math.max(...onnx.map((p, i) => Math.abs(p - trainer[i])))).toBeLessThan(1e-6);
  });

  it("trains on exactly the features the Worker makes of the same rows sent as instances", async () => {
    const dataset = await loadDataset(stations, WEATHER);
    // Missing cells as a caller sends them: the column left out.
    const instances = dataset.splits.test.map((row) =>
      Object.fromEntries(Object.entries(row.features).filter(([, value]) => value !== null)),
    );
    const worker = batchBuilder(run.manifest, new Map()).build({ instances }).feeds.features.data;
    expect(worker).toEqual(toDense(run.features.rows.test));
  });
});

describe("trainDataset, class weights", () => {
  it("raises the recall of the rare class when the classes are balanced", async () => {
    const plain = classification((await train(stations, WEATHER)).record.metrics.test);
    const weighted = classification((await train(stations, WEATHER, {}, "balanced")).record.metrics.test);
    const fog = (quality: typeof plain) => quality.perClass[0];
    expect([fog(plain).support, fog(plain).recall, fog(weighted).recall]).toEqual([6, 1 / 6, 4 / 6]);
  });

  it("records the weights it used", async () => {
    const run = await train(stations, WEATHER, {}, "balanced");
    const counts = run.record.data.counts.classes?.train ?? {};
    const n = run.record.data.counts.sizes.train;
    expect(run.record.classWeights).toEqual({
      weighting: "balanced",
      weights: ["fog", "rain", "sun"].map((label) => n / (3 * counts[label])),
    });
  });
});

describe("trainDataset on a CSV, regression", () => {
  let run: DatasetRun;
  beforeAll(async () => {
    run = await train(stations, DEMAND, { learningRate: 0.03 });
  });

  it("declares a regression task on a value output", () => {
    expect(run.manifest.task).toEqual({ kind: "regression", output: "value" });
    expect(run.manifest.outputs).toEqual([{ name: "value", dtype: "float32", shape: ["batch", 1] }]);
  });

  it("fits the target in its own units", () => {
    const test = regression(run.record.metrics.test);
    expect(test.r2).toBeGreaterThan(0.95);
    expect(test.mae).toBeLessThan(2);
    expect(run.manifest.metrics).toMatchObject({
      mae: test.mae,
      rmse: test.rmse,
      r2: test.r2,
      heldOutCount: 90,
    });
  });

  it("answers the value the trainer computes, with the target scaling folded into the graph", async () => {
    const instances = [{ station: "KSEA", temp: 20, wind: 2, holiday: 1 }];
    const [value] = await runOnInstances(run, instances);
    const feed = batchBuilder(run.manifest, new Map()).build({ instances }).feeds.features
      .data as Float32Array;
    const [expected] = predictOutputs(run.model, { rows: 1, cols: 7, values: feed });
    expect(value).toBeCloseTo(expected, 4);
    // 2 * 20 - 3 * 2 + 10 + 6 = 50, learned from noisy days.
    expect(Math.abs(value - 50)).toBeLessThan(3);
  });
});

describe("trainDataset on a JSONL of texts", () => {
  let run: DatasetRun;
  beforeAll(async () => {
    run = await train(tickets, { label: "queue", text: "body", features: [], seed: 1 });
  });

  it("feeds the text column through hashed text", () => {
    expect(run.manifest.input).toEqual({ ...DEFAULT_SPEC, buckets: 512 });
    expect(run.record.data.counts.missing).toEqual({ body: 8 });
  });

  it("tells the queues apart on held-out tickets", () => {
    expect(classification(run.record.metrics.test).accuracy).toBeGreaterThan(0.9);
  });

  it("answers a ticket sent as text", async () => {
    const probabilities = await runOnInstances(run, [{ text: "my card was charged twice, refund please" }]);
    expect(run.manifest.task.kind === "classification" && run.manifest.task.labels).toEqual([
      "account",
      "billing",
      "bug",
    ]);
    expect(probabilities.indexOf(Math.max(...probabilities))).toBe(1);
  });
});

describe("vane train --data", () => {
  it("writes a model directory vane publish takes: model, manifest and training record", async () => {
    const out = join(directory, "cli-weather");
    const trained = await vane([
      "train",
      "--data",
      stations,
      "--label",
      "weather",
      "--exclude",
      "day,demand",
      "--epochs",
      "5",
      "--out",
      out,
      "--json",
    ]);
    expect(trained.code).toBe(0);
    expect(JSON.parse(trained.stdout)).toMatchObject({
      name: "cli-weather",
      version: 1,
      labels: ["fog", "rain", "sun"],
    });
    expect(
      ["model.onnx", "manifest.json", "training-run.json", "training.json"].map((f) =>
        existsSync(join(out, f)),
      ),
    ).toEqual([true, true, true, false]);
    const record = JSON.parse(await readFile(join(out, "training-run.json"), "utf8"));
    expect(record).toMatchObject({
      format: "vane-dataset-training/1",
      model: { head: "softmax", labels: ["fog", "rain", "sun"] },
    });
    const published = await vane(["publish", out, "--persist-to", join(directory, "state"), "--json"]);
    expect(published.code).toBe(0);
    expect(JSON.parse(published.stdout)).toMatchObject({
      name: "cli-weather",
      version: 1,
      registration: "active",
    });
  });

  it("prints each class's precision and recall on the test split", async () => {
    const run = await vane([
      "train",
      "--data",
      stations,
      "--label",
      "weather",
      "--exclude",
      "day,demand",
      "--epochs",
      "3",
      "--out",
      join(directory, "cli-text"),
    ]);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain("| class | precision | recall | F1 | support |");
    expect(run.stdout).toContain("missing values imputed: station 12, temp 17");
  });

  it("is evaluated by vane evaluate on the rows of a dataset file, per class", async () => {
    const out = join(directory, "cli-evaluated");
    const trained = await vane([
      "train",
      ...["--data", stations, "--label", "weather", "--exclude", "day,demand", "--epochs", "5", "--out", out],
    ]);
    expect(trained.code).toBe(0);
    const run = await vane([
      "evaluate",
      out,
      "--data",
      stations,
      "--label",
      "weather",
      "--where",
      "station=KSEA",
      "--json",
    ]);
    expect(run.code).toBe(0);
    const [model] = JSON.parse(run.stdout).models;
    // 200 KSEA days, of which 4 have their station missing ("NA").
    expect(model.quality.count).toBe(196);
    expect(model.quality.perClass.map((c: { label: string }) => c.label)).toEqual(["fog", "rain", "sun"]);
  });

  it("names a label column the file does not have (exit 3)", async () => {
    const run = await vane([
      "train",
      "--data",
      stations,
      "--label",
      "rainfall",
      "--out",
      join(directory, "x"),
    ]);
    expect(run.code).toBe(3);
    expect(run.stderr).toContain(`${stations} has no label column rainfall`);
  });

  it("refuses a text column together with feature columns (exit 2)", async () => {
    const run = await vane([
      "train",
      ...["--data", tickets, "--label", "queue", "--text", "body", "--features", "id"],
      ...["--out", join(directory, "y")],
    ]);
    expect([run.code, run.stderr]).toEqual([
      2,
      "vane train: a model takes one input kind: --text (a text column) or --features (columns), not both\n",
    ]);
  });

  it("refuses class weights for a regression (exit 2)", async () => {
    const run = await vane([
      "train",
      ...["--data", stations, "--label", "demand", "--task", "regression", "--class-weights", "balanced"],
      ...["--out", join(directory, "z")],
    ]);
    expect([run.code, run.stderr]).toEqual([2, "vane train: --class-weights is for classification\n"]);
  });

  it("refuses dataset options without --data (exit 2)", async () => {
    const run = await vane(["train", "--label", "weather", "--out", join(directory, "w")]);
    expect([run.code, run.stderr]).toEqual([2, "vane train: --label needs --data <file.csv|file.jsonl>\n"]);
  });

  it("refuses missing values when told to, naming the line and column (exit 3)", async () => {
    const run = await vane([
      "train",
      ...["--data", stations, "--label", "weather", "--exclude", "day,demand", "--missing", "refuse"],
      ...["--out", join(directory, "v")],
    ]);
    expect(run.code).toBe(3);
    expect(run.stderr).toContain(`${stations}:7: column temp is missing, and missing values are refused`);
  });
});
