import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { Manifest } from "../../src/core/manifest.js";

const shipped = JSON.parse(readFileSync("models/spam/1/manifest.json", "utf8"));

describe("the manifest", () => {
  it("reads a manifest written before input kinds in today's terms", () => {
    const { input, task, ...rest } = shipped;
    const legacy = {
      ...rest,
      preprocessing: input,
      classifier: { probabilities: task.output, labels: task.labels },
    };
    const manifest = Manifest.parse(legacy);
    expect(manifest.input).toEqual(input);
    expect(manifest.task).toEqual({
      kind: "classification",
      output: "probabilities",
      labels: ["ham", "spam"],
      softmax: false,
    });
  });

  it("reads a legacy tensor model as a raw model taking tensors", () => {
    const { input, task, ...rest } = shipped;
    const manifest = Manifest.parse(rest);
    expect(manifest.input).toEqual({ kind: "tensors" });
    expect(manifest.task).toEqual({ kind: "raw" });
  });

  it("refuses a task whose output the graph does not have, naming the field", () => {
    const parsed = Manifest.safeParse({ ...shipped, task: { ...shipped.task, output: "logits" } });
    expect(parsed.error?.issues.map((issue) => issue.path.join("."))).toEqual(["task.output"]);
  });

  it("refuses an input kind that feeds an input the graph does not have", () => {
    const parsed = Manifest.safeParse({ ...shipped, input: { ...shipped.input, input: "text_features" } });
    expect(parsed.error?.issues[0].message).toBe("the model has no input named text_features");
  });

  it("refuses an asset name that could leave the version folder", () => {
    const asset = { file: "../state.json", sha256: "0".repeat(64), bytes: 1 };
    expect(Manifest.safeParse({ ...shipped, assets: [asset] }).success).toBe(false);
  });
});

describe("the manifest's lineage, feedbackData and update", () => {
  const feedbackData = { keep: "features", retentionDays: 30, maxRows: 10_000 };
  const update = { mode: "online", maxRowsPerRun: 500, learningRate: 0.05, epochs: 3 };

  it("reads an online-updated version with its lineage, filling the update's defaults", () => {
    const lineage = {
      parent: { version: 1 },
      method: "online",
      createdAt: "2026-12-01T22:10:00.000Z",
      data: {
        from: "2026-12-01T21:00:00.000Z",
        to: "2026-12-01T22:00:00.000Z",
        feedbackRows: 400,
        heldOutRows: 100,
      },
      metrics: { heldOutAccuracy: 0.97, parentHeldOutAccuracy: 0.93 },
    };
    const manifest = Manifest.parse({ ...shipped, lineage, feedbackData, update });
    expect(manifest.lineage).toEqual(lineage);
    expect(manifest.update).toEqual({
      ...update,
      minRows: 50,
      heldOutShare: 0.2,
      candidate: { mode: "shadow", share: 1 },
    });
  });

  it("refuses online updates without feedbackData to train on, naming update", () => {
    const parsed = Manifest.safeParse({ ...shipped, update });
    expect(parsed.error?.issues.map((issue) => issue.path.join("."))).toEqual(["update"]);
  });

  it("refuses keeping features of a model with two inputs, naming feedbackData.keep", () => {
    const inputs = [...shipped.inputs, { name: "mask", dtype: "float32", shape: ["batch", 4096] }];
    const parsed = Manifest.safeParse({ ...shipped, inputs, feedbackData });
    expect(parsed.error?.issues.map((issue) => issue.path.join("."))).toEqual(["feedbackData.keep"]);
  });

  it("refuses a retention past a year, naming the field", () => {
    const parsed = Manifest.safeParse({ ...shipped, feedbackData: { ...feedbackData, retentionDays: 366 } });
    expect(parsed.error?.issues.map((issue) => issue.path.join("."))).toEqual(["feedbackData.retentionDays"]);
  });
});
