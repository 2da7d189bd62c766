import { existsSync } from "node:fs";
import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { modelFromOnnx } from "../../src/toolchain/export.js";
import { TrainingRecord } from "../../src/toolchain/train/record.js";
import { type CliRun, vane } from "./run-cli.js";

let directory: string;
let train: CliRun;
let trainOut: string;

beforeAll(async () => {
  directory = await mkdtemp(join(tmpdir(), "vane-cli-train-"));
  trainOut = join(directory, "logistic");
  train = await vane([
    "train",
    "--limit",
    "150",
    "--epochs",
    "4",
    "--seed",
    "3",
    "--out",
    trainOut,
    "--json",
  ]);
});

afterAll(async () => {
  await rm(directory, { recursive: true, force: true });
});

const record = async (out: string) =>
  TrainingRecord.parse(JSON.parse(await readFile(join(out, "training.json"), "utf8")));

describe("vane train", () => {
  it("exits 0", () => {
    expect([train.code, train.stderr.includes("vane train:")]).toEqual([0, false]);
  });

  it("writes model.onnx and training.json and nothing else", async () => {
    expect((await readdir(trainOut)).sort()).toEqual(["model.onnx", "training.json"]);
  });

  it("writes a training record with the spec, hyperparameters and split it used", async () => {
    const written = await record(trainOut);
    expect({
      buckets: written.spec.buckets,
      arch: written.model.arch,
      epochs: written.hyperparameters.epochs,
      seed: written.hyperparameters.seed,
      collection: written.data.collection,
      limit: written.data.limit,
      sizes: written.data.sizes,
    }).toEqual({
      buckets: 4096,
      arch: "logistic",
      epochs: 4,
      seed: 3,
      collection: "2002",
      limit: 150,
      // 125 ham (87/19/19) and 25 spam (17/4/4)
      sizes: { train: 104, validation: 23, test: 23 },
    });
  });

  it("writes the model the record describes", async () => {
    const model = modelFromOnnx(new Uint8Array(await readFile(join(trainOut, "model.onnx"))));
    expect([model.arch, model.layers[0].inputs]).toEqual(["logistic", 4096]);
  });

  it("prints one progress line per epoch on stderr", async () => {
    const epochs = (await record(trainOut)).history.length;
    expect(
      train.stderr
        .trim()
        .split("\n")
        .filter((line) => line.startsWith("epoch ")).length,
    ).toBe(epochs);
  });

  it("prints the held-out metrics as JSON with --json", async () => {
    expect(JSON.parse(train.stdout).metrics.test).toEqual((await record(trainOut)).metrics.test);
  });

  it("rejects an unknown collection as a usage error without writing anything", async () => {
    const out = join(directory, "bad-collection");
    const result = await vane(["train", "--collection", "2004", "--out", out]);
    expect([result.code, result.stderr.trim(), existsSync(out)]).toEqual([
      2,
      'vane train: --collection must be one of 2002, 2003, got "2004"',
      false,
    ]);
  });

  it("rejects a non-numeric option as a usage error", async () => {
    const result = await vane(["train", "--epochs", "many", "--out", join(directory, "bad-epochs")]);
    expect([result.code, result.stderr.trim()]).toEqual([
      2,
      'vane train: --epochs must be a number, got "many"',
    ]);
  });

  it("rejects a limit larger than the collection as a usage error without writing anything", async () => {
    const out = join(directory, "too-many");
    const result = await vane(["train", "--limit", "5000", "--out", out]);
    expect([result.code, result.stderr.trim(), existsSync(out)]).toEqual([
      2,
      "vane train: limit 5000 exceeds the 3000 emails available",
      false,
    ]);
  });

  it("requires --out (a usage error)", async () => {
    const result = await vane(["train", "--limit", "100"]);
    expect([result.code, result.stderr.trim()]).toEqual([2, "vane train: --out is required"]);
  });
});

describe("vane distill", () => {
  it("trains a student with fewer buckets from a training directory", async () => {
    const out = join(directory, "student");
    const result = await vane([
      "distill",
      "--teacher",
      trainOut,
      "--buckets",
      "256",
      "--epochs",
      "3",
      "--out",
      out,
    ]);
    const written = await record(out);
    expect([result.code, written.model.inputs, written.distillation?.teacher, written.data.digests]).toEqual([
      0,
      256,
      trainOut,
      (await record(trainOut)).data.digests,
    ]);
  });

  it("reports a missing teacher as an input that does not exist (exit code 3)", async () => {
    const missing = join(directory, "no-such-teacher");
    const result = await vane(["distill", "--teacher", missing, "--out", join(directory, "orphan")]);
    expect([result.code, result.stderr.trim()]).toEqual([
      3,
      `vane distill: teacher ${missing} does not exist`,
    ]);
  });

  it("requires --teacher-spec for a bare model file (a usage error)", async () => {
    const result = await vane([
      "distill",
      "--teacher",
      join(trainOut, "model.onnx"),
      "--out",
      join(directory, "x"),
    ]);
    expect([result.code, result.stderr.trim()]).toEqual([
      2,
      "vane distill: --teacher-spec is required when --teacher is a model file",
    ]);
  });
});
