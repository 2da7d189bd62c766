/** `vane evaluate`, `vane profile` and `vane publish` on a small model trained by the real CLI. */
import { existsSync } from "node:fs";
import { cp, mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DriftSpec } from "../../src/core/drift-features.js";
import { Manifest } from "../../src/core/manifest.js";
import { Profile } from "../../src/core/profile.js";
import { projectRoot, withLocalBucket } from "../../src/toolchain/local-r2.js";
import { type CliRun, REPO, run, vane } from "./run-cli.js";

let directory: string;
/** Trained once, never changed: each test that writes beside a model works on its own copy. */
let trained: string;
/** `trained` profiled as tiny@1, so a publish uploads a profile too. */
let profiled: string;

beforeAll(async () => {
  directory = await mkdtemp(join(tmpdir(), "vane-cli-ship-"));
  trained = join(directory, "trained");
  expect((await vane(["train", "--limit", "150", "--epochs", "3", "--out", trained])).code).toBe(0);
  profiled = join(directory, "profiled");
  await cp(trained, profiled, { recursive: true });
  expect((await vane(["profile", profiled, "--name", "tiny", "--version", "1"])).code).toBe(0);
});

afterAll(async () => {
  await rm(directory, { recursive: true, force: true });
});

const json = (run: CliRun) => JSON.parse(run.stdout);

/** A fresh directory of this test's own. */
const scratch = () => mkdtemp(join(directory, "test-"));

/** A copy of a fixture model directory, for a test that writes beside it. */
async function copyOf(model: string): Promise<string> {
  const copy = join(await scratch(), "model");
  await cp(model, copy, { recursive: true });
  return copy;
}

const readState = (persist: string) =>
  withLocalBucket(persist, async (bucket) =>
    JSON.parse((await (await bucket.get("registry/tiny/state.json"))?.text()) ?? "null"),
  );

describe("vane evaluate", () => {
  it("reports quality, bytes and latency on both runtimes for each model", async () => {
    const run = await vane(["evaluate", `fp32=${trained}`, "--limit", "100", "--runs", "5", "--json"]);
    expect(run.code).toBe(0);
    const report = json(run);
    expect(report).toMatchObject({ collection: "2002", split: "test", seed: 1 });
    expect(report.models).toHaveLength(1);
    const [row] = report.models;
    expect(row.label).toBe("fp32");
    expect(row.metrics.count).toBe(report.emails);
    expect(row.bytes).toBe((await readFile(join(trained, "model.onnx"))).byteLength);
    expect(row.gzipBytes).toBeLessThan(row.bytes);
    expect(row.latencyMs.node).toBeGreaterThan(0);
    expect(row.latencyMs.web).toBeGreaterThan(0);
  });

  it("prints a comparison table without --json", async () => {
    const run = await vane([
      "evaluate",
      `a=${trained}`,
      `b=${join(trained, "model.onnx")}`,
      "--limit",
      "60",
      "--runs",
      "2",
    ]);
    expect(run.code).toBe(0);
    expect(run.stdout.split("\n").filter((line) => /^\| (a|b) \|/.test(line))).toHaveLength(2);
  });

  it("refuses a model file that does not exist with exit code 3", async () => {
    const run = await vane(["evaluate", join(directory, "missing.onnx")]);
    expect(run.code).toBe(3);
    expect(run.stderr).toBe(`vane evaluate: model ${join(directory, "missing.onnx")} does not exist\n`);
  });

  it("refuses a file that is not ONNX with exit code 3", async () => {
    const bogus = join(await scratch(), "bogus.onnx");
    await writeFile(bogus, "definitely not protobuf");
    const run = await vane(["evaluate", bogus, "--training", join(trained, "training.json")]);
    expect(run.code).toBe(3);
    expect(run.stderr).toContain(`${bogus}: not a valid ONNX model`);
  });
});

