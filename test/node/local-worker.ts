/**
 * A real local Worker for CLI tests: `wrangler dev` on a loopback port (src/toolchain/local-edge.ts),
 * its simulation in a fresh directory, seeded before it starts with copies of the shipped spam
 * versions under each test's own model names, published as `vane publish` publishes them.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { applyLocalMigrations, type LocalEdge, startLocalEdge } from "../../src/toolchain/local-edge.js";
import { withLocalBucket } from "../../src/toolchain/local-r2.js";
import { type CandidateOptions, publishLocal, readBuiltVersionFiles } from "../../src/toolchain/publish.js";
import { REPO } from "./run-cli.js";

export const ADMIN_TOKEN = "ops-test-admin-token";

export interface SeededModel {
  name: string;
  /** Shipped spam versions to publish, in order: the first is active, the next the candidate. */
  versions: number[];
  candidate?: CandidateOptions;
}

export interface TestWorker extends LocalEdge {
  persistTo: string;
  /** Stops the Worker and removes its simulation. */
  dispose(): Promise<void>;
}

export async function startTestWorker(port: number, models: readonly SeededModel[]): Promise<TestWorker> {
  const persistTo = await mkdtemp(join(tmpdir(), "vane-cli-ops-"));
  await withLocalBucket(persistTo, async (bucket) => {
    for (const model of models) {
      for (const version of model.versions) {
        const files = await readBuiltVersionFiles(join(REPO, "models/spam", String(version)), {
          name: model.name,
          version,
        });
        await publishLocal(bucket, files, model.candidate ?? { mode: "shadow", share: 0.1 });
      }
    }
  });
  await applyLocalMigrations(persistTo);
  const edge = await startLocalEdge({
    port,
    persistTo,
    testScheduled: true,
    vars: { ADMIN_TOKEN, FEEDBACK_SECRET: "ops-test-feedback-secret", DRIFT_SAMPLE_RATE: "1" },
  });
  return {
    ...edge,
    persistTo,
    async dispose() {
      await edge.stop();
      await rm(persistTo, { recursive: true, force: true });
    },
  };
}
