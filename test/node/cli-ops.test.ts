/**
 * The operator's commands (`vane status`, `vane models`, `vane feedback send`) run as a user runs
 * them, against a real local Worker (wrangler dev on a loopback port) seeded with copies of the
 * shipped spam versions: what they print, what `--json` gives, and each refusal's exit code.
 */
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  ADMIN_TOKEN,
  cliEnv as env,
  predictAndWait,
  startTestWorker,
  type TestWorker,
  testMails,
} from "./local-worker.js";
import { REPO, vane } from "./run-cli.js";

const PORT = 8831;
/** A port nothing listens on (the test Worker's, plus one). */
const CLOSED_PORT = PORT + 1;

const MODELS = {
  listed: "ops-models",
  status: "ops-status",
  feedbackCsv: "ops-feedback-csv",
  feedbackJsonl: "ops-feedback-jsonl",
  feedbackTwice: "ops-feedback-twice",
  feedbackRefused: "ops-feedback-refused",
} as const;

let worker: TestWorker;
let mails: Awaited<ReturnType<typeof testMails>>;

beforeAll(async () => {
  worker = await startTestWorker(PORT, [
    { name: MODELS.listed, versions: [1, 2], candidate: { mode: "shadow", share: 0.1 } },
    { name: MODELS.status, versions: [1, 2], candidate: { mode: "canary", share: 0.25 } },
    { name: MODELS.feedbackCsv, versions: [1] },
    { name: MODELS.feedbackJsonl, versions: [1] },
    { name: MODELS.feedbackTwice, versions: [1] },
    { name: MODELS.feedbackRefused, versions: [1] },
  ]);
  mails = await testMails("2003", 40);
});

afterAll(async () => {
  await worker?.dispose();
});

const ops = (args: string[], token: string | null = ADMIN_TOKEN) => worker.vane(args, token);
const predictMails = (model: string, prefix: string, count: number) =>
  predictAndWait(worker, model, mails.slice(0, count), prefix);

async function labelFile(name: string, text: string): Promise<string> {
  const path = join(worker.persistTo, name);
  await writeFile(path, text);
  return path;
}

describe("vane models", () => {
  it("prints a line per model: active, candidate with its mode and share, versions, input and task", async () => {
    const run = await ops(["models"], null);
    expect(run.code).toBe(0);
    const line = run.stdout.split("\n").find((l) => l.startsWith(`${MODELS.listed} `));
    expect(line?.split(/\s{2,}/)).toEqual([
      MODELS.listed,
      "1",
      "2 (shadow 10%)",
      "-",
      "1, 2",
      "hashed-text/classification",
    ]);
  });

  it("gives each model's summary and versions with --json, as GET /v1/models/{name} answers", async () => {
    const run = await ops(["models", "--json"], null);
    expect(run.code).toBe(0);
    const { models } = JSON.parse(run.stdout) as { models: Array<{ name: string }> };
    const listed = models.find((m) => m.name === MODELS.listed);
    const api = await (await fetch(`${worker.url}/v1/models/${MODELS.listed}`)).json();
    expect(listed).toEqual(api);
  });
});

describe("vane status", () => {
  it("shows the Worker up and a model's active version, canary share and that no run has decided yet", async () => {
    const run = await ops(["status", MODELS.status]);
    expect(run.code).toBe(0);
    const [up, , header, , row, , lastRun] = run.stdout.trim().split("\n");
    expect(up).toMatch(new RegExp(`^${worker.url}: up \\(Worker time \\d{4}-\\d\\d-\\d\\dT`));
    expect(header.split(/\s{2,}/)).toEqual([
      "model",
      "active",
      "candidate",
      "previous",
      "pinned",
      "probation",
      "alert",
    ]);
    expect(row.split(/\s{2,}/)).toEqual([MODELS.status, "1", "2 (canary 25%)", "-", "-", "-", "-"]);
    expect(lastRun).toBe(`${MODELS.status}: no scheduled run yet`);
  });

  it("shows what the last scheduled run decided, with each side's samples and accuracy", async () => {
    const scheduled = await fetch(`${worker.url}/__scheduled?cron=*/10+*+*+*+*`);
    expect(scheduled.status).toBe(200);
    const run = await ops(["status", MODELS.status]);
    expect(run.code).toBe(0);
    const lines = run.stdout.trim().split("\n");
    expect(lines.at(-3)).toMatch(new RegExp(`^${MODELS.status}: last run \\S+ decided wait 2: `));
    expect(lines.at(-2)).toBe("  active 1: 0 samples, max PSI -, accuracy - on 0 labels");
    expect(lines.at(-1)).toBe("  candidate 2: 0 samples, max PSI -, accuracy - on 0 labels");
  });

  it("gives the admin state, effective policy and last evaluation with --json", async () => {
    const run = await ops(["status", MODELS.status, "--json"]);
    expect(run.code).toBe(0);
    const data = JSON.parse(run.stdout);
    expect(data.health.status).toBe("ok");
    expect(data.models).toHaveLength(1);
    expect(data.models[0].state).toMatchObject({
      name: MODELS.status,
      active: 1,
      candidate: { version: 2, mode: "canary", share: 0.25 },
    });
    expect(data.models[0].policy.driftPsi).toBe(0.2);
  });

  it("exits 5 naming the URL when nothing answers there", async () => {
    const url = `http://127.0.0.1:${CLOSED_PORT}`;
    const run = await vane(["status", "--url", url], REPO, env());
    expect(run.code).toBe(5);
    expect(run.stderr.trim()).toBe(`vane status: cannot reach the Worker at ${url} (ECONNREFUSED)`);
  });

  it("exits 6 when the Worker refuses the admin token, saying which token was sent", async () => {
    const run = await ops(["status", MODELS.status], "not-the-token");
    expect(run.code).toBe(6);
    expect(run.stderr.trim()).toBe(
      `vane status: reading the state of ${MODELS.status}: the admin API needs a valid bearer token (Authorization: Bearer <token>) [sent the token in VANE_ADMIN_TOKEN]`,
    );
  });

  it("exits 6 without a token, naming the variable to set", async () => {
    const run = await ops(["status", MODELS.status], null);
    expect(run.code).toBe(6);
    expect(run.stderr).toContain("[sent no token (VANE_ADMIN_TOKEN is not set)]");
  });

  it("exits 3 for a model the Worker does not have", async () => {
    const run = await ops(["status", "no-such-model"]);
    expect(run.code).toBe(3);
    expect(run.stderr.trim()).toBe(
      "vane status: reading the state of no-such-model: no model named no-such-model",
    );
  });

  it("exits 2 for a name that cannot be a model's, without calling the Worker", async () => {
    const run = await vane(
      ["status", "Not_A_Model", "--url", `http://127.0.0.1:${CLOSED_PORT}`],
      REPO,
      env(),
    );
    expect(run.code).toBe(2);
    expect(run.stderr).toContain("<model> must match");
  });
});