describe("vane profile", () => {
  it("writes the drift spec and the reference profile beside the model", async () => {
    const model = await copyOf(trained);
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
    const model = await copyOf(trained);
    const run = await vane(["profile", model, "--name", "tiny", "--version", "1"]);
    expect(run.code).toBe(0);
    const drift = DriftSpec.parse(JSON.parse(await readFile(join(model, "drift.json"), "utf8")));
    expect(drift.examples).toBeUndefined();
  });

  it("asks each drift window to keep raw examples with --keep-examples", async () => {
    const model = await copyOf(trained);
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

  it("refuses more examples per window than a window can hold, as a usage error (exit code 2)", async () => {
    const model = await copyOf(trained);
    const run = await vane(["profile", model, "--name", "tiny", "--version", "1", "--keep-examples", "51"]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain("--keep-examples must be an integer from 1 to 50");
    expect(existsSync(join(model, "drift.json"))).toBe(false);
  });

  it("refuses an invalid model name, as a usage error (exit code 2)", async () => {
    const model = await copyOf(trained);
    const run = await vane(["profile", model, "--name", "Not A Name", "--version", "1"]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain("--name");
  });
});

describe("vane publish", () => {
  /** Publishes a copy of the profiled model as tiny@version into `persist`. */
  async function publish(persist: string, version: number, ...more: string[]) {
    const model = await copyOf(profiled);
    const run = await vane([
      "publish",
      model,
      "--name",
      "tiny",
      "--version",
      String(version),
      "--persist-to",
      persist,
      ...more,
    ]);
    return { run, model };
  }

  it("publishes a model's first version as its active version", async () => {
    const persist = await scratch();
    const { run } = await publish(persist, 1, "--json");
    expect(run.code).toBe(0);
    expect(json(run)).toMatchObject({ name: "tiny", version: 1, registration: "active" });
    expect(await readState(persist)).toMatchObject({ name: "tiny", active: 1, candidate: null });
  });

  it("uploads the model, a manifest matching its bytes, the profile and the training record", async () => {
    const persist = await scratch();
    const { run, model } = await publish(persist, 1);
    expect(run.code).toBe(0);
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
    const persist = await scratch();
    expect((await publish(persist, 1)).run.code).toBe(0);
    const { run } = await publish(persist, 2, "--share", "0.25", "--json");
    expect(run.code).toBe(0);
    expect(json(run).registration).toBe("candidate");
    expect(await readState(persist)).toMatchObject({
      active: 1,
      candidate: { version: 2, mode: "shadow", share: 0.25 },
    });
  });

  it("refuses to overwrite an existing version with exit code 4, and leaves the state alone", async () => {
    const persist = await scratch();
    expect((await publish(persist, 1)).run.code).toBe(0);
    const before = await readState(persist);
    const { run } = await publish(persist, 1);
    expect(run.code).toBe(4);
    expect(run.stderr).toBe(
      "vane publish: tiny@1 already exists: versions are immutable, publish a new one\n",
    );
    expect(await readState(persist)).toEqual(before);
  });

  it("refuses a directory without a model with exit code 3", async () => {
    const persist = await scratch();
    const empty = await scratch();
    const run = await vane(["publish", empty, "--name", "tiny", "--version", "3", "--persist-to", persist]);
    expect(run.code).toBe(3);
    expect(run.stderr).toContain(
      "has neither manifest.json nor training.json: make it with vane import or vane train",
    );
    expect(existsSync(join(empty, "manifest.json"))).toBe(false);
  });
});

describe("vane publish from another directory", () => {
  /** A wrangler project with a subdirectory to stand in. */
  async function project() {
    const root = await scratch();
    await writeFile(join(root, "wrangler.toml"), 'name = "elsewhere"\n');
    const deep = join(root, "build", "models");
    await mkdir(deep, { recursive: true });
    return { root, deep };
  }

  it("lands where wrangler dev reads: .wrangler/state beside wrangler.toml", async () => {
    const { root, deep } = await project();
    const run = await vane(
      ["publish", await copyOf(profiled), "--name", "tiny", "--version", "1", "--json"],
      deep,
    );
    expect(run.code).toBe(0);
    expect(json(run).where).toBe(`the local R2 simulation in ${join(root, ".wrangler/state")}`);
    expect(existsSync(join(root, ".wrangler/state/v3/r2"))).toBe(true);
    expect(existsSync(join(deep, ".wrangler"))).toBe(false);
    expect(await readState(join(root, ".wrangler/state"))).toMatchObject({ active: 1 });
  });

  it("takes a relative --persist-to from the project root, as wrangler dev --persist-to does", async () => {
    const { root, deep } = await project();
    const model = await copyOf(profiled);
    const args = ["publish", model, "--name", "tiny", "--version", "1", "--persist-to", "state"];
    const run = await vane(args, deep);
    expect(run.code).toBe(0);
    expect(await readState(join(root, "state"))).toMatchObject({ active: 1 });
    expect(existsSync(join(deep, "state"))).toBe(false);
  });

  it("belongs to this repository when the user stands in no wrangler project", async () => {
    expect(projectRoot(await scratch())).toBe(REPO);
  });
});

describe("the README's commands for running vane from any directory", () => {
  const readme = () => readFile(join(REPO, "README.md"), "utf8");

  /** The commands in the README's code block under "Running vane from any directory". */
  async function anywhereCommands(): Promise<string[][]> {
    const text = await readme();
    const section = text.slice(text.indexOf("### Running vane from any directory"));
    const block = /```sh\n([\s\S]*?)```/.exec(section)?.[1] ?? "";
    return block
      .split("\n")
      .filter((line) => line.trim() !== "" && !line.startsWith("#"))
      .map((line) =>
        line
          .replace(/\s+#.*$/, "")
          .replaceAll("<repo>", REPO)
          .split(/\s+/),
      );
  }

  it("gives two ways, both of which run this project's CLI from another directory", async () => {
    const commands = await anywhereCommands();
    expect(commands.map((c) => c[0])).toEqual(["node", "npm"]);
    const elsewhere = await scratch();
    for (const [command, ...args] of commands) {
      const result = await run(command, args, elsewhere);
      expect(result.code).toBe(0);
      expect(result.stdout).toContain("vane: train, compress, evaluate, profile and publish models");
    }
  });
});
