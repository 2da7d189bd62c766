/** A version's drift reference profile in R2: written once with the version, read (immutable, so cached per isolate). */
import type { Manifest } from "../core/manifest.js";
import { Profile } from "../core/profile.js";
import { keys } from "./keys.js";

const profileCache = new Map<string, Profile | null>();

/** The profile the manifest names, or null if it has none or it cannot be read as one. */
export async function readProfile(bucket: R2Bucket, manifest: Manifest): Promise<Profile | null> {
  if (!manifest.profile) return null;
  const cacheKey = `${manifest.name}@${manifest.version}`;
  const cached = profileCache.get(cacheKey);
  if (cached !== undefined) return cached;
  const object = await bucket.get(keys.artifact(manifest.name, manifest.version, manifest.profile));
  const parsed = object ? Profile.safeParse(await object.json().catch(() => null)) : null;
  const profile = parsed?.success ? parsed.data : null;
  profileCache.set(cacheKey, profile);
  return profile;
}

/** Stores the profile the manifest names, before its manifest is written (so never over a served one). */
export async function writeProfile(bucket: R2Bucket, manifest: Manifest, profile: Profile): Promise<void> {
  if (!manifest.profile) throw new RangeError(`${manifest.name}@${manifest.version} names no profile file`);
  await bucket.put(
    keys.artifact(manifest.name, manifest.version, manifest.profile),
    JSON.stringify(profile),
    {
      httpMetadata: { contentType: "application/json" },
    },
  );
}
