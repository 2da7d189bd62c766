/**
 * The one writer of registry state, and the audit trail it leaves.
 *
 * Every change to a model's state goes through `commit`: read the state and its etag from R2, let the
 * caller decide on that exact state, write the result with an etag-conditional put, and on a lost race
 * read again and decide again. Each committed change appends one immutable record at
 * `registry/<name>/audit/<zero-padded epoch ms>-<random id>.json`: who (scheduler or admin), what,
 * why, the numbers behind it, and the state before and after. The state itself keeps the last few
 * decisions (naming their records) and, when a webhook is configured, an outbox of deliveries that are
 * written in the same conditional put as the decision, so a decision is never lost to a failed POST.
 *
 * Order of writes: the record rides in the state's audit outbox, in the same conditional put as the
 * change, and is then written to its own object; every scheduled run writes what is still in the
 * outbox and empties it. A crash between the two writes therefore delays a record, never loses it,
 * and a change that lost its race never gets a record (which would be a lie).
 */

import { UnavailableError } from "../core/errors.js";
import { keys } from "./keys.js";
import {
  type Actor,
  AuditRecord,
  type AuditSnapshot,
  type DecisionEntry,
  emptyState,
  MAX_AUDIT_OUTBOX,
  MAX_DECISIONS,
  MAX_DELIVERIES,
  type PendingDelivery,
  type RegistryState,
  readStateFromR2,
  type VersionedState,
  writeState,
} from "./state.js";

const MAX_WRITE_ATTEMPTS = 8;

export const AUDIT_ID = /^\d{15}-[0-9a-f]{12}$/;

export function snapshot(state: RegistryState): AuditSnapshot {
  return {
    active: state.active,
    previous: state.previous,
    candidate: state.candidate,
    pinned: state.pinned,
    probation: state.probation,
    policy: state.policy,
    alert: state.alert,
    activeUnavailable: state.activeUnavailable,
  };
}

let lastIdMs = 0;

/** A fresh record id; strictly increasing within an isolate, so one run's records keep their order. */
export function newAuditId(now = Date.now()): { id: string; ms: number } {
  const ms = Math.max(now, lastIdMs + 1);
  lastIdMs = ms;
  const random = Array.from(crypto.getRandomValues(new Uint8Array(6)), (b) =>
    b.toString(16).padStart(2, "0"),
  ).join("");
  return { id: `${String(ms).padStart(15, "0")}-${random}`, ms };
}

/** One change a caller decides on: the next state, and what the record should say about it. */
export interface Change {
  action: string;
  reason: string;
  version: number | null;
  numbers?: Record<string, unknown>;
  next: RegistryState;
}

export interface CommitOptions {
  actor: Actor;
  /** When set, the change's delivery is added to the state's outbox in the same write. */
  webhookUrl: string | null;
}

export type CommitResult =
  | { committed: true; state: RegistryState; etag: string; record: AuditRecord }
  | { committed: false; state: RegistryState; etag: string };

/** The payload POSTed to the webhook for one record. */
export function deliveryPayload(record: AuditRecord): Record<string, unknown> {
  return {
    id: record.id,
    model: record.model,
    at: record.at,
    actor: record.actor,
    action: record.action,
    version: record.version,
    reason: record.reason,
    numbers: record.numbers,
    active: record.after.active,
    candidate: record.after.candidate?.version ?? null,
  };
}

/** Other writers kept winning the conditional put: the change may be asked for again. */
export class RegistryContendedError extends UnavailableError {
  constructor(name: string) {
    super(`registry state of ${name} stayed contended after ${MAX_WRITE_ATTEMPTS} attempts`);
  }
}

/**
 * Reads `name`'s state, asks `decide` for a change, writes it with the state's etag and appends the
 * audit record; re-reads and re-decides when another writer got there first. `decide` returning null
 * means no change. Returns null if the model has no state. `decide` may throw to refuse.
 */
export async function commit(
  env: Env,
  name: string,
  decide: (current: VersionedState) => Promise<Change | null> | Change | null,
  options: CommitOptions,
): Promise<CommitResult | null> {
  for (let attempt = 0; attempt < MAX_WRITE_ATTEMPTS; attempt++) {
    const current = await readStateFromR2(env.MODELS, name);
    if (!current) return null;
    const change = await decide(current);
    if (!change) return { committed: false, state: current.state, etag: current.etag };
    const written = await writeChange(env, name, current.state, current.etag, change, options);
    if (written) return written;
  }
  throw new RegistryContendedError(name);
}

/**
 * Creates `name`'s state (the registration of its first version) with the record of that change,
 * the state before being the empty one. Returns null if the model has a state already.
 */
export async function commitFirst(
  env: Env,
  name: string,
  change: Change,
  options: CommitOptions,
): Promise<CommitResult | null> {
  return writeChange(env, name, emptyState(name, new Date().toISOString()), null, change, options);
}

