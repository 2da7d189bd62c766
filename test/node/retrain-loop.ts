/**
 * The steps of the retraining loop against a real local Worker (local-worker.ts), as the retrain
 * stories take them for any model: instances predicted in batches and waited for, their labels sent
 * back with `vane feedback send`, the retrained version routed as a shadow candidate of every
 * request, and one scheduled run's decision on it.
 */
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { expect } from "vitest";
import { ADMIN_TOKEN, type TestWorker } from "./local-worker.js";

export interface Sent {
  requestId: string;
  index: number;
  label: string;
}

/** Predictions the Worker logged per version in the last hour (its drift sample counts). */
async function samples(worker: TestWorker, model: string): Promise<Record<number, number>> {
  const response = await fetch(`${worker.url}/v1/models/${model}/drift?window=1h`);
  const body = (await response.json()) as { versions: Array<{ version: number; samples: number }> };
  return Object.fromEntries(body.versions.map((v) => [v.version, v.samples]));
}

/**
 * Predicts the instances, `batch` per request (`<prefix>-<n>`), and waits until every version in
 * `versions` has logged them all; returns each instance's request, index and true label.
 */
export async function predictLabelled(
  worker: TestWorker,
  model: string,
  rows: ReadonlyArray<{ instance: unknown; label: string }>,
  options: { prefix: string; versions: number[]; batch: number },
): Promise<Sent[]> {
  const before = await samples(worker, model);
  const sent: Sent[] = [];
  for (let start = 0; start < rows.length; start += options.batch) {
    const chunk = rows.slice(start, start + options.batch);
    const requestId = `${options.prefix}-${start / options.batch}`;
    const response = await fetch(`${worker.url}/v1/models/${model}/predict`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-request-id": requestId },
      body: JSON.stringify({ instances: chunk.map((row) => row.instance) }),
    });
    expect(response.status).toBe(200);
    for (const [index, row] of chunk.entries()) sent.push({ requestId, index, label: row.label });
  }
  const deadline = Date.now() + 90_000;
  for (;;) {
    const now = await samples(worker, model);
    if (options.versions.every((v) => (now[v] ?? 0) - (before[v] ?? 0) >= rows.length)) return sent;
    if (Date.now() > deadline)
      throw new Error(`${model}: the Worker logged fewer than ${rows.length} predictions`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

/** `vane feedback send` of the labels, from a file in the Worker's directory. */
export async function sendLabels(worker: TestWorker, model: string, labels: readonly Sent[]) {
  const file = join(worker.persistTo, `${model}-${labels[0].requestId}.jsonl`);
  await writeFile(file, labels.map((label) => JSON.stringify(label)).join("\n"));
  const run = await worker.vane(["feedback", "send", model, file, "--json"]);
  expect(run.code).toBe(0);
  return JSON.parse(run.stdout) as { matched: number };
}

/**
 * Routes the published candidate through the admin API as a shadow of every request (the Worker
 * caches registry state: a change through its API refreshes it).
 */
export async function routeShadow(worker: TestWorker, model: string): Promise<void> {
  const routed = await fetch(`${worker.url}/v1/admin/models/${model}/candidate`, {
    method: "PUT",
    headers: { "content-type": "application/json", authorization: `Bearer ${ADMIN_TOKEN}` },
    body: JSON.stringify({
      mode: "shadow",
      share: 1,
      reason: "every request scores the retrained candidate",
    }),
  });
  expect(routed.status).toBe(200);
}

export interface Decision {
  decision?: { actor: string; action: string; version: number; reason: string };
  state: { active: number };
}

/** One scheduled run, then its decision on `version` (the newest scheduler record of it) and the state. */
export async function scheduledDecision(
  worker: TestWorker,
  model: string,
  version: number,
): Promise<Decision> {
  const scheduled = await fetch(`${worker.url}/__scheduled?cron=*/10+*+*+*+*`);
  expect(scheduled.status).toBe(200);
  const audit = await fetch(`${worker.url}/v1/admin/models/${model}/audit?limit=10`, {
    headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
  });
  const { records } = (await audit.json()) as { records: NonNullable<Decision["decision"]>[] };
  const state = (await (await fetch(`${worker.url}/v1/models/${model}`)).json()) as Decision["state"];
  // Newest first; the run decides again after a decision (a rejection leaves v1 drifted: an alert).
  return { decision: records.find((r) => r.actor === "scheduler" && r.version === version), state };
}
