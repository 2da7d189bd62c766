/**
 * A real local Worker for CLI tests: `wrangler dev` on a loopback port (src/toolchain/local-edge.ts),
 * its simulation in a fresh directory, seeded before it starts with copies of the shipped spam
 * versions (or of a test's own model directories) under each test's own model names, published as
 * `vane publish` publishes them.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect } from "vitest";
import type { FeedbackDataSpec } from "../../src/core/update-spec.js";
import { type Collection, LABELS, loadSplits } from "../../src/toolchain/data.js";
import { applyLocalMigrations, type LocalEdge, startLocalEdge } from "../../src/toolchain/local-edge.js";
import { withLocalBucket } from "../../src/toolchain/local-r2.js";
import { type CandidateOptions, publishLocal, readBuiltVersionFiles } from "../../src/toolchain/publish.js";
import { type CliRun, REPO, vane } from "./run-cli.js";

export const ADMIN_TOKEN = "ops-test-admin-token";

export interface SeededModel {
  name: string;
  /** Versions to publish, in order: the first is active, the next the candidate. */
  versions: number[];
  /** The directory holding the versions' folders (`<root>/<version>`); default the shipped models/spam. */
  root?: string;
  candidate?: CandidateOptions;
  /** Training data the published versions keep from feedback (none when absent). */
  feedbackData?: FeedbackDataSpec;
}

export interface TestWorker extends LocalEdge {
  persistTo: string;
  /** `vane <args> --url <this Worker>`, with VANE_ADMIN_TOKEN set to `token` (null: unset). */
  vane(args: string[], token?: string | null): Promise<CliRun>;
  /** Stops the Worker and removes its simulation. */
  dispose(): Promise<void>;
}

export async function startTestWorker(port: number, models: readonly SeededModel[]): Promise<TestWorker> {
  const persistTo = await mkdtemp(join(tmpdir(), "vane-cli-ops-"));
  await withLocalBucket(persistTo, async (bucket) => {
    for (const model of models) {
      for (const version of model.versions) {
        const files = await readBuiltVersionFiles(
          join(model.root ?? join(REPO, "models/spam"), String(version)),
          {
            name: model.name,
            version,
          },
        );
        const manifest = { ...files.manifest, feedbackData: model.feedbackData };
        await publishLocal(bucket, { ...files, manifest }, model.candidate ?? { mode: "shadow", share: 0.1 });
      }
    }
  });
  await applyLocalMigrations(persistTo);
  const edge = await startLocalEdge({
    port,
    persistTo,
    testScheduled: true,
    vars: {
      ADMIN_TOKEN,
      FEEDBACK_SECRET: "ops-test-feedback-secret",
      DRIFT_SAMPLE_RATE: "1",
      PREDICTION_LOG_RATE: "1",
    },
  });
  return {
    ...edge,
    persistTo,
    vane: (args, token = ADMIN_TOKEN) => vane([...args, "--url", edge.url], REPO, cliEnv(token)),
    async dispose() {
      await edge.stop();
      await rm(persistTo, { recursive: true, force: true });
    },
  };
}

/** The CLI's environment, with VANE_ADMIN_TOKEN set to `token` or, for null, unset. */
export function cliEnv(token: string | null = ADMIN_TOKEN): NodeJS.ProcessEnv {
  const { VANE_ADMIN_TOKEN: _, ...rest } = process.env;
  return token === null ? rest : { ...rest, VANE_ADMIN_TOKEN: token };
}

export interface Mail {
  text: string;
  label: (typeof LABELS)[number];
}

/** The first `count` mails of a collection's held-out test split (seed 1, as the shipped models). */
export async function testMails(collection: Collection, count: number): Promise<Mail[]> {
  const { test } = await loadSplits(collection, { seed: 1 });
  return test.slice(0, count).map((mail) => ({ text: mail.text, label: LABELS[mail.label] }));
}

export interface Predicted {
  requestId: string;
  token: string;
  label: string;
}

/**
 * Predicts each mail under its own request id (`<prefix>-<i>`), then waits until the Worker has
 * logged them all: the prediction records leave with the drift samples, in one group commit, so
 * once the drift counts have them, so has the prediction log.
 */
export async function predictAndWait(
  worker: TestWorker,
  model: string,
  mails: readonly Mail[],
  prefix: string,
): Promise<Predicted[]> {
  const answers: Predicted[] = [];
  for (const [i, mail] of mails.entries()) {
    const requestId = `${prefix}-${i}`;
    const response = await fetch(`${worker.url}/v1/models/${model}/predict`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-request-id": requestId },
      body: JSON.stringify({ instances: [{ text: mail.text }] }),
    });
    expect(response.status).toBe(200);
    answers.push({ requestId, token: response.headers.get("vane-feedback-token") ?? "", label: mail.label });
  }
  const deadline = Date.now() + 60_000;
  for (;;) {
    const drift = (await (await fetch(`${worker.url}/v1/models/${model}/drift?window=1h`)).json()) as {
      versions: Array<{ samples: number }>;
    };
    if ((drift.versions[0]?.samples ?? 0) >= mails.length) return answers;
    if (Date.now() > deadline)
      throw new Error(`${model}: the Worker logged fewer than ${mails.length} predictions`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}
