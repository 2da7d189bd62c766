/**
 * The session memory `vane import` stores, checked on the fixture zoo against an independent reading
 * (session-pages.ts: the 4 KiB pages of the wasm heap one session newly writes, counted by comparing
 * copies of the heap in a fresh process, no high-water mark and no V8 figures).
 */
import { execFile } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { importModel } from "../../src/toolchain/import.js";
import { MIN_SESSION_JS_BYTES } from "../../src/toolchain/session-memory.js";
import { modelPath, sampleInputs, type ZooFixture } from "./zoo-fixtures.js";

const run = promisify(execFile);

let scratch: string;
beforeEach(async () => {
  scratch = await mkdtemp(join(tmpdir(), "vane-session-memory-"));
});
afterEach(async () => {
  await rm(scratch, { recursive: true, force: true });
});

/** The manifest's figure and the independent reading, both on the fixture's sample. */
async function figures(fixture: ZooFixture): Promise<{ stored: number; written: number }> {
  const report = await importModel({
    source: modelPath(fixture),
    out: join(scratch, fixture),
    name: fixture,
    version: 1,
    task: {},
    sample: { inputs: sampleInputs(fixture) },
  });
  const { stdout } = await run(
    process.execPath,
    [
      "--import",
      import.meta.resolve("tsx"),
      join(import.meta.dirname, "session-pages.ts"),
      join(report.dir, "model.onnx"),
      fixture,
    ],
    { maxBuffer: 1024 * 1024 },
  );
  const { written } = JSON.parse(stdout.trim().split("\n").at(-1) ?? "") as { written: number };
  return { stored: report.manifest.memory?.sessionBytes ?? 0, written };
}

describe("the session memory vane import stores", () => {
  // At least every page the session writes, and above it by no more than the JS allowance and what
  // one reading of V8's heap adds (tens of KiB).
  const slack = MIN_SESSION_JS_BYTES + 64 * 1024;
  for (const fixture of ["mlp", "cnn", "encoder", "multi", "large"] as const) {
    it(`covers what the ${fixture} session writes, and not by much more`, async () => {
      const { stored, written } = await figures(fixture);
      expect(written).toBeGreaterThan(0);
      expect(stored).toBeGreaterThanOrEqual(written);
      expect(stored - written).toBeLessThanOrEqual(slack);
    });
  }
});
