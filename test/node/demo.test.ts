/**
 * `npm run demo` as a newcomer runs it: the script in its own process, with its own local edge and
 * simulation, replaying both stories to the end. It exits 0 only when spam@2 and weather@2 were both
 * promoted by the scheduled handler; terminated, it takes its local edge down with it. The token
 * comes from VANE_ADMIN_TOKEN, so the runs leave the checkout's .dev.vars alone (other tests read it).
 */
import { spawn } from "node:child_process";
import { mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type CliRun, REPO, run } from "./run-cli.js";

const PORT = 8873;
const TERMINATED_PORT = 8875;
/** Far more than the demo takes alone (about 2.5 minutes): CI runs it beside every other test file. */
const DEMO_TIMEOUT_MS = 900_000;

const demoArgs = (port: number, state: string) => [
  "--import",
  "tsx",
  "scripts/demo.ts",
  "--port",
  String(port),
  "--state",
  state,
];
const demoEnv = { ...process.env, VANE_ADMIN_TOKEN: "demo-check-admin-token" };

let state: string;
let demo: CliRun;

beforeAll(async () => {
  state = await mkdtemp(join(tmpdir(), "vane-demo-"));
  demo = await run(process.execPath, demoArgs(PORT, state), REPO, demoEnv, DEMO_TIMEOUT_MS);
}, DEMO_TIMEOUT_MS + 60_000);

afterAll(async () => {
  await rm(state, { recursive: true, force: true });
});

describe("npm run demo", () => {
  it("exits 0", () => {
    expect(demo.code, demo.stderr).toBe(0);
  });

  it("promotes spam@2 on the 2003 mail it shadowed", () => {
    expect(demo.stdout).toMatch(
      /promote 2: candidate [\d.]+% vs active [\d.]+% on the same 400 labelled requests/,
    );
    expect(demo.stdout).toContain("━━ spam@2 was promoted");
  });

  it("promotes weather@2 on the New York days it shadowed", () => {
    expect(demo.stdout).toMatch(
      /promote 2: candidate [\d.]+% vs active [\d.]+% on the same 200 labelled requests/,
    );
    expect(demo.stdout).toContain("━━ weather@2 was promoted");
  });

  it("alerts on weather@1's drift per named column and its data quality before the candidate comes", () => {
    expect(demo.stdout).toMatch(/alert 1: active version 1 drifted on .*wind \(PSI [\d.]+\)/);
    expect(demo.stdout).toMatch(/data-quality failure on temp_min\.quality/);
  });

  it("ends with the dashboard's URL and keeps the simulation", async () => {
    expect(demo.stdout).toContain(`dashboard: http://127.0.0.1:${PORT}/dashboard`);
    expect(await readdir(state)).toEqual(
      expect.arrayContaining(["labels-2002.csv", "labels-new-york-b.csv", "wrangler.log"]),
    );
  });
});

describe("npm run demo, terminated", () => {
  it("stops its local edge and exits 143 on SIGTERM", async () => {
    const own = await mkdtemp(join(tmpdir(), "vane-demo-term-"));
    const child = spawn(process.execPath, [...demoArgs(TERMINATED_PORT, own), "--story", "weather"], {
      cwd: REPO,
      env: demoEnv,
      stdio: ["ignore", "pipe", "pipe"],
    });
    const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
    try {
      let output = "";
      await new Promise<void>((resolve, reject) => {
        child.stdout.on("data", (chunk) => {
          output += chunk;
          if (output.includes("the local edge answers on")) resolve();
        });
        child.once("exit", () => reject(new Error(`the demo ended before its edge answered:\n${output}`)));
      });
      child.kill("SIGTERM");
      expect(await exited).toBe(143);
      await expect(fetch(`http://127.0.0.1:${TERMINATED_PORT}/healthz`)).rejects.toThrow();
    } finally {
      if (child.exitCode === null) child.kill("SIGKILL");
      await rm(own, { recursive: true, force: true });
    }
  }, 600_000);
});
