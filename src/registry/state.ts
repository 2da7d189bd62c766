/**
 * Per-model registry state: which version is active, which earlier versions may take over, and the
 * candidate under evaluation. R2 holds the truth and is only ever written with a conditional put, so
 * two writers racing cannot both win. The edge reads it through an isolate cache and KV.
 */
import { z } from "zod";
import { PolicyOverrides } from "../core/policy.js";
import { keys } from "./keys.js";
import { kvKeys } from "./kv-keys.js";

const Version = z.number().int().positive();

export const CandidateState = z.object({
  version: Version,
  /** shadow: scored beside the active version, never answers; canary: answers a sticky share. */
  mode: z.enum(["shadow", "canary"]),
  share: z.number().min(0).max(1),
  since: z.iso.datetime(),
});
export type CandidateState = z.infer<typeof CandidateState>;

/** A promoted version under watch: rolled back if its live accuracy falls below the one it replaced. */
export const ProbationState = z.object({
  version: Version,
  promotedAt: z.iso.datetime(),
  /** The version it replaced (restored by a rollback); null if there was none. */
  replaced: Version.nullable(),
  by: z.enum(["scheduler", "admin"]),
});
export type ProbationState = z.infer<typeof ProbationState>;

export const ACTORS = ["scheduler", "admin"] as const;
export const Actor = z.enum(ACTORS);
export type Actor = z.infer<typeof Actor>;

/** The most recent decisions and actions, newest last, each naming its audit record. */
export const MAX_DECISIONS = 20;
export const DecisionEntry = z.object({
  audit: z.string(),
  at: z.iso.datetime(),
  actor: Actor,
  action: z.string(),
  version: Version.nullable(),
  reason: z.string(),
});
export type DecisionEntry = z.infer<typeof DecisionEntry>;

/** Webhook deliveries not yet acknowledged (an outbox: written with the decision, retried each run). */
export const MAX_DELIVERIES = 50;
/** Changes between two scheduled runs whose audit records may still be unwritten. */
export const MAX_AUDIT_OUTBOX = 50;
export const PendingDelivery = z.object({
  /** The audit record id: receivers deduplicate on it (deliveries are at least once). */
  id: z.string(),
  payload: z.record(z.string(), z.unknown()),
  attempts: z.number().int().nonnegative(),
  createdAt: z.iso.datetime(),
  lastAttemptAt: z.iso.datetime().nullable(),
  lastError: z.string().nullable(),
});
export type PendingDelivery = z.infer<typeof PendingDelivery>;

/** An open drift alert on the active version, so it is raised once, not every run. */
export const DriftAlertState = z.object({
  version: Version,
  since: z.iso.datetime(),
  features: z.array(z.string()),
});

/** The active version failed to load (the serving path falls back): audited once, cleared on recovery. */
export const UnavailableState = z.object({
  version: Version,
  since: z.iso.datetime(),
  reason: z.string(),
});

/** What an audit record keeps of the state: everything but its own bookkeeping (decisions, outbox). */
export const AuditSnapshot = z.object({
  active: z.number().int().nullable(),
  previous: z.array(z.number().int()),
  candidate: CandidateState.nullable(),
  pinned: z.boolean(),
  probation: ProbationState.nullable(),
  policy: PolicyOverrides,
  alert: DriftAlertState.nullable(),
  activeUnavailable: UnavailableState.nullable(),
});
export type AuditSnapshot = z.infer<typeof AuditSnapshot>;

export const AuditRecord = z.object({
  /** `<zero-padded epoch ms>-<random id>`, the object's name: ids sort by time. */
  id: z.string(),
  model: z.string(),
  at: z.iso.datetime(),
  actor: Actor,
  action: z.string(),
  /** The version the action is about (promoted, rejected, restored...), if one. */
  version: z.number().int().nullable(),
  reason: z.string(),
  numbers: z.record(z.string(), z.unknown()),
  before: AuditSnapshot,
  after: AuditSnapshot,
});
export type AuditRecord = z.infer<typeof AuditRecord>;

