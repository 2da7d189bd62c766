/**
 * The local R2 simulation that `wrangler dev` serves from (.wrangler/state/v3), opened from Node with
 * miniflare, the same engine: the CLI gets the real R2 API, conditional puts included.
 */
import { Miniflare } from "miniflare";

export const LOCAL_BUCKET = "vane-models";
export const DEFAULT_PERSIST_ROOT = ".wrangler/state/v3";

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

export async function withLocalBucket<T>(
  persistRoot: string,
  work: (bucket: LocalBucket) => Promise<T>,
): Promise<T> {
  const miniflare = new Miniflare({
    modules: true,
    script: "export default { fetch() { return new Response(null, { status: 404 }) } }",
    r2Buckets: { MODELS: LOCAL_BUCKET },
    defaultPersistRoot: persistRoot,
  });
  try {
    const bucket = (await miniflare.getR2Bucket("MODELS")) as unknown as LocalBucket;
    return await work(bucket);
  } finally {
    await miniflare.dispose();
  }
}
