/**
 * The tabular kind inside workerd: real weather.csv rows sent as named instances become, in the
 * Worker, exactly the matrix the dataset module gave the trainer in Node (a model answering what it
 * is fed shows it), and every bad instance is a 400 naming its row and column.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { decode, fixtures, putState, putVersion } from "./fixtures.js";
import { type ProblemBody, postJson } from "./request.js";

const tabular = fixtures.tabular;
const MODEL = "weather-features";

beforeAll(async () => {
  const files = Object.fromEntries(Object.entries(tabular.files).map(([file, b64]) => [file, decode(b64)]));
  await putVersion({ ...tabular.manifest, name: MODEL }, files);
  await putState({ name: MODEL, active: 1 });
});

async function problem(instances: unknown[]): Promise<ProblemBody> {
  const response = await postJson(`/v1/models/${MODEL}/predict`, { instances });
  expect(response.status).toBe(400);
  return (await response.json()) as ProblemBody;
}

const [first] = tabular.instances;

describe("named instances in workerd", () => {
  it("become the trainer's matrix of the same rows, a missing value imputed alike", async () => {
    const response = await postJson(`/v1/models/${MODEL}/predict`, { instances: tabular.instances });
    expect(response.status).toBe(200);
    const answer = (await response.json()) as { outputs: { fed: { dims: number[]; data: number[] } } };
    expect(answer.outputs.fed.dims).toEqual([tabular.instances.length, tabular.width]);
    expect(answer.outputs.fed.data).toEqual(tabular.matrix);
  });

  it("refuse a string for a numeric column, naming row and column", async () => {
    const body = await problem([first, { ...first, wind: "4.1" }]);
    expect(body.errors).toEqual([
      { field: "instances[1].wind", message: 'takes a number, got the string "4.1"' },
    ]);
  });

  it("refuse a column the model does not have", async () => {
    const body = await problem([{ ...first, weather_station: "KSEA" }]);
    expect(body.errors).toEqual([
      {
        field: "instances[0].weather_station",
        message:
          "the model has no column weather_station (it takes location, precipitation, temp_max, temp_min, wind)",
      },
    ]);
  });

  it("refuse a number for the categorical column", async () => {
    const body = await problem([{ ...first, location: 1 }]);
    expect(body.errors).toEqual([
      { field: "instances[0].location", message: "takes a category (a string), got number 1" },
    ]);
  });

  it("refuse a missing value in a column that refuses them", async () => {
    const strict = "weather-features-strict";
    const input = tabular.manifest.input;
    if (input.kind !== "tabular") throw new Error("the fixture is tabular");
    const columns = input.columns.map((column) => ({ ...column, missing: { policy: "refuse" as const } }));
    const files = Object.fromEntries(Object.entries(tabular.files).map(([file, b64]) => [file, decode(b64)]));
    await putVersion({ ...tabular.manifest, name: strict, input: { ...input, columns } }, files);
    await putState({ name: strict, active: 1 });
    const { wind: _, ...noWind } = first;
    const response = await postJson(`/v1/models/${strict}/predict`, {
      instances: [first, { ...first, wind: null }, noWind],
    });
    expect(response.status).toBe(400);
    expect(((await response.json()) as ProblemBody).errors).toEqual([
      { field: "instances[1].wind", message: "is missing, and this column refuses missing values" },
      { field: "instances[2].wind", message: "is missing, and this column refuses missing values" },
    ]);
  });

  it("name every bad value of the batch at once", async () => {
    const body = await problem([
      { ...first, temp_max: true, wind: [1] },
      first,
      { ...first, precipitation: { mm: 2 } },
    ]);
    expect(body.errors?.map((error) => error.field)).toEqual([
      "instances[0].wind",
      "instances[2].precipitation",
    ]);
  });
});
