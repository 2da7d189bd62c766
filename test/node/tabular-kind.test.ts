/**
 * The tabular kind: numeric columns standardised with the training statistics, categorical columns
 * one-hot with an unknown bucket, missing values imputed or refused, every bad value refused naming
 * its row and column; its drift values per named column (value, category, data quality); and the
 * spec fitted from training rows.
 */
import { describe, expect, it } from "vitest";
import { InvalidInputError, UnprocessableError } from "../../src/core/errors.js";
import { featurizeInstances } from "../../src/core/kinds/instances.js";
import type { DriftFeatureRef, FeatureBatch } from "../../src/core/kinds/kind.js";
import { kindOf } from "../../src/core/kinds/registry.js";
import { featureNames, featureWidth, tabularFeaturizer } from "../../src/core/kinds/tabular/features.js";
import { fitTabularSpec } from "../../src/core/kinds/tabular/fit.js";
import { tabular } from "../../src/core/kinds/tabular/index.js";
import { TabularSpec } from "../../src/core/kinds/tabular/schema.js";
import { Manifest } from "../../src/core/manifest.js";
import { buildProfile, emptySketches } from "../../src/core/profile.js";
import type { TensorSpec } from "../../src/core/tensor.js";

const LIMITS = { maxBatch: 8, maxTextChars: 100, maxImagePixels: 100 };

const SPEC = TabularSpec.parse({
  kind: "tabular",
  input: "features",
  columns: [
    {
      name: "temp_max",
      type: "numeric",
      mean: 16,
      std: 4,
      min: -1.6,
      max: 35.6,
      missing: { policy: "impute", value: 16 },
    },
    { name: "wind", type: "numeric", mean: 3, std: 1.5, min: 0.4, max: 9.5, missing: { policy: "refuse" } },
    {
      name: "heat_alert",
      type: "numeric",
      mean: 0.1,
      std: 0.3,
      min: 0,
      max: 1,
      values: [0, 1],
      missing: { policy: "impute", value: 0.1 },
    },
    {
      name: "weather_station",
      type: "categorical",
      categories: ["KSEA", "KJFK"],
      missing: { policy: "impute" },
    },
  ],
});
const INPUTS: TensorSpec[] = [{ name: "features", dtype: "float32", shape: ["batch", 6] }];

function batchOf(instances: unknown[]): FeatureBatch {
  const codec = tabular.instances;
  return featurizeInstances(codec.compile(SPEC, new Map(), INPUTS), codec.schema, instances, LIMITS);
}

function rowOf(instance: Record<string, unknown>): number[] {
  return Array.from(batchOf([instance]).feeds.features.data as Float32Array);
}

function refusal(instances: unknown[]): InvalidInputError["errors"] {
  try {
    batchOf(instances);
  } catch (error) {
    if (error instanceof InvalidInputError) return error.errors;
    throw error;
  }
  throw new Error("the batch was accepted");
}

const SEATTLE = { temp_max: 21.3, wind: 4.1, heat_alert: 0, weather_station: "KSEA" };

