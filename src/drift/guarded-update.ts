/**
 * The read-modify-write every drift document in R2 goes through: read the object, work out its next
 * content, write it only if nobody wrote it in between (the etag it was read with, or still absent),
 * and start over if somebody did. R2's conditional put is what makes concurrent consumers and
 * redelivered batches safe; this is the one place that uses it for drift.
 */
import { UnavailableError } from "../core/errors.js";

const MAX_WRITE_ATTEMPTS = 8;

/** What one attempt decided: the caller's result, and the content to write (none: leave it as is). */
export interface Update<R> {
  result: R;
  write?: unknown;
}

/**
 * Applies `change` to the object's stored JSON (null when there is none) until its write lands;
 * returns the result of the attempt that landed. Throws UnavailableError naming `what` if the object
 * stays contended.
 */
export async function guardedUpdate<R>(
  bucket: R2Bucket,
  objectKey: string,
  what: string,
  change: (stored: unknown) => Update<R>,
): Promise<R> {
  for (let attempt = 0; attempt < MAX_WRITE_ATTEMPTS; attempt++) {
    const stored = await bucket.get(objectKey);
    const update = change(stored ? await stored.json() : null);
    if (update.write === undefined) return update.result;
    const onlyIf = stored ? { etagMatches: stored.etag } : new Headers({ "if-none-match": "*" });
    if (await bucket.put(objectKey, JSON.stringify(update.write), { onlyIf })) return update.result;
  }
  throw new UnavailableError(`${what} stayed contended after ${MAX_WRITE_ATTEMPTS} attempts`);
}
