/** Listing the stored windows of one version, of either kind (drift sketches or feedback counts). */
import type { z } from "zod";
import type { WindowLayout } from "../registry/keys.js";

/** The windows of `model@version` in `layout` that start at or after `since`; unreadable ones are skipped. */
export async function listWindows<T>(
  bucket: R2Bucket,
  layout: WindowLayout,
  model: string,
  version: number,
  since: number,
  schema: z.ZodType<T>,
): Promise<T[]> {
  const windows: T[] = [];
  let cursor: string | undefined;
  do {
    const page = await bucket.list({
      prefix: layout.prefix(model, version),
      cursor,
      startAfter: layout.startAfter(model, version, since),
    });
    const bodies = await Promise.all(page.objects.map((object) => bucket.get(object.key)));
    for (const body of bodies) {
      const parsed = body ? schema.safeParse(await body.json()) : null;
      if (parsed?.success) windows.push(parsed.data);
    }
    cursor = page.truncated ? page.cursor : undefined;
  } while (cursor);
  return windows;
}