describe("tabular features", () => {
  it("standardises numeric columns and one-hot encodes the category, unknown bucket last", () => {
    const row = rowOf(SEATTLE);
    expect(row.map((v) => Number(v.toFixed(5)))).toEqual([1.325, 0.73333, -0.33333, 1, 0, 0]);
  });

  it("is [batch, width] float32, width one per numeric column and categories + 1 per categorical one", () => {
    const batch = batchOf([SEATTLE, { ...SEATTLE, weather_station: "KJFK" }]);
    expect([batch.feeds.features.dtype, batch.feeds.features.dims, featureWidth(SPEC)]).toEqual([
      "float32",
      [2, 6],
      6,
    ]);
    expect(featureNames(SPEC)).toEqual([
      "temp_max",
      "wind",
      "heat_alert",
      "weather_station=KSEA",
      "weather_station=KJFK",
      "weather_station=__unknown__",
    ]);
  });

  it("puts a category the training data never had in the unknown bucket", () => {
    expect(rowOf({ ...SEATTLE, weather_station: "KBOS" }).slice(3)).toEqual([0, 0, 1]);
  });

  it("imputes a missing (absent or null) numeric value with the spec's value, which feeds as its standardised self", () => {
    const { temp_max: _, ...absent } = SEATTLE;
    expect(rowOf(absent)[0]).toBe(0);
    expect(rowOf({ ...SEATTLE, temp_max: null })[0]).toBe(0);
  });

  it("imputes a missing category without a value into the unknown bucket", () => {
    expect(rowOf({ ...SEATTLE, weather_station: null }).slice(3)).toEqual([0, 0, 1]);
  });

  it("takes booleans for numeric columns as 1 and 0", () => {
    expect(rowOf({ ...SEATTLE, heat_alert: true })[2]).toBeCloseTo((1 - 0.1) / 0.3, 5);
  });

  it("refuses a missing value in a column whose policy is refuse, naming row and column", () => {
    const { wind: _, ...noWind } = SEATTLE;
    expect(refusal([SEATTLE, SEATTLE, SEATTLE, noWind])).toEqual([
      { field: "instances[3].wind", message: "is missing, and this column refuses missing values" },
    ]);
  });

  it("refuses a string for a numeric column and a number for a categorical one", () => {
    expect(refusal([{ ...SEATTLE, temp_max: "21.3", weather_station: 7 }])).toEqual([
      { field: "instances[0].temp_max", message: 'takes a number, got the string "21.3"' },
      { field: "instances[0].weather_station", message: "takes a category (a string), got number 7" },
    ]);
  });

  it("refuses a column the model does not have, listing those it takes", () => {
    expect(refusal([{ ...SEATTLE, humidity: 80 }])).toEqual([
      {
        field: "instances[0].humidity",
        message: "the model has no column humidity (it takes temp_max, wind, heat_alert, weather_station)",
      },
    ]);
  });

  it("refuses objects and arrays as values", () => {
    expect(
      refusal([
        { ...SEATTLE, wind: { speed: 4 } },
        { ...SEATTLE, wind: [4] },
      ]),
    ).toEqual([
      { field: "instances[0].wind", message: "takes a number, got an object" },
      { field: "instances[1].wind", message: "takes a number, got an array" },
    ]);
  });

  it("refuses NaN and infinity from toolchain rows (JSON cannot carry them)", () => {
    const featurizer = tabularFeaturizer(SPEC);
    expect(() => featurizer.featurize([{ ...SEATTLE, temp_max: Number.NaN }])).toThrow(
      "instances[0].temp_max: NaN and infinity are not accepted",
    );
    expect(() => featurizer.featurize([{ ...SEATTLE, wind: Number.POSITIVE_INFINITY }])).toThrow(
      "instances[0].wind: NaN and infinity are not accepted",
    );
  });

  it("names rows as the caller says (a dataset's file and line)", () => {
    const featurizer = tabularFeaturizer(SPEC);
    expect(() =>
      featurizer.featurize([{ ...SEATTLE, wind: null }], (_, column) => `weather.csv:17 ${column}`),
    ).toThrow("weather.csv:17 wind: is missing");
  });

  it("refuses an instance that is not an object, naming it", () => {
    expect(refusal([SEATTLE, [1, 2]])).toEqual([
      { field: "instances[1]", message: "an instance is an object of column values" },
    ]);
  });

  it("is refused by a graph whose input is not float32 [batch, width]", () => {
    const wrong: TensorSpec[] = [{ name: "features", dtype: "float32", shape: ["batch", 7] }];
    expect(() => tabular.instances.compile(SPEC, new Map(), wrong)).toThrow(
      "input features has shape [batch, 7]; the spec's 4 columns feed [batch, 6]",
    );
    const ints: TensorSpec[] = [{ name: "features", dtype: "int64", shape: ["batch", 6] }];
    expect(() => tabular.instances.compile(SPEC, new Map(), ints)).toThrow(UnprocessableError);
  });
});

describe("tabular drift values", () => {
  const features = tabular.defaultDrift(SPEC) as DriftFeatureRef[];

  it("propose per column its value or category, then its data quality, named by the column", () => {
    expect(features.map((f) => [f.kind, f.name])).toEqual([
      ["column-value", "temp_max"],
      ["column-value", "wind"],
      ["column-category", "heat_alert"],
      ["column-category", "weather_station"],
      ["column-quality", "temp_max.quality"],
      ["column-quality", "wind.quality"],
      ["column-quality", "heat_alert.quality"],
      ["column-quality", "weather_station.quality"],
    ]);
  });

  it("are the values as sent, a flag as a category, every value ok inside the training range", () => {
    expect(batchOf([SEATTLE]).drift(0, features)).toEqual({
      temp_max: 21.3,
      wind: 4.1,
      heat_alert: "0",
      weather_station: "KSEA",
      "temp_max.quality": "ok",
      "wind.quality": "ok",
      "heat_alert.quality": "ok",
      "weather_station.quality": "ok",
    });
  });

  it("count a missing value as missing and leave its value out (the imputed value is not what was sent)", () => {
    const values = batchOf([{ ...SEATTLE, temp_max: null }]).drift(0, features);
    expect(["temp_max" in values, values["temp_max.quality"]]).toEqual([false, "missing"]);
  });

  it("count values outside the training range, and unseen categories and flag values as __other__", () => {
    const values = batchOf([{ ...SEATTLE, temp_max: 40.2, heat_alert: 0.5, weather_station: "KBOS" }]).drift(
      0,
      features,
    );
    expect(values).toMatchObject({
      temp_max: 40.2,
      "temp_max.quality": "out-of-range",
      heat_alert: "__other__",
      "heat_alert.quality": "unseen",
      weather_station: "__other__",
      "weather_station.quality": "unseen",
    });
  });

  it("make categorical sketches for categories and quality, the quality states a fixed vocabulary", () => {
    const manifestDrift = { features: features as never };
    const profile = buildProfile(manifestDrift, [batchOf([SEATTLE]).drift(0, features)], {
      name: "weather",
      version: 1,
      source: {},
    });
    expect(profile.features["temp_max.quality"]).toMatchObject({
      kind: "categorical",
      categories: {
        fixed: true,
        categories: ["ok", "missing", "out-of-range", "unseen"],
        counts: [1, 0, 0, 0],
      },
    });
    expect(profile.features.weather_station).toMatchObject({
      kind: "categorical",
      categories: { fixed: false },
    });
    expect(profile.features.temp_max.kind).toBe("numeric");
    expect(emptySketches(manifestDrift, null)["wind.quality"].kind).toBe("categorical");
  });
});