/** One conditional write of a change and its record; null when `etag` no longer holds. */
async function writeChange(
  env: Env,
  name: string,
  current: RegistryState,
  etag: string | null,
  change: Change,
  options: CommitOptions,
): Promise<CommitResult | null> {
  const { id, ms } = newAuditId();
  const at = new Date(ms).toISOString();
  const record: AuditRecord = {
    id,
    model: name,
    at,
    actor: options.actor,
    action: change.action,
    version: change.version,
    reason: change.reason,
    numbers: change.numbers ?? {},
    before: snapshot(current),
    after: snapshot(change.next),
  };
  const entry: DecisionEntry = {
    audit: id,
    at,
    actor: options.actor,
    action: change.action,
    version: change.version,
    reason: change.reason,
  };
  const deliveries: PendingDelivery[] = options.webhookUrl
    ? [
        ...current.deliveries,
        {
          id,
          payload: deliveryPayload(record),
          attempts: 0,
          createdAt: at,
          lastAttemptAt: null,
          lastError: null,
        },
      ]
    : current.deliveries;
  if (deliveries.length > MAX_DELIVERIES) {
    console.error(
      JSON.stringify({
        event: "webhook_outbox_full",
        name,
        dropped: deliveries.slice(0, deliveries.length - MAX_DELIVERIES).map((d) => d.id),
      }),
    );
  }
  const next: RegistryState = {
    ...change.next,
    updatedAt: at,
    decisions: [...current.decisions, entry].slice(-MAX_DECISIONS),
    deliveries: deliveries.slice(-MAX_DELIVERIES),
    auditOutbox: [...current.auditOutbox, record].slice(-MAX_AUDIT_OUTBOX),
  };
  const written = await writeState(env, next, etag);
  if (written === null) return null;
  // The record is safe in the outbox; writing it now only saves the next run the work.
  await appendAudit(env.MODELS, record);
  console.log(JSON.stringify({ event: "registry_change", ...entry, model: name }));
  return { committed: true, state: next, etag: written, record };
}

/**
 * A bookkeeping write that is not a registry change (the webhook outbox): same conditional write and
 * retry on conflict, no audit record. `update` returns null to leave the state as it is.
 */
export async function updateBookkeeping(
  env: Env,
  name: string,
  update: (state: RegistryState) => RegistryState | null,
): Promise<RegistryState | null> {
  for (let attempt = 0; attempt < MAX_WRITE_ATTEMPTS; attempt++) {
    const current = await readStateFromR2(env.MODELS, name);
    if (!current) return null;
    const next = update(current.state);
    if (!next) return current.state;
    if (await writeState(env, next, current.etag)) return next;
  }
  throw new RegistryContendedError(name);
}

/** Writes a record once (records are never overwritten); false if storage failed. */
export async function appendAudit(bucket: R2Bucket, record: AuditRecord): Promise<boolean> {
  const body = JSON.stringify(record);
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      await bucket.put(keys.audit(record.model, record.id), body, {
        onlyIf: new Headers({ "if-none-match": "*" }),
        httpMetadata: { contentType: "application/json" },
      });
      return true;
    } catch (error) {
      console.error(
        JSON.stringify({ event: "audit_write_failed", id: record.id, attempt, message: String(error) }),
      );
    }
  }
  return false;
}

/**
 * Writes the records still in `name`'s audit outbox (those of a run that died between its state write
 * and its record, or whose record write failed) and removes the ones written. Returns how many.
 */
export async function flushAuditOutbox(env: Env, name: string): Promise<number> {
  const current = await readStateFromR2(env.MODELS, name);
  if (!current || current.state.auditOutbox.length === 0) return 0;
  const written = new Set<string>();
  for (const record of current.state.auditOutbox) {
    if (await appendAudit(env.MODELS, record)) written.add(record.id);
  }
  await updateBookkeeping(env, name, (state) =>
    state.auditOutbox.some((record) => written.has(record.id))
      ? { ...state, auditOutbox: state.auditOutbox.filter((record) => !written.has(record.id)) }
      : null,
  );
  return written.size;
}

export interface AuditPage {
  records: AuditRecord[];
  /** Pass back as `cursor` for the next (older) page; null on the last page. */
  cursor: string | null;
}

/** One page of a model's audit records, newest first, older than `cursor` (a record id) if given. */
export async function listAudit(
  bucket: R2Bucket,
  name: string,
  options: { limit: number; cursor?: string },
): Promise<AuditPage> {
  const prefix = keys.auditPrefix(name);
  const ids: string[] = [];
  let listCursor: string | undefined;
  do {
    const page = await bucket.list({ prefix, cursor: listCursor });
    for (const object of page.objects) {
      const id = object.key.slice(prefix.length, -".json".length);
      if (AUDIT_ID.test(id) && (options.cursor === undefined || id < options.cursor)) ids.push(id);
    }
    listCursor = page.truncated ? page.cursor : undefined;
  } while (listCursor);
  ids.sort().reverse();
  const chosen = ids.slice(0, options.limit);
  const bodies = await Promise.all(chosen.map((id) => bucket.get(keys.audit(name, id))));
  const records: AuditRecord[] = [];
  for (const body of bodies) {
    const parsed = body ? AuditRecord.safeParse(await body.json()) : null;
    if (parsed?.success) records.push(parsed.data);
  }
  return { records, cursor: ids.length > chosen.length ? (chosen.at(-1) ?? null) : null };
}
