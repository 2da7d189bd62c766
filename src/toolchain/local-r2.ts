/**
 * The local R2 simulation that `wrangler dev` serves from, opened from Node with miniflare, the same
 * engine: the CLI gets the real R2 API, conditional puts included. A persist directory means what
 * wrangler's `--persist-to` means (the simulation lives in its v3/ folder), and a relative one is
 * taken from the project root, as wrangler does, so publishing from any directory lands where
 * `wrangler dev` reads.
 */
import { existsSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { Miniflare } from "miniflare";

export const LOCAL_BUCKET = "vane-models";
/** wrangler's default `--persist-to`, relative to the directory of wrangler.toml. */
export const DEFAULT_PERSIST_TO = ".wrangler/state";

/** This repository: the project the CLI belongs to, for a user standing outside any wrangler project. */
const OWN_ROOT = resolve(import.meta.dirname, "../..");

/** The nearest directory at or above `from` that holds a wrangler.toml, else this repository. */
export function projectRoot(from: string = process.cwd()): string {
  for (let dir = resolve(from); ; dir = dirname(dir)) {
    if (existsSync(join(dir, "wrangler.toml"))) return dir;
    if (dirname(dir) === dir) return OWN_ROOT;
  }
}

/** The absolute persist directory for a `--persist-to` as given (or absent), seen from `from`. */
export function resolvePersistTo(given: string | undefined, from: string = process.cwd()): string {
  return resolve(projectRoot(from), given ?? DEFAULT_PERSIST_TO);
}

/** The subset of the R2 binding the toolchain uses. */
export interface LocalBucket {
  get(key: string): Promise<{ etag: string; text(): Promise<string> } | null>;
  head(key: string): Promise<{ etag: string } | null>;
  put(
    key: string,
    value: Uint8Array | string,
    options?: { onlyIf?: { etagMatches?: string; etagDoesNotMatch?: string } },
  ): Promise<{ etag: string } | null>;
}

/** Opens the simulation in `persistTo` (a directory as wrangler's `--persist-to` takes). */
export async function withLocalBucket<T>(
  persistTo: string,
  work: (bucket: LocalBucket) => Promise<T>,
): Promise<T> {
  const miniflare = new Miniflare({
    modules: true,
    script: "export default { fetch() { return new Response(null, { status: 404 }) } }",
    r2Buckets: { MODELS: LOCAL_BUCKET },
    defaultPersistRoot: join(persistTo, "v3"),
  });
  try {
    const bucket = (await miniflare.getR2Bucket("MODELS")) as unknown as LocalBucket;
    return await work(bucket);
  } finally {
    await miniflare.dispose();
  }
}
