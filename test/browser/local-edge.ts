/**
 * The local edge for the browser test: `wrangler dev` on a free loopback port
 * (src/toolchain/local-edge.ts) over a fresh simulation, its versions published as `vane publish`
 * publishes them (the first of a model active, the next its candidate).
 */
import { readdirSync, readFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Manifest } from "../../src/core/manifest.js";
import { applyLocalMigrations, startLocalEdge } from "../../src/toolchain/local-edge.js";
import { withLocalBucket } from "../../src/toolchain/local-r2.js";
import { type CandidateOptions, publishLocal, type VersionFiles } from "../../src/toolchain/publish.js";

export const ADMIN_TOKEN = "browser-admin-token";

export interface BrowserEdge {
  url: string;
  /** One scheduled run, as `wrangler dev --test-scheduled` triggers it. */
  scheduled(): Promise<void>;
  /** Stops the Worker and removes its simulation. */
  dispose(): Promise<void>;
}

/** A shipped version folder of models/, manifest and files as publish reads them. */
export function shippedVersion(name: string, version: number): VersionFiles {
  const folder = join("models", name, String(version));
  const manifest = JSON.parse(readFileSync(join(folder, "manifest.json"), "utf8")) as Manifest;
  const files = Object.fromEntries(
    readdirSync(folder)
      .filter((file) => file !== "manifest.json")
      .map((file) => [file, new Uint8Array(readFileSync(join(folder, file)))]),
  );
  return { manifest, files };
}

/** A port nothing listens on now. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

export async function startBrowserEdge(
  versions: readonly VersionFiles[],
  candidate: CandidateOptions,
): Promise<BrowserEdge> {
  const persistTo = await mkdtemp(join(tmpdir(), "vane-browser-"));
  await withLocalBucket(persistTo, async (bucket) => {
    for (const version of versions) await publishLocal(bucket, version, candidate);
  });
  await applyLocalMigrations(persistTo);
  const edge = await startLocalEdge({
    port: await freePort(),
    persistTo,
    testScheduled: true,
    vars: {
      ADMIN_TOKEN,
      FEEDBACK_SECRET: "browser-feedback-secret",
      DRIFT_SAMPLE_RATE: "1",
      PREDICTION_LOG_RATE: "1",
    },
  });
  return {
    url: edge.url,
    async scheduled() {
      const response = await fetch(`${edge.url}/__scheduled?cron=${encodeURIComponent("*/10 * * * *")}`);
      if (!response.ok) throw new Error(`the scheduled run answered ${response.status}`);
      await response.arrayBuffer();
    },
    async dispose() {
      await edge.stop();
      await rm(persistTo, { recursive: true, force: true });
    },
  };
}
