/**
 * The local edge for the browser test: the Worker as `wrangler dev` runs it (wrangler's
 * unstable_startWorker: wrangler.toml, miniflare's R2, KV, D1, Queue and cron) on a loopback port,
 * over a persist directory the test seeds and owns.
 */
import { spawnSync } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { unstable_startWorker } from "wrangler";
import type { Manifest } from "../../src/core/manifest.js";
import { withLocalBucket } from "../../src/toolchain/local-r2.js";

export const ADMIN_TOKEN = "browser-admin-token";

export interface LocalEdge {
  url: string;
  scheduled(): Promise<void>;
  stop(): Promise<void>;
}

export interface SeededVersion {
  manifest: Manifest;
  /** File name to contents, the manifest excluded. */
  files: Record<string, Uint8Array>;
}

const wranglerBin = () => createRequire(import.meta.url).resolve("wrangler/bin/wrangler.js");

/** A shipped version folder of models/, as `vane publish` would upload it. */
export function shippedVersion(name: string, version: number): SeededVersion {
  const folder = join("models", name, String(version));
  const manifest = JSON.parse(readFileSync(join(folder, "manifest.json"), "utf8")) as Manifest;
  const files = Object.fromEntries(
    readdirSync(folder)
      .filter((file) => file !== "manifest.json")
      .map((file) => [file, new Uint8Array(readFileSync(join(folder, file)))]),
  );
  return { manifest, files };
}

/**
 * Puts versions into the local R2 of `persist` (the manifest last, as publish does) and registers
 * each model with its lowest version active, as `npm run dev` seeds it.
 */
export async function seed(persist: string, versions: readonly SeededVersion[]): Promise<void> {
  await withLocalBucket(persist, async (bucket) => {
    for (const { manifest, files } of versions) {
      const folder = `models/${manifest.name}/${manifest.version}/`;
      for (const [file, bytes] of Object.entries(files)) await bucket.put(folder + file, bytes);
      await bucket.put(`${folder}manifest.json`, JSON.stringify(manifest));
    }
    for (const name of new Set(versions.map((v) => v.manifest.name))) {
      const lowest = Math.min(
        ...versions.filter((v) => v.manifest.name === name).map((v) => v.manifest.version),
      );
      const state = {
        name,
        active: lowest,
        previous: [],
        candidate: null,
        updatedAt: new Date().toISOString(),
      };
      await bucket.put(`registry/${name}/state.json`, JSON.stringify(state));
    }
  });
  const migrated = spawnSync(
    process.execPath,
    [wranglerBin(), "d1", "migrations", "apply", "vane-predictions", "--local", "--persist-to", persist],
    { stdio: ["ignore", "ignore", "pipe"], env: { ...process.env, WRANGLER_SEND_METRICS: "false" } },
  );
  if (migrated.status !== 0) throw new Error(`wrangler d1 migrations apply failed: ${migrated.stderr}`);
}

/** Starts the Worker on 127.0.0.1 (a free port) over `persist`, with its secrets set for the test. */
export async function startLocalEdge(persist: string): Promise<LocalEdge> {
  const secret = (value: string) => ({ type: "plain_text" as const, value });
  const worker = await unstable_startWorker({
    config: "wrangler.toml",
    envFiles: [],
    sendMetrics: false,
    bindings: {
      ADMIN_TOKEN: secret(ADMIN_TOKEN),
      FEEDBACK_SECRET: secret("browser-feedback-secret"),
      WEBHOOK_SECRET: secret("browser-webhook-secret"),
    },
    dev: {
      persist,
      server: { hostname: "127.0.0.1", port: 0 },
      inspector: false,
      watch: false,
      testScheduled: true,
      logLevel: "error",
    },
  });
  await worker.ready;
  const url = (await worker.url).origin;
  return {
    url,
    // As `wrangler dev --test-scheduled` triggers a run (and what the README tells operators to call).
    async scheduled() {
      const response = await fetch(`${url}/__scheduled?cron=${encodeURIComponent("*/10 * * * *")}`);
      if (!response.ok) throw new Error(`the scheduled run answered ${response.status}`);
      await response.arrayBuffer();
    },
    stop: () => worker.dispose(),
  };
}
