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
