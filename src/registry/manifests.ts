/** Reading version manifests from R2. Versions are immutable, so a manifest is cached per isolate. */
import { UnprocessableError } from "../core/errors.js";
import { Manifest } from "../core/manifest.js";
import { keys } from "./keys.js";

/** A stored manifest that cannot be read: the version exists but cannot be used. */
export class ManifestError extends UnprocessableError {}

const manifestCache = new Map<string, Manifest>();

/** The manifest of `name@version`, null if the version does not exist; throws if it is unreadable. */
export async function readManifest(
  bucket: R2Bucket,
  name: string,
  version: number,
): Promise<Manifest | null> {
  const cacheKey = `${name}@${version}`;
  const cached = manifestCache.get(cacheKey);
  if (cached) return cached;
  const object = await bucket.get(keys.manifest(name, version));
  if (!object) return null;
  let raw: unknown;
  try {
    raw = await object.json();
  } catch {
    throw new ManifestError(`manifest of ${cacheKey} is not valid JSON`);
  }
  const parsed = Manifest.safeParse(raw);
  if (!parsed.success || parsed.data.name !== name || parsed.data.version !== version) {
    throw new ManifestError(`manifest of ${cacheKey} does not match the manifest schema or its location`);
  }
  manifestCache.set(cacheKey, parsed.data);
  return parsed.data;
}

/** Version numbers stored for a model, ascending. */
export async function listVersions(bucket: R2Bucket, name: string): Promise<number[]> {
  const prefix = keys.versionPrefix(name);
  const versions: number[] = [];
  let cursor: string | undefined;
  do {
    const page = await bucket.list({ prefix, delimiter: "/", cursor });
    for (const folder of page.delimitedPrefixes) {
      const version = Number(folder.slice(prefix.length, -1));
      if (Number.isInteger(version) && version > 0) versions.push(version);
    }
    cursor = page.truncated ? page.cursor : undefined;
  } while (cursor);
  return versions.sort((a, b) => a - b);
}
