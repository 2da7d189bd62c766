/**
 * The operator's reading and acting commands (`vane drift`, `audit`, `promote`, `rollback`,
 * `canary`, `shadow`, `pin`, `unpin`) against a real local Worker seeded with copies of the shipped
 * spam versions, one model per test: what they print, that the Worker's state changed as they say,
 * and each refusal's exit code (unknown model or version, an action that does not apply, a
 * refused token, a bad argument caught before any call).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  ADMIN_TOKEN,
  cliEnv,
  predictAndWait,
  startTestWorker,
  type TestWorker,
  testMails,
} from "./local-worker.js";
import { REPO, vane } from "./run-cli.js";

const PORT = 8835;
const CLOSED_PORT = PORT + 1;

/** Each model: v1 active, v2 a shadow candidate at 10%, unless it is one of the single-version ones. */
const TWO_VERSIONS = [
  "act-promote",
  "act-promote-unknown",
  "act-rollback",
  "act-canary",
  "act-shadow",
  "act-pin",
  "act-unpin",
  "act-audit",
  "act-drift",
] as const;
const ONE_VERSION = ["act-lone", "act-lone-canary"] as const;

let worker: TestWorker;

beforeAll(async () => {
  worker = await startTestWorker(PORT, [
    ...TWO_VERSIONS.map((name) => ({ name, versions: [1, 2] })),
    ...ONE_VERSION.map((name) => ({ name, versions: [1] })),
  ]);
});

afterAll(async () => {
  await worker?.dispose();
});

type Model = (typeof TWO_VERSIONS)[number] | (typeof ONE_VERSION)[number];

async function stateOf(model: Model) {
  const response = await fetch(`${worker.url}/v1/admin/models/${model}`, {
    headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
  });
  return ((await response.json()) as { state: Record<string, unknown> }).state;
}

