/**
 * vega-datasets' weather.csv as the weather stories use it: the Seattle classifier `vane train --data
 * weather.csv --label weather --where location=Seattle --features precipitation,temp_max,temp_min,wind`
 * trains (logistic, the trainer's defaults), and New York's days of a year as the instances a caller
 * sends with the weather observed.
 */
import { join } from "node:path";
import { textOf } from "../src/core/kinds/tabular/cells.js";
import { loadDataset } from "../src/toolchain/dataset/index.js";
import { readTable } from "../src/toolchain/dataset/read.js";
import { type DatasetRun, trainDataset } from "../src/toolchain/train/dataset-run.js";
import { DEFAULT_SPEC } from "../src/toolchain/train/record.js";
import { resolveOptions } from "../src/toolchain/train/trainer.js";

export const WEATHER_CSV = join(import.meta.dirname, "../node_modules/vega-datasets/data/weather.csv");
export const WEATHER_FEATURES = ["precipitation", "temp_max", "temp_min", "wind"];

export interface WeatherDay {
  date: string;
  instance: Record<string, number>;
  label: string;
}

export async function newYorkDays(year: string): Promise<WeatherDay[]> {
  const table = await readTable(WEATHER_CSV);
  return table.rows
    .filter((row) => row.cells.location === "New York" && textOf(row.cells.date).startsWith(year))
    .map((row) => ({
      date: textOf(row.cells.date),
      instance: Object.fromEntries(WEATHER_FEATURES.map((name) => [name, Number(row.cells[name])])),
      label: textOf(row.cells.weather),
    }));
}

/** The Seattle weather model, float, as `vane train --data` makes it under `name`. */
export async function seattleWeatherRun(name = "weather"): Promise<DatasetRun> {
  const dataset = await loadDataset(WEATHER_CSV, {
    label: "weather",
    where: { location: "Seattle" },
    features: WEATHER_FEATURES,
  });
  return trainDataset({ dataset, name, version: 1, training: resolveOptions({}), textSpec: DEFAULT_SPEC });
}
