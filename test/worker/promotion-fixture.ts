/**
 * Helpers for the promotion, feedback and admin tests: calls into the Worker's real handlers with an
 * execution context the test waits on (so waitUntil work, such as shadow scoring and prediction
 * records, has finished when a call returns), replayed mail, feedback, cron runs and the audit log.
 */
import { createExecutionContext, createScheduledController, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import worker from "../../src/index.js";
import type { AuditRecord } from "../../src/registry/state.js";
import { type RegistryState, readStateFromR2 } from "../../src/registry/state.js";
import { expectConforms } from "./contract.js";
import type { ReplayMail } from "./fixtures.js";
import { call } from "./request.js";

type Handlers = Required<Pick<ExportedHandler<Env>, "fetch" | "scheduled">>;
const handlers = worker as unknown as Handlers;

export const ADMIN_TOKEN = "test-admin-token";

/** The Worker's bindings without the queue: drift samples are parked in KV for the cron to fold. */
export const withoutQueue = { ...env, DRIFT_SAMPLES: undefined } as unknown as Env;

/**
 * One request through the Worker's fetch handler, returning once its waitUntil work is done; the
 * answer is held to the OpenAPI document (contract.ts).
 */
export async function settled(request: Request, bindings: Env = env): Promise<Response> {
  const ctx = createExecutionContext();
  const response = await handlers.fetch(
    request.clone() as unknown as Request<unknown, IncomingRequestCfProperties>,
    bindings,
    ctx,
  );
  const body = await response.arrayBuffer();
  await waitOnExecutionContext(ctx);
  const answer = new Response(body, response);
  await expectConforms(request, answer);
  return answer;
}

export function jsonRequest(
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
) {
  return new Request(`https://vane.test${path}`, {
    method,
    headers: { ...(body === undefined ? {} : { "content-type": "application/json" }), ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
}

/** An admin call with the right token (or the given headers instead). */
export function admin(
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = { authorization: `Bearer ${ADMIN_TOKEN}` },
): Promise<Response> {
  return settled(jsonRequest(method, `/v1/admin${path}`, body, headers));
}

/** Something replayed with its true label: a mail, or a dataset row's named instance. */
export interface Labelled {
  label: string;
}

export interface Answer<T extends Labelled = ReplayMail> {
  requestId: string;
  /** The replayed mail (or other labelled item). */
  mail: T;
  index: number;
  version: number;
  role: string;
  label: string;
  /** The response's vane-feedback-token, which lets this caller label the request. */
  token: string;
}

const textInstance = (mail: ReplayMail) => ({ text: mail.text });

/** Predicts each mail, in batches of `batch` per request with ids `<prefix>-<n>`; one answer per mail. */
export function replay(
  model: string,
  mails: readonly ReplayMail[],
  options: { prefix: string; bindings?: Env; batch?: number; headers?: Record<string, string> },
): Promise<Answer[]> {
  return replayInstances(model, mails, textInstance, options);
}

/** Predicts each item as the instance `instanceOf` makes of it, as `replay` does mails. */
export async function replayInstances<T extends Labelled>(
  model: string,
  items: readonly T[],
  instanceOf: (item: T) => unknown,
  options: { prefix: string; bindings?: Env; batch?: number; headers?: Record<string, string> },
): Promise<Answer<T>[]> {
  const size = options.batch ?? 8;
  const answers: Answer<T>[] = [];
  for (let start = 0; start < items.length; start += size) {
    const chunk = items.slice(start, start + size);
    const requestId = `${options.prefix}-${start / size}`;
    const response = await settled(
      jsonRequest(
        "POST",
        `/v1/models/${model}/predict`,
        { instances: chunk.map(instanceOf) },
        { "x-request-id": requestId, ...options.headers },
      ),
      options.bindings,
    );
    if (response.status !== 200)
      throw new Error(`predict answered ${response.status}: ${await response.text()}`);
    const body = (await response.json()) as {
      version: number;
      role: string;
      predictions: Array<{ label: string }>;
    };
    for (const [index, mail] of chunk.entries()) {
      answers.push({
        requestId,
        mail,
        index,
        version: body.version,
        role: body.role,
        label: body.predictions[index].label,
        token: response.headers.get("vane-feedback-token") ?? "",
      });
    }
  }
  return answers;
}

/** Sends the true label of every answered mail as feedback; returns the summed counts. */
export async function labelAll<T extends Labelled>(model: string, answers: readonly Answer<T>[]) {
  const totals = { matched: 0, unknown: 0, duplicates: 0 };
  for (let start = 0; start < answers.length; start += 200) {
    const labels = answers
      .slice(start, start + 200)
      .map((a) => ({ requestId: a.requestId, index: a.index, label: a.mail.label, token: a.token }));
    const response = await settled(jsonRequest("POST", `/v1/models/${model}/feedback`, { labels }));
    if (response.status !== 200)
      throw new Error(`feedback answered ${response.status}: ${await response.text()}`);
    const body = (await response.json()) as typeof totals;
    totals.matched += body.matched;
    totals.unknown += body.unknown;
    totals.duplicates += body.duplicates;
  }
  return totals;
}

/** Share of `predicted` that equals the mails' labels. */
export function accuracyOf(predicted: readonly string[], mails: readonly Labelled[]): number {
  return predicted.filter((label, i) => label === mails[i].label).length / mails.length;
}

/** One run of the Worker's scheduled handler, as the cron trigger starts it. */
export async function cron(bindings: Env = env, scheduledTime = Date.now()): Promise<void> {
  const controller = createScheduledController({ scheduledTime, cron: "*/10 * * * *" });
  const ctx = createExecutionContext();
  await handlers.scheduled(controller, bindings, ctx);
  await waitOnExecutionContext(ctx);
}

/** The model's audit log, newest first (every page). */
export async function auditLog(model: string): Promise<AuditRecord[]> {
  const records: AuditRecord[] = [];
  let cursor: string | null = null;
  do {
    const query: string = cursor ? `?limit=100&cursor=${cursor}` : "?limit=100";
    const response = await admin("GET", `/models/${model}/audit${query}`);
    const page = (await response.json()) as { records: AuditRecord[]; cursor: string | null };
    records.push(...page.records);
    cursor = page.cursor;
  } while (cursor);
  return records;
}

/** How a promotion or rejection compared the candidate with the active version, as its audit record says. */
export interface PromotionComparison {
  basis: string;
  candidate: { labels: number; accuracy: number };
  active: { labels: number; accuracy: number };
}

export function comparisonOf(record: AuditRecord): PromotionComparison {
  return record.numbers.comparison as PromotionComparison;
}

export async function stateOf(model: string): Promise<RegistryState> {
  const found = await readStateFromR2(env.MODELS, model);
  if (!found) throw new Error(`no state for ${model}`);
  return found.state;
}

/** Drift samples the windows hold for `version` (any role), through the drift endpoint. */
export async function samplesOf(model: string, version: number): Promise<Record<string, number>> {
  const response = await call(`/v1/models/${model}/drift?window=1h&version=${version}`);
  const body = (await response.json()) as {
    versions: Array<{ byRole: Record<string, { samples: number }> }>;
  };
  const byRole = body.versions[0]?.byRole ?? {};
  return Object.fromEntries(Object.entries(byRole).map(([role, drift]) => [role, drift.samples]));
}

/** Waits until the real queue consumer has folded `expected` samples of `version` (any role). */
export async function queueFolded(model: string, version: number, expected: number, timeoutMs = 45_000) {
  const total = async () => Object.values(await samplesOf(model, version)).reduce((a, b) => a + b, 0);
  const deadline = Date.now() + timeoutMs;
  let count = await total();
  while (count < expected && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 250));
    count = await total();
  }
  return count;
}
