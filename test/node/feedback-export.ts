/**
 * What the retrain tests share: feedback exports written as the Worker writes them, `vane retrain`
 * run on them into a scratch directory, and the manifest it writes read back.
 */
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Manifest } from "../../src/core/manifest.js";
import { type CliRun, vane } from "./run-cli.js";

/** What a labelled row keeps of its request: the model's features, the instance, or neither. */
export type Kept =
  | { features: { dims: number[]; indices: number[]; values: number[] } }
  | { instance: { text: string } }
  | Record<string, never>;

/** The i-th labelled prediction of version 1, one second after the one before, from 09:00 on 1 Dec 2026. */
export function exportLine(requestId: string, i: number, label: string, kept: Kept): string {
  return JSON.stringify({
    requestId,
    index: 0,
    time: new Date(Date.UTC(2026, 11, 1, 9, 0, i)).toISOString(),
    version: 1,
    label,
    ...kept,
  });
}

export function readManifest(dir: string): Promise<Manifest> {
  return readFile(join(dir, "manifest.json"), "utf8").then((text) => Manifest.parse(JSON.parse(text)));
}

/** A scratch directory for exports and retrained versions; `remove` it after the tests. */
export class RetrainScratch {
  private constructor(readonly directory: string) {}

  static async create(prefix: string): Promise<RetrainScratch> {
    return new RetrainScratch(await mkdtemp(join(tmpdir(), prefix)));
  }

  path(name: string): string {
    return join(this.directory, name);
  }

  /** Writes the lines as one JSONL export and returns its path. */
  async writeExport(name: string, lines: readonly string[]): Promise<string> {
    const path = this.path(name);
    await writeFile(path, `${lines.join("\n")}\n`);
    return path;
  }

  /** `vane retrain <options> --feedback <feedback> --out <scratch>/<out> --json`. */
  retrain(options: readonly string[], feedback: string, out: string): Promise<CliRun> {
    return vane(["retrain", ...options, "--feedback", feedback, "--out", this.path(out), "--json"]);
  }

  remove(): Promise<void> {
    return rm(this.directory, { recursive: true, force: true });
  }
}
