/**
 * Runs in Node (from global-setup.ts): New York's days for online updates of the shipped Seattle
 * weather model (models/weather/1, an int8 MLP on the tabular kind) to learn from (2015) and to be
 * judged on (2014), and what that version predicts for the judged days under onnxruntime-node.
 */
import { readFile } from "node:fs/promises";
import * as ortNode from "onnxruntime-node";
import { tabularFeaturizer } from "../../src/core/kinds/tabular/features.js";
import { Manifest } from "../../src/core/manifest.js";
import { newYorkDays, type WeatherDay } from "../weather-days.js";

const VERSION_DIR = "models/weather/1";

export interface OnlineWeatherFixture {
  /** New York, 2015: the days v1 answers and learns from. */
  learn: WeatherDay[];
  /** New York, 2014: the days candidate and active are judged on. */
  judged: WeatherDay[];
  /** weather@1's label for each judged day, under onnxruntime-node. */
  judgedByV1: string[];
}

export async function onlineWeatherFixture(): Promise<OnlineWeatherFixture> {
  const manifest = Manifest.parse(JSON.parse(await readFile(`${VERSION_DIR}/manifest.json`, "utf8")));
  const { input, task } = manifest;
  if (input.kind !== "tabular" || task.kind !== "classification") {
    throw new Error(`${VERSION_DIR} is not a tabular classifier`);
  }
  const [learn, judged] = [await newYorkDays("2015"), await newYorkDays("2014")];
  const featurizer = tabularFeaturizer(input);
  const matrix = featurizer.featurize(judged.map((day) => day.instance)).matrix;
  const session = await ortNode.InferenceSession.create(await readFile(`${VERSION_DIR}/model.onnx`), {
    graphOptimizationLevel: "basic",
  });
  const outputs = await session.run({
    [input.input]: new ortNode.Tensor("float32", matrix, [judged.length, featurizer.width]),
  });
  await session.release();
  const probabilities = outputs[task.output].data as Float32Array;
  const k = task.labels.length;
  const judgedByV1 = judged.map((_, row) => {
    const scores = Array.from(probabilities.subarray(row * k, (row + 1) * k));
    return task.labels[scores.indexOf(Math.max(...scores))];
  });
  return { learn, judged, judgedByV1 };
}
