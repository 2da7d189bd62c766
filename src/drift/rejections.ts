/**
 * Counts of messages and samples the consumer refused (malformed, unknown model or version, older
 * than the retention), kept in one R2 object so an operator can see that telemetry is being lost.
 */

import { z } from "zod";
import { keys } from "../registry/keys.js";
import { guardedUpdate } from "./guarded-update.js";

export const RejectionCounts = z.object({
  malformed: z.number().int().nonnegative().default(0),
  unknownVersion: z.number().int().nonnegative().default(0),
  expired: z.number().int().nonnegative().default(0),
  updatedAt: z.string().optional(),
});
export type RejectionCounts = z.infer<typeof RejectionCounts>;
export type RejectionReason = Exclude<keyof RejectionCounts, "updatedAt">;

export async function readRejections(bucket: R2Bucket): Promise<RejectionCounts> {
  const stored = await bucket.get(keys.rejections);
  return RejectionCounts.parse(stored ? await stored.json() : {});
}

/** Adds to the counters with a conditional write, retrying on contention. */
export async function countRejections(
  bucket: R2Bucket,
  counts: Partial<Record<RejectionReason, number>>,
): Promise<void> {
  if (Object.values(counts).every((n) => !n)) return;
  await guardedUpdate(bucket, keys.rejections, "rejection counters", (stored) => {
    const current = RejectionCounts.parse(stored ?? {});
    const next: RejectionCounts = {
      malformed: current.malformed + (counts.malformed ?? 0),
      unknownVersion: current.unknownVersion + (counts.unknownVersion ?? 0),
      expired: current.expired + (counts.expired ?? 0),
      updatedAt: new Date().toISOString(),
    };
    return { result: undefined, write: next };
  });
}
