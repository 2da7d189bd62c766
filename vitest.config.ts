import { cloudflareTest, readD1Migrations } from "@cloudflare/vitest-pool-workers";
import { defineConfig } from "vitest/config";

// The D1 schema the Worker's tests run on: the same migrations `wrangler d1 migrations apply` applies.
const migrations = await readD1Migrations("./migrations");

// Three projects: the Worker's tests run inside workerd with the real local R2, KV, Queue and cron
// (miniflare); pure logic and the Node CLI run in plain Node; the dashboard runs in Chromium.
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: "node",
          include: ["test/node/**/*.test.ts"],
          environment: "node",
          testTimeout: 120_000,
          hookTimeout: 300_000,
        },
      },
      {
        // The dashboard in headless Chromium against the Worker started by the test (test/browser).
        test: {
          name: "browser",
          include: ["test/browser/**/*.test.ts"],
          environment: "node",
          testTimeout: 300_000,
          hookTimeout: 900_000,
        },
      },
      {
        plugins: [
          cloudflareTest({
            wrangler: { configPath: "./wrangler.toml" },
            // Small limits so the limit tests stay small; everything else comes from wrangler.toml.
            miniflare: {
              bindings: {
                MAX_BODY_BYTES: "262144",
                MAX_BATCH: "8",
                MAX_TEXT_CHARS: "50000",
                MAX_IMAGE_PIXELS: "65536",
                // Every prediction sampled and logged, so tests can count each one exactly.
                DRIFT_SAMPLE_RATE: "1",
                PREDICTION_LOG_RATE: "1",
                ADMIN_TOKEN: "test-admin-token",
                WEBHOOK_SECRET: "test-webhook-secret",
                FEEDBACK_SECRET: "test-feedback-secret",
                TEST_MIGRATIONS: migrations,
              },
            },
          }),
        ],
        test: {
          name: "worker",
          globalSetup: ["test/worker/global-setup.ts"],
          setupFiles: ["test/worker/apply-migrations.ts"],
          include: ["test/worker/**/*.test.ts"],
          testTimeout: 60_000,
          hookTimeout: 120_000,
        },
      },
    ],
  },
});
