/**
 * Per-model registry state: which version is active, which earlier versions may take over, and the
 * candidate under evaluation. R2 holds the truth and is only ever written with a conditional put, so
 * two writers racing cannot both win. The edge reads it through an isolate cache and KV.
 */
import { z } from "zod";
import { keys } from "./keys.js";

const Version = z.number().int().positive();

export const CandidateState = z.object({
  version: Version,
  /** shadow: scored beside the active version, never answers; canary: answers a sticky share. */
  mode: z.enum(["shadow", "canary"]),
  share: z.number().min(0).max(1),
  since: z.iso.datetime(),
});
export type CandidateState = z.infer<typeof CandidateState>;

export const RegistryState = z.object({
  name: z.string(),
  active: Version.nullable(),
  /** Versions that were active before, most recent first: fallbacks when the active one cannot load. */
  previous: z.array(Version).default([]),
  candidate: CandidateState.nullable().default(null),
  /** Share of predictions sampled for drift; overrides the DRIFT_SAMPLE_RATE var. */
  sampleRate: z.number().min(0).max(1).optional(),
  updatedAt: z.iso.datetime(),
});
export type RegistryState = z.infer<typeof RegistryState>;

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
    const fromKv = await env.REGISTRY_CACHE.get(keys.stateCache(name), "json");
    const parsed = RegistryState.safeParse(fromKv);
    if (parsed.success) return remember(name, parsed.data);
  } catch (error) {
    console.warn(JSON.stringify({ event: "state_cache_read_failed", name, message: String(error) }));
  }
  try {
    const fromR2 = await readStateFromR2(env.MODELS, name);
    if (!fromR2) return null;
    await env.REGISTRY_CACHE.put(keys.stateCache(name), JSON.stringify(fromR2.state), {
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
  await env.REGISTRY_CACHE.put(keys.stateCache(next.name), body, { expirationTtl: KV_TTL_SECONDS }).catch(
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