describe("vane feedback send", () => {
  it("sends a CSV of request ids, labels and feedback tokens, and counts what matched", async () => {
    const predicted = await predictMails(MODELS.feedbackCsv, "user-17:csv", 12);
    const csv = [
      "requestId,label,token",
      ...predicted.map((p) => `${p.requestId},${p.label},${p.token}`),
    ].join("\n");
    const file = await labelFile("labels.csv", `${csv}\n`);
    const run = await ops(["feedback", "send", MODELS.feedbackCsv, file], null);
    expect(run.stderr).toBe("");
    expect(run.code).toBe(0);
    expect(run.stdout.trim()).toBe(
      `sent 12 labels for ${MODELS.feedbackCsv} from ${file} in 1 call(s): 12 matched a logged prediction, 0 unknown (0 outside the prediction log's share, the others expired or never seen), 0 counted before`,
    );
  });

  it("sends a JSONL without tokens under the admin token, in calls of 256, and counts unknown ids apart", async () => {
    const predicted = await predictMails(MODELS.feedbackJsonl, "user-17:jsonl", 4);
    const unknown = Array.from({ length: 296 }, (_, i) => ({
      requestId: `user-17:never-predicted-${i}`,
      label: "ham",
    }));
    const lines = [...predicted.map(({ requestId, label }) => ({ requestId, label })), ...unknown];
    const file = await labelFile("labels.jsonl", lines.map((l) => JSON.stringify(l)).join("\n"));
    const run = await ops(["feedback", "send", MODELS.feedbackJsonl, file, "--json"]);
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout)).toEqual({
      model: MODELS.feedbackJsonl,
      file,
      labels: 300,
      calls: 2,
      matched: 4,
      unknown: 296,
      unlogged: 0,
      duplicates: 0,
    });
  });

  it("counts labels sent twice as counted before", async () => {
    const predicted = await predictMails(MODELS.feedbackTwice, "user-17:twice", 4);
    const file = await labelFile(
      "again.jsonl",
      predicted.map(({ requestId, label }) => JSON.stringify({ requestId, label })).join("\n"),
    );
    expect((await ops(["feedback", "send", MODELS.feedbackTwice, file])).code).toBe(0);
    const run = await ops(["feedback", "send", MODELS.feedbackTwice, file, "--json"]);
    expect(JSON.parse(run.stdout)).toMatchObject({ matched: 4, duplicates: 4 });
  });

  it("exits 6 for labels without tokens and no admin token, naming each label refused", async () => {
    const file = await labelFile("untokened.csv", "request_id,label\nuser-17,spam\nuser-18,ham\n");
    const run = await ops(["feedback", "send", MODELS.feedbackRefused, file], null);
    expect(run.code).toBe(6);
    expect(run.stderr).toContain("labels[0].token");
    expect(run.stderr).toContain("labels[1].token");
  });

  it("exits 3 naming every bad line before anything is sent", async () => {
    const file = await labelFile("bad.csv", "requestId,label\nuser-17,spam\nuser 18,ham\nuser-19,\n");
    const run = await ops(["feedback", "send", MODELS.feedbackRefused, file]);
    expect(run.code).toBe(3);
    expect(run.stderr).toContain(`${file}:3.requestId: 1 to 128 characters of A-Z a-z 0-9 . _ : -`);
    expect(run.stderr).toContain(`${file}:4.label: Invalid input`);
  });

  it("exits 3 for a model the Worker does not have", async () => {
    const file = await labelFile("some.csv", "requestId,label\nuser-17,spam\n");
    const run = await ops(["feedback", "send", "no-such-model", file]);
    expect(run.code).toBe(3);
    expect(run.stderr.trim()).toBe(
      "vane feedback send: sending feedback for no-such-model: no model named no-such-model",
    );
  });

  it("lists its subcommands when none is named", async () => {
    const run = await vane(["feedback"], REPO, env());
    expect(run.code).toBe(2);
    expect(run.stderr).toContain("send");
  });
});