describe("a tabular manifest", () => {
  it("parses with its spec, and names a feed the graph lacks", () => {
    const manifest = {
      name: "weather",
      version: 1,
      createdAt: "2026-12-01T00:00:00.000Z",
      model: { file: "model.onnx", sha256: "0".repeat(64), bytes: 10 },
      inputs: INPUTS,
      outputs: [{ name: "probabilities", dtype: "float32", shape: ["batch", 5] }],
      input: SPEC,
      task: { kind: "raw" },
    };
    expect(kindOf(Manifest.parse(manifest).input).kind).toBe("tabular");
    const lacking = Manifest.safeParse({ ...manifest, input: { ...SPEC, input: "x" } });
    expect(lacking.error?.issues.map((i) => i.message)).toEqual(["the model has no input named x"]);
  });

  it("refuses a spec with a column twice, an imputed category it does not list, or a dotted name", () => {
    const twice = TabularSpec.safeParse({ ...SPEC, columns: [SPEC.columns[0], SPEC.columns[0]] });
    expect(twice.error?.issues.map((i) => i.message)).toEqual(["temp_max is listed twice"]);
    const imputed = TabularSpec.safeParse({
      ...SPEC,
      columns: [{ ...SPEC.columns[3], missing: { policy: "impute", value: "KBOS" } }],
    });
    expect(imputed.error?.issues.map((i) => i.message)).toEqual([
      'the imputed category "KBOS" is not one of the categories',
    ]);
    const dotted = TabularSpec.safeParse({ ...SPEC, columns: [{ ...SPEC.columns[0], name: "temp.max" }] });
    expect(dotted.success).toBe(false);
  });
});

describe("fitTabularSpec", () => {
  const rows = [
    { temp_max: 10, flag: 1, station: "KSEA", note: null },
    { temp_max: 20, flag: 0, station: "KSEA", note: null },
    { temp_max: 30, flag: false, station: "KJFK", note: null },
    { temp_max: null, flag: 0, station: "KSEA", note: null },
  ];

  it("fits mean, std (population), range and the distinct values of a discrete column", () => {
    const spec = fitTabularSpec(rows, {
      input: "features",
      columns: ["temp_max", "flag"],
      missing: "impute",
    });
    expect(spec.columns).toEqual([
      {
        name: "temp_max",
        type: "numeric",
        mean: 20,
        std: Math.sqrt(200 / 3),
        min: 10,
        max: 30,
        values: [10, 20, 30],
        missing: { policy: "impute", value: 20 },
      },
      {
        name: "flag",
        type: "numeric",
        mean: 0.25,
        std: Math.sqrt(0.1875),
        min: 0,
        max: 1,
        values: [0, 1],
        missing: { policy: "impute", value: 0.25 },
      },
    ]);
  });

  it("lists categories most frequent first and imputes the most frequent", () => {
    const spec = fitTabularSpec(rows, { input: "features", columns: ["station"], missing: "impute" });
    expect(spec.columns[0]).toEqual({
      name: "station",
      type: "categorical",
      categories: ["KSEA", "KJFK"],
      missing: { policy: "impute", value: "KSEA" },
    });
  });

  it("keeps the refuse policy, and gives a constant column std 1", () => {
    const spec = fitTabularSpec([{ x: 5 }, { x: 5 }], {
      input: "features",
      columns: ["x"],
      missing: "refuse",
    });
    expect(spec.columns[0]).toMatchObject({ std: 1, missing: { policy: "refuse" } });
  });

  it("refuses a column with no value, and one that mixes numbers and text", () => {
    expect(() => fitTabularSpec(rows, { input: "features", columns: ["note"], missing: "impute" })).toThrow(
      "column note has no value in the 4 training rows",
    );
    const mixed = [{ x: 1 }, { x: "a" }];
    expect(() => fitTabularSpec(mixed, { input: "features", columns: ["x"], missing: "impute" })).toThrow(
      'column x mixes numbers (1 rows) and text (1 rows, e.g. "a")',
    );
  });
});
