/**
 * Datasets from files: small CSV and JSONL files written by each test (numeric, categorical, text and
 * missing values, RFC 4180 quoting), typed, split (split column, time column, seeded stratified),
 * counted, and refused with the file, line and column named when they cannot be used.
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { NotFoundError, UnprocessableError } from "../../src/core/errors.js";
import { tabularFeaturizer } from "../../src/core/kinds/tabular/features.js";
import { type DatasetOptions, datasetMatrix, loadDataset } from "../../src/toolchain/dataset/index.js";

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "vane-dataset-"));
});
afterEach(() => rm(dir, { recursive: true, force: true }));

async function file(name: string, content: string): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, content);
  return path;
}

const CSV = [
  "date,station,temp_max,wind,alert,note,weather",
  '2014-01-01,KSEA,8.3,4.1,0,"rain, then ""sun""",rain',
  "2014-01-02,KSEA,,2.2,0,calm,sun",
  '2014-01-03,KJFK,3.9,6.5,1,"two\nlines",snow',
  "2014-01-04,KJFK,5.0,NA,1,,snow",
  "2014-01-05,KSEA,9.1,3.0,0,grey,rain",
  "2014-01-06,,10.2,1.1,0,grey,sun",
  "2014-01-07,KSEA,11.0,2.0,0,grey,",
].join("\n");

async function csv(options: Partial<DatasetOptions> = {}) {
  return loadDataset(await file("weather.csv", CSV), {
    label: "weather",
    exclude: ["date"],
    text: "note",
    split: { by: "time", column: "date", validationFrom: "2014-01-04", testFrom: "2014-01-06" },
    ...options,
  });
}

describe("a CSV dataset", () => {
  it("reads quoted fields with commas, quotes and line breaks as RFC 4180 says", async () => {
    const dataset = await csv();
    expect(dataset.splits.train.map((row) => [row.line, row.text])).toEqual([
      [2, 'rain, then "sun"'],
      [3, "calm"],
      [5, "two\nlines"],
    ]);
  });

  it("types columns: all numbers numeric, 0/1 flags numeric, the rest categorical", async () => {
    const dataset = await csv();
    expect(dataset.spec?.columns.map((c) => [c.name, c.type])).toEqual([
      ["station", "categorical"],
      ["temp_max", "numeric"],
      ["wind", "numeric"],
      ["alert", "numeric"],
    ]);
    expect(dataset.spec?.columns[3]).toMatchObject({ values: [0, 1] });
  });

  it("keeps the label names sorted, a target being the index of its class", async () => {
    const dataset = await csv();
    expect(dataset.labels).toEqual(["rain", "snow", "sun"]);
    expect(dataset.splits.train.map((row) => row.target)).toEqual([0, 2, 1]);
  });

  it("leaves out and counts a row without a label, and counts missing values per column", async () => {
    const dataset = await csv();
    expect(dataset.counts).toEqual({
      rows: 7,
      kept: 6,
      unlabelled: 1,
      sizes: { train: 3, validation: 2, test: 1 },
      classes: {
        train: { rain: 1, snow: 1, sun: 1 },
        validation: { rain: 1, snow: 1, sun: 0 },
        test: { rain: 0, snow: 0, sun: 1 },
      },
      missing: { station: 1, temp_max: 1, wind: 1, alert: 0, note: 1 },
    });
  });

  it("cuts a time split at the dates given", async () => {
    const dataset = await csv();
    expect(dataset.splits.validation.map((row) => row.line)).toEqual([6, 7]);
    expect(dataset.splits.test.map((row) => row.line)).toEqual([8]);
  });

  it("fits the spec on the train split only", async () => {
    const dataset = await csv();
    expect(dataset.spec?.columns[1]).toMatchObject({ mean: (8.3 + 3.9) / 2, min: 3.9, max: 8.3 });
  });

  it("featurizes a split through the Worker's featurizer, missing values imputed", async () => {
    const dataset = await csv();
    const { matrix, width } = datasetMatrix(dataset, "validation");
    const spec = dataset.spec as NonNullable<typeof dataset.spec>;
    const direct = tabularFeaturizer(spec).featurize(dataset.splits.validation.map((row) => row.features));
    expect([width, Array.from(matrix)]).toEqual([tabularFeaturizer(spec).width, Array.from(direct.matrix)]);
    // Line 6 (the first validation row) has wind NA: imputed with the training mean, which standardises to 0.
    expect(matrix[4]).toBe(0);
  });

  it("refuses a missing value when told to, naming the line and column", async () => {
    await expect(csv({ missing: "refuse" })).rejects.toThrow(
      "weather.csv:3: column temp_max is missing, and missing values are refused",
    );
  });

  it("takes a column of numbers as categories when told to", async () => {
    const dataset = await csv({ categorical: ["alert"] });
    expect(dataset.spec?.columns[3]).toMatchObject({ type: "categorical", categories: ["0", "1"] });
  });

  it("keeps only the rows a filter names", async () => {
    const dataset = await csv({ where: { station: "KSEA" } });
    expect([dataset.counts.kept, dataset.counts.unlabelled]).toEqual([3, 1]);
  });
});

describe("labels from elsewhere (a teacher's answers)", () => {
  it("takes each row's label from labelOf when the file has no label column, leaving out rows it gives none", async () => {
    const answers = new Map([
      [2, "cold"],
      [3, "warm"],
      [4, "cold"],
      [5, "cold"],
      [6, "warm"],
      [7, "warm"],
    ]);
    const dataset = await loadDataset(await file("unlabelled.csv", CSV), {
      label: "teacher",
      labelOf: (row) => answers.get(row.line),
      features: ["temp_max", "wind"],
      split: { by: "time", column: "date", validationFrom: "2014-01-04", testFrom: "2014-01-06" },
    });
    expect(dataset.labels).toEqual(["cold", "warm"]);
    expect(dataset.splits.train.map((row) => [row.line, row.target])).toEqual([
      [2, 0],
      [3, 1],
      [5, 0],
    ]);
    // The rows ending on lines 8 and 9 (a quoted line break shifts them) have no answer.
    expect(dataset.counts.unlabelled).toBe(2);
  });
});

describe("a JSONL dataset", () => {
  const JSONL = [
    '{"user": "user-17", "age": 31, "plan": "pro", "churned": true, "ticket": "cannot log in"}',
    '{"user": "user-18", "age": null, "plan": "free", "churned": false, "ticket": "refund please"}',
    "",
    '{"user": "user-19", "age": 45, "plan": "pro", "churned": false}',
    '{"user": "user-20", "age": 22, "plan": "team", "churned": true, "ticket": "slow"}',
  ].join("\n");

  it("reads one object a line, JSON types kept, blank lines skipped, text apart from the features", async () => {
    const dataset = await loadDataset(await file("churn.jsonl", JSONL), {
      label: "churned",
      text: "ticket",
      exclude: ["user"],
      testFraction: 0.25,
      validationFraction: 0,
    });
    expect([dataset.labels, dataset.features, dataset.counts.missing]).toEqual([
      ["false", "true"],
      ["age", "plan"],
      { age: 1, plan: 0, ticket: 1 },
    ]);
    const lines = [...dataset.splits.train, ...dataset.splits.test].map((row) => row.line).sort();
    expect(lines).toEqual([1, 2, 4, 5]);
  });

  it("takes numeric targets for regression", async () => {
    const dataset = await loadDataset(await file("churn.jsonl", JSONL), {
      label: "age",
      task: "regression",
      features: ["plan"],
      testFraction: 0.34,
    });
    expect([dataset.labels, dataset.counts.unlabelled]).toEqual([null, 1]);
    const targets = [...dataset.splits.train, ...dataset.splits.test].map((row) => row.target).sort();
    expect(targets).toEqual([22, 31, 45]);
  });

  it("refuses a value that is an object, naming line and column", async () => {
    const path = await file("bad.jsonl", '{"a": 1, "y": "x"}\n{"a": {"b": 2}, "y": "z"}\n');
    await expect(loadDataset(path, { label: "y" })).rejects.toThrow(
      "bad.jsonl:2: column a holds an object, not a value",
    );
  });
});

describe("seeded stratified splits", () => {
  const rows = Array.from({ length: 200 }, (_, i) => `${i % 7},${i % 10 === 0 ? "yes" : "no"}`);
  const content = ["x,y", ...rows].join("\n");

  it("keep each class's share in every split", async () => {
    const dataset = await loadDataset(await file("flags.csv", content), { label: "y" });
    expect(dataset.counts.classes).toEqual({
      train: { no: 126, yes: 14 },
      validation: { no: 27, yes: 3 },
      test: { no: 27, yes: 3 },
    });
  });

  it("are the same for the same seed and differ for another", async () => {
    const path = await file("flags.csv", content);
    const [a, b, c] = await Promise.all([
      loadDataset(path, { label: "y", seed: 7 }),
      loadDataset(path, { label: "y", seed: 7 }),
      loadDataset(path, { label: "y", seed: 8 }),
    ]);
    expect(a.split.digests).toEqual(b.split.digests);
    expect(a.split.digests.test).not.toBe(c.split.digests.test);
  });

  it("follow a split column when there is one", async () => {
    const path = await file("split.csv", "x,y,part\n1,a,train\n2,b,TRAIN\n3,a,valid\n4,b,test\n");
    const dataset = await loadDataset(path, { label: "y", split: { by: "column", column: "part" } });
    expect(dataset.counts.sizes).toEqual({ train: 2, validation: 1, test: 1 });
    expect(dataset.features).toEqual(["x"]);
  });

  it("hold out the latest rows of a time column without dates, never splitting one day", async () => {
    const days = [
      "t,x,y",
      ...Array.from(
        { length: 20 },
        (_, i) => `2015-03-${String(1 + Math.floor(i / 2)).padStart(2, "0")},${i},${i % 2 ? "a" : "b"}`,
      ),
    ];
    const path = await file("days.csv", days.join("\n"));
    const dataset = await loadDataset(path, { label: "y", split: { by: "time", column: "t" } });
    expect(dataset.counts.sizes).toEqual({ train: 14, validation: 2, test: 4 });
  });
});

describe("datasets that cannot be used", () => {
  it("an empty file", async () => {
    await expect(loadDataset(await file("empty.csv", ""), { label: "y" })).rejects.toThrow(
      "empty.csv is empty: no header line",
    );
    await expect(loadDataset(await file("header.csv", "x,y\n"), { label: "y" })).rejects.toThrow(
      "header.csv is empty: it has no data rows",
    );
  });

  it("a missing label or feature column, listing the columns there are", async () => {
    const path = await file("d.csv", "x,y\n1,a\n2,b\n");
    await expect(loadDataset(path, { label: "z" })).rejects.toThrow(
      "d.csv has no label column z (its columns: x, y)",
    );
    await expect(loadDataset(path, { label: "y", features: ["w"] })).rejects.toThrow(
      "d.csv has no feature column w (its columns: x, y)",
    );
  });

  it("a label with one class", async () => {
    const path = await file("one.csv", "x,y\n1,a\n2,a\n3,a\n");
    await expect(loadDataset(path, { label: "y" })).rejects.toThrow(
      'one.csv: label y has one class ("a") in the 3 labelled rows: a classifier needs at least two',
    );
  });

  it("a number that does not parse in a numeric column", async () => {
    const path = await file("num.csv", 'x,y\n1.5,a\n2,b\n"3,5",a\n4,b\n');
    await expect(loadDataset(path, { label: "y" })).rejects.toThrow(
      'num.csv:4: column x: "3,5" is not a number (3 of the column\'s 4 values are)',
    );
  });

  it("a regression target that is not a number", async () => {
    const path = await file("reg.csv", "x,y\n1,2.5\n2,high\n3,1\n");
    await expect(loadDataset(path, { label: "y", task: "regression" })).rejects.toThrow(
      'reg.csv:3: label y: "high" is not a number (a regression target)',
    );
  });

  it("a row with more fields than the header", async () => {
    const path = await file("ragged.csv", "x,y\n1,a\n2,b,c\n");
    await expect(loadDataset(path, { label: "y" })).rejects.toThrow(UnprocessableError);
  });

  it("a file that does not exist, or is neither CSV nor JSONL", async () => {
    await expect(loadDataset(join(dir, "none.csv"), { label: "y" })).rejects.toThrow(NotFoundError);
    await expect(loadDataset(await file("d.xlsx", "x"), { label: "y" })).rejects.toThrow(
      "d.xlsx: datasets are .csv or .jsonl files, not .xlsx",
    );
  });

  it("a split column value that is no split", async () => {
    const path = await file("s.csv", "x,y,part\n1,a,train\n2,b,holdout\n");
    await expect(loadDataset(path, { label: "y", split: { by: "column", column: "part" } })).rejects.toThrow(
      's.csv:3: column part: "holdout" is not a split (train, validation or test)',
    );
  });

  it("a time column value that is no time", async () => {
    const path = await file("t.csv", "t,x,y\n2014-01-01,1,a\nyesterday,2,b\n");
    await expect(loadDataset(path, { label: "y", split: { by: "time", column: "t" } })).rejects.toThrow(
      't.csv:3: column t: "yesterday" is not a time (an ISO date like 2014-06-01, or a number)',
    );
  });
});