export const RegistryState = z.object({
  name: z.string(),
  active: Version.nullable(),
  /** Versions that were active before, most recent first: fallbacks when the active one cannot load. */
  previous: z.array(Version).default([]),
  candidate: CandidateState.nullable().default(null),
  /** Share of predictions sampled for drift; overrides the DRIFT_SAMPLE_RATE var. */
  sampleRate: z.number().min(0).max(1).optional(),
  /** Set by an admin pin: the scheduler neither promotes nor rolls back until unpinned. */
  pinned: z.boolean().default(false),
  probation: ProbationState.nullable().default(null),
  /** Per-model overrides of the promotion policy vars. */
  policy: PolicyOverrides.default({}),
  decisions: z.array(DecisionEntry).max(MAX_DECISIONS).default([]),
  deliveries: z.array(PendingDelivery).max(MAX_DELIVERIES).default([]),
  /** Audit records written with their change, kept until their own objects are written. */
  auditOutbox: z.array(AuditRecord).max(MAX_AUDIT_OUTBOX).default([]),
  alert: DriftAlertState.nullable().default(null),
  activeUnavailable: UnavailableState.nullable().default(null),
  updatedAt: z.iso.datetime(),
});
export type RegistryState = z.infer<typeof RegistryState>;
/** A state as stored or written by hand: every field with a default may be left out. */
export type RegistryStateInput = z.input<typeof RegistryState>;

/** The state of a model before its first version: nothing active, nothing decided. */
export function emptyState(name: string, at: string): RegistryState {
  return RegistryState.parse({ name, active: null, updatedAt: at });
}

export interface VersionedState {
  state: RegistryState;
  etag: string;
}

/** How long an isolate trusts its copy of a state, and how long KV keeps one. */
const ISOLATE_TTL_MS = 5_000;
const KV_TTL_SECONDS = 60;

const isolateCache = new Map<string, { state: RegistryState; fetchedAt: number }>();

/** Reads the source of truth, with its etag for a later conditional write. */
export async function readStateFromR2(bucket: R2Bucket, name: string): Promise<VersionedState | null> {
  const object = await bucket.get(keys.state(name));
  if (!object) return null;
  return { state: RegistryState.parse(await object.json()), etag: object.etag };
}

/**
 * The state the edge serves from: isolate cache, then KV, then R2. A failing KV is skipped; a failing
 * R2 falls back to the last copy this isolate saw, so a storage fault never stops a serving model.
 */
export async function readState(env: Env, name: string): Promise<RegistryState | null> {
  const cached = isolateCache.get(name);
  if (cached && Date.now() - cached.fetchedAt < ISOLATE_TTL_MS) return cached.state;
  try {
    const fromKv = await env.REGISTRY_CACHE.get(kvKeys.state(name), "json");
    const parsed = RegistryState.safeParse(fromKv);
    if (parsed.success) return remember(name, parsed.data);
  } catch (error) {
    console.warn(JSON.stringify({ event: "state_cache_read_failed", name, message: String(error) }));
  }
  try {
    const fromR2 = await readStateFromR2(env.MODELS, name);
    if (!fromR2) return null;
    await env.REGISTRY_CACHE.put(kvKeys.state(name), JSON.stringify(fromR2.state), {
      expirationTtl: KV_TTL_SECONDS,
    }).catch(() => undefined);
    return remember(name, fromR2.state);
  } catch (error) {
    if (cached) return cached.state;
    throw error;
  }
}

function remember(name: string, state: RegistryState): RegistryState {
  isolateCache.set(name, { state, fetchedAt: Date.now() });
  return state;
}

/**
 * Writes `next` only if the stored state still has `etag` (or, with `etag` null, only if there is
 * none yet). Returns the new etag, or null when another writer got there first: re-read and re-decide.
 */
export async function writeState(env: Env, next: RegistryState, etag: string | null): Promise<string | null> {
  const body = JSON.stringify(RegistryState.parse(next));
  const onlyIf = etag === null ? new Headers({ "if-none-match": "*" }) : { etagMatches: etag };
  const written = await env.MODELS.put(keys.state(next.name), body, {
    onlyIf,
    httpMetadata: { contentType: "application/json" },
  });
  if (!written) return null;
  remember(next.name, next);
  await env.REGISTRY_CACHE.put(kvKeys.state(next.name), body, { expirationTtl: KV_TTL_SECONDS }).catch(
    () => undefined,
  );
  return written.etag;
}

/** Model names that have a registry state, for listing. */
export async function listModelNames(bucket: R2Bucket): Promise<string[]> {
  const names: string[] = [];
  let cursor: string | undefined;
  do {
    const page = await bucket.list({ prefix: keys.registryPrefix, delimiter: "/", cursor });
    for (const prefix of page.delimitedPrefixes) names.push(prefix.slice(keys.registryPrefix.length, -1));
    cursor = page.truncated ? page.cursor : undefined;
  } while (cursor);
  return names.sort();
}