async function admin(model: Model, path: string, body: unknown, method = "POST") {
  const response = await fetch(`${worker.url}/v1/admin/models/${model}${path}`, {
    method,
    headers: { authorization: `Bearer ${ADMIN_TOKEN}`, "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  expect(response.status).toBe(200);
}

const ISO = "\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}Z";

describe("vane promote", () => {
  it("makes the candidate active on probation, prints the new state and the audit record's reason", async () => {
    const run = await worker.vane(["promote", "act-promote", "--reason", "better on 2003 mail"]);
    expect(run.code).toBe(0);
    const [done, now, audit] = run.stdout.trim().split("\n");
    expect(done).toBe("act-promote: promoted 2 (was 1)");
    expect(now).toMatch(
      new RegExp(`^  now: active 2, candidate none, previous 1, 2 on probation since ${ISO}$`),
    );
    expect(audit).toMatch(/^ {2}audit \S+: better on 2003 mail$/);
    expect(await stateOf("act-promote")).toMatchObject({
      active: 2,
      previous: [1],
      candidate: null,
      probation: { version: 2, replaced: 1, by: "admin" },
    });
  });

  it("exits 4 for a model without a candidate, saying to name a version", async () => {
    const run = await worker.vane(["promote", "act-lone"]);
    expect(run.code).toBe(4);
    expect(run.stderr.trim()).toBe(
      "vane promote: promoting the candidate of act-lone: model act-lone has no candidate: name a version",
    );
  });

  it("exits 3 for a version the model does not have", async () => {
    const run = await worker.vane(["promote", "act-promote-unknown", "--version", "9"]);
    expect(run.code).toBe(3);
    expect(run.stderr.trim()).toBe(
      "vane promote: promoting version 9 of act-promote-unknown: model act-promote-unknown has no version 9",
    );
    expect(await stateOf("act-promote-unknown")).toMatchObject({ active: 1, candidate: { version: 2 } });
  });

  it("exits 3 for a model the Worker does not have", async () => {
    const run = await worker.vane(["promote", "no-such-model"]);
    expect(run.code).toBe(3);
    expect(run.stderr.trim()).toBe(
      "vane promote: promoting the candidate of no-such-model: no model named no-such-model",
    );
  });

  it("exits 6 when the Worker refuses the token, and nothing changes", async () => {
    const run = await worker.vane(["promote", "act-promote-unknown"], "not-the-token");
    expect(run.code).toBe(6);
    expect(run.stderr).toContain("the admin API needs a valid bearer token");
    expect(await stateOf("act-promote-unknown")).toMatchObject({ active: 1 });
  });
});

describe("vane rollback", () => {
  it("restores the version the last promotion replaced", async () => {
    await admin("act-rollback", "/promote", {});
    const run = await worker.vane(["rollback", "act-rollback", "--json"]);
    expect(run.code).toBe(0);
    const result = JSON.parse(run.stdout);
    expect(result.audit).toMatchObject({
      actor: "admin",
      action: "rollback",
      reason: "requested by an admin",
    });
    expect(result.state).toMatchObject({ active: 1, probation: null });
    expect(await stateOf("act-rollback")).toMatchObject({ active: 1, probation: null });
  });

  it("exits 4 when there is no earlier version to go back to", async () => {
    const run = await worker.vane(["rollback", "act-lone"]);
    expect(run.code).toBe(4);
    expect(run.stderr.trim()).toBe(
      "vane rollback: rolling back act-lone: model act-lone has no previous version to roll back to",
    );
  });
});

describe("vane canary and vane shadow", () => {
  it("canary routes a share of requests, given as a percentage, to the candidate", async () => {
    const run = await worker.vane(["canary", "act-canary", "25%"]);
    expect(run.code).toBe(0);
    expect(run.stdout.split("\n")[0]).toBe("act-canary: candidate 2 (canary 25%)");
    expect(await stateOf("act-canary")).toMatchObject({
      candidate: { version: 2, mode: "canary", share: 0.25 },
    });
  });

  it("shadow scores a share of requests, given as a fraction, beside the active version", async () => {
    await admin("act-shadow", "/candidate", { mode: "canary", share: 0.05 }, "PUT");
    const run = await worker.vane(["shadow", "act-shadow", "0.5"]);
    expect(run.code).toBe(0);
    expect(run.stdout.split("\n")[0]).toBe("act-shadow: candidate 2 (shadow 50%)");
    expect(await stateOf("act-shadow")).toMatchObject({ candidate: { mode: "shadow", share: 0.5 } });
  });

  it("exits 2 for a share above 100% without calling the Worker", async () => {
    const run = await vane(
      ["canary", "act-canary", "150%", "--url", `http://127.0.0.1:${CLOSED_PORT}`],
      REPO,
      cliEnv(),
    );
    expect(run.code).toBe(2);
    expect(run.stderr.trim()).toBe('vane canary: <share> must be from 0 to 1 (or 0% to 100%), got "150%"');
  });

  it("exits 4 for a model without a candidate", async () => {
    const run = await worker.vane(["canary", "act-lone-canary", "0.1"]);
    expect(run.code).toBe(4);
    expect(run.stderr.trim()).toBe(
      "vane canary: routing the candidate of act-lone-canary: model act-lone-canary has no candidate",
    );
  });
});

describe("vane pin and vane unpin", () => {
  it("pin makes a version active and keeps the scheduler's hands off it", async () => {
    const run = await worker.vane(["pin", "act-pin", "2"]);
    expect(run.code).toBe(0);
    expect(run.stdout.split("\n").slice(0, 2)).toEqual([
      "act-pin: pinned 2",
      "  now: active 2, candidate none, previous 1, pinned",
    ]);
    expect(await stateOf("act-pin")).toMatchObject({ active: 2, pinned: true });
  });

  it("exits 3 pinning a version the model does not have", async () => {
    const run = await worker.vane(["pin", "act-pin", "9"]);
    expect(run.code).toBe(3);
    expect(run.stderr.trim()).toBe("vane pin: pinning act-pin@9: model act-pin has no version 9");
  });

  it("unpin hands the model back to the scheduler", async () => {
    await admin("act-unpin", "/pin", { version: 1 });
    const run = await worker.vane(["unpin", "act-unpin"]);
    expect(run.code).toBe(0);
    expect(run.stdout.split("\n")[0]).toBe("act-unpin: unpinned (active 1)");
    expect(await stateOf("act-unpin")).toMatchObject({ active: 1, pinned: false });
  });

  it("exits 4 unpinning a model that is not pinned", async () => {
    const run = await worker.vane(["unpin", "act-lone"]);
    expect(run.code).toBe(4);
    expect(run.stderr.trim()).toBe("vane unpin: unpinning act-lone: model act-lone is not pinned");
  });
});

describe("vane audit", () => {
  it("lists the model's records newest first, who did what and why", async () => {
    await admin("act-audit", "/candidate", { share: 0.2, reason: "more traffic" }, "PUT");
    await admin("act-audit", "/promote", { reason: "looks good" });
    const run = await worker.vane(["audit", "act-audit"]);
    expect(run.code).toBe(0);
    const rows = run.stdout
      .trim()
      .split("\n")
      .slice(2)
      .map((line) => line.split(/\s{2,}/).slice(1));
    expect(rows).toEqual([
      ["admin", "promote", "2", "1 -> 2", "looks good"],
      ["admin", "set_candidate_traffic", "2", "1 -> 1", "more traffic"],
    ]);
  });

  it("gives the API's page with --json, and a cursor for older records with --limit", async () => {
    const run = await worker.vane(["audit", "act-audit", "--limit", "1", "--json"]);
    expect(run.code).toBe(0);
    const api = await fetch(`${worker.url}/v1/admin/models/act-audit/audit?limit=1`, {
      headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
    });
    expect(JSON.parse(run.stdout)).toEqual(await api.json());
    const text = await worker.vane(["audit", "act-audit", "--limit", "1"]);
    expect(text.stdout.trim().split("\n").at(-1)).toMatch(
      /^older records: vane audit act-audit --cursor \S+$/,
    );
  });

  it("exits 6 without the admin token", async () => {
    const run = await worker.vane(["audit", "act-audit"], null);
    expect(run.code).toBe(6);
    expect(run.stderr).toContain("[sent no token (VANE_ADMIN_TOKEN is not set)]");
  });
});

describe("vane drift", () => {
  it("prints each feature's PSI, KS and flag as GET /drift answers them, after 2003 mail", async () => {
    await predictAndWait(worker, "act-drift", await testMails("2003", 30), "user-17:drift");
    const json = await worker.vane(
      ["drift", "act-drift", "--window", "1h", "--version", "1", "--json"],
      null,
    );
    expect(json.code).toBe(0);
    const report = JSON.parse(json.stdout);
    const api = await (await fetch(`${worker.url}/v1/models/act-drift/drift?window=1h&version=1`)).json();
    expect({ ...report, until: null }).toEqual({ ...api, until: null });

    const run = await worker.vane(["drift", "act-drift", "--window", "1h", "--version", "1"], null);
    expect(run.code).toBe(0);
    const lines = run.stdout.split("\n");
    expect(lines[2]).toBe(
      `version 1 (requested): 30 samples, reference of ${api.versions[0].referenceSamples} rows`,
    );
    expect(lines[3]).toMatch(/^ {2}as active: 30 samples, latency p50 \d+\.\d ms, p99 \d+\.\d ms$/);
    const features = api.versions[0].byRole.active.features as Record<
      string,
      { psi: number; kind: string } | null
    >;
    for (const [feature, stats] of Object.entries(features)) {
      const row = lines
        .find((line) => line.trim().startsWith(`${feature} `))
        ?.trim()
        .split(/\s{2,}/);
      if (stats === null || stats.kind === "data-quality") continue;
      expect(row?.slice(0, 4)).toEqual([feature, stats.kind, "30", stats.psi.toFixed(3)]);
      expect(row?.at(-1) === "drifted").toBe(stats.psi > 0.2);
    }
  });

  it("exits 3 naming window for a lookback shorter than one drift window", async () => {
    const run = await worker.vane(["drift", "act-drift", "--window", "5m"], null);
    expect(run.code).toBe(3);
    expect(run.stderr).toMatch(/^vane drift: window: /);
  });

  it("exits 3 for a model the Worker does not have", async () => {
    const run = await worker.vane(["drift", "no-such-model"], null);
    expect(run.code).toBe(3);
    expect(run.stderr.trim()).toBe(
      "vane drift: reading the drift of no-such-model: no model named no-such-model",
    );
  });
});
