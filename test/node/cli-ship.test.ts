/** `vane evaluate`, `vane profile` and `vane publish` on a small model trained by the real CLI. */
import { existsSync } from "node:fs";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DriftSpec } from "../../src/core/drift-features.js";
import { Manifest } from "../../src/core/manifest.js";
import { Profile } from "../../src/core/profile.js";
import { withLocalBucket } from "../../src/toolchain/local-r2.js";
import { type CliRun, vane } from "./run-cli.js";

let directory: string;
let model: string;
let persist: string;

beforeAll(async () => {
  directory = await mkdtemp(join(tmpdir(), "vane-cli-ship-"));
  model = join(directory, "model");
  persist = join(directory, "r2");
  const trained = await vane(["train", "--limit", "150", "--epochs", "3", "--out", model]);
  expect(trained.code).toBe(0);
});

afterAll(async () => {
  await rm(directory, { recursive: true, force: true });
});

const json = (run: CliRun) => JSON.parse(run.stdout);

describe("vane evaluate", () => {
  it("reports quality, bytes and latency on both runtimes for each model", async () => {
    const run = await vane(["evaluate", `fp32=${model}`, "--limit", "100", "--runs", "5", "--json"]);
    expect(run.code).toBe(0);
    const report = json(run);
    expect(report).toMatchObject({ collection: "2002", split: "test", seed: 1 });
    expect(report.models).toHaveLength(1);
    const [row] = report.models;
    expect(row.label).toBe("fp32");
    expect(row.metrics.count).toBe(report.emails);
    expect(row.bytes).toBe((await readFile(join(model, "model.onnx"))).byteLength);
    expect(row.gzipBytes).toBeLessThan(row.bytes);
    expect(row.latencyMs.node).toBeGreaterThan(0);
    expect(row.latencyMs.web).toBeGreaterThan(0);
  });

  it("prints a comparison table without --json", async () => {
    const run = await vane([
      "evaluate",
      `a=${model}`,
      `b=${join(model, "model.onnx")}`,
      "--limit",
      "60",
      "--runs",
      "2",
    ]);
    expect(run.code).toBe(0);
    expect(run.stdout.split("\n").filter((line) => /^\| (a|b) \|/.test(line))).toHaveLength(2);
  });

  it("refuses a model file that does not exist", async () => {
    const run = await vane(["evaluate", join(directory, "missing.onnx")]);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain("does not exist");
  });

  it("refuses a file that is not ONNX", async () => {
    const bogus = join(directory, "bogus.onnx");
    await writeFile(bogus, "definitely not protobuf");
    const run = await vane(["evaluate", bogus, "--training", join(model, "training.json")]);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain("not a valid ONNX model");
  });
});

describe("vane profile", () => {
  it("writes the drift spec and the reference profile beside the model", async () => {
    const run = await vane(["profile", model, "--name", "tiny", "--version", "1", "--json"]);
    expect(run.code).toBe(0);
    const drift = DriftSpec.parse(JSON.parse(await readFile(join(model, "drift.json"), "utf8")));
    const profile = Profile.parse(JSON.parse(await readFile(join(model, "profile.json"), "utf8")));
    const training = JSON.parse(await readFile(join(model, "training.json"), "utf8"));
    expect(profile).toMatchObject({ name: "tiny", version: 1, count: training.data.sizes.train });
    expect(Object.keys(profile.features)).toEqual(drift.features.map((f) => f.name));
    expect(drift.features.map((f) => f.kind)).toEqual([
      "token-count",
      "unseen-token-share",
      "feature-value",
      "feature-value",
      "feature-value",
      "probability",
      "predicted-label",
    ]);
  });

  it("keeps no raw examples unless asked", async () => {
    const run = await vane(["profile", model, "--name", "tiny", "--version", "1"]);
    expect(run.code).toBe(0);
    const drift = DriftSpec.parse(JSON.parse(await readFile(join(model, "drift.json"), "utf8")));
    expect(drift.examples).toBeUndefined();
  });

  it("asks each drift window to keep raw examples with --keep-examples", async () => {
    const run = await vane([
      "profile",
      model,
      "--name",
      "tiny",
      "--version",
      "1",
      "--keep-examples",
      "5",
      "--example-chars",
      "100",
    ]);
    expect(run.code).toBe(0);
    const drift = DriftSpec.parse(JSON.parse(await readFile(join(model, "drift.json"), "utf8")));
    expect(drift.examples).toEqual({ keep: 5, maxChars: 100 });
  });

  it("refuses more examples per window than a window can hold", async () => {
    const run = await vane(["profile", model, "--name", "tiny", "--version", "1", "--keep-examples", "51"]);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain("--keep-examples must be an integer from 1 to 50");
  });

  it("refuses an invalid model name", async () => {
    const run = await vane(["profile", model, "--name", "Not A Name", "--version", "1"]);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain("--name");
  });
});

describe("vane publish", () => {
  it("publishes a model's first version as its active version", async () => {
    const run = await vane([
      "publish",
      model,
      "--name",
      "tiny",
      "--version",
      "1",
      "--persist-to",
      persist,
      "--json",
    ]);
    expect(run.code).toBe(0);
    expect(json(run)).toMatchObject({ name: "tiny", version: 1, registration: "active" });
  });

  it("uploads the model, a manifest matching its bytes, the profile and the training record", async () => {
    const manifest = Manifest.parse(JSON.parse(await readFile(join(model, "manifest.json"), "utf8")));
    const stored = await withLocalBucket(persist, async (bucket) => ({
      manifest: await (await bucket.get("models/tiny/1/manifest.json"))?.text(),
      profile: await bucket.head("models/tiny/1/profile.json"),
      training: await bucket.head("models/tiny/1/training.json"),
      model: await bucket.head("models/tiny/1/model.onnx"),
    }));
    expect(JSON.parse(stored.manifest ?? "null")).toEqual(manifest);
    expect([stored.profile, stored.training, stored.model].every((o) => o !== null)).toBe(true);
    expect(manifest.model.bytes).toBe((await readFile(join(model, "model.onnx"))).byteLength);
  });

  it("registers a later version as a shadow candidate", async () => {
    const run = await vane([
      "publish",
      model,
      "--name",
      "tiny",
      "--version",
      "2",
      "--share",
      "0.25",
      "--persist-to",
      persist,
      "--json",
    ]);
    expect(run.code).toBe(0);
    expect(json(run).registration).toBe("candidate");
    const state = await withLocalBucket(persist, async (bucket) =>
      JSON.parse((await (await bucket.get("registry/tiny/state.json"))?.text()) ?? "null"),
    );
    expect(state).toMatchObject({ active: 1, candidate: { version: 2, mode: "shadow", share: 0.25 } });
  });

  it("refuses to overwrite an existing version", async () => {
    const run = await vane(["publish", model, "--name", "tiny", "--version", "1", "--persist-to", persist]);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain("tiny@1 already exists");
  });

  it("refuses a directory without a model", async () => {
    const run = await vane([
      "publish",
      directory,
      "--name",
      "tiny",
      "--version",
      "3",
      "--persist-to",
      persist,
    ]);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(
      "has neither manifest.json nor training.json: make it with vane import or vane train",
    );
    expect(existsSync(join(directory, "manifest.json"))).toBe(false);
  });
});
