/**
 * Ground truth for live accuracy. The predict path logs, for sampled requests, what each version
 * predicted (./predictions.ts); feedback names a request id and the true label, is joined with that
 * record, and is folded into correct/incorrect counts per (model, version, role, window) in R2. The
 * windows are keyed by the time of the prediction, not of the label, so "accuracy since the
 * promotion" means accuracy of the predictions made since the promotion.
 *
 * Folding is idempotent per `<request id>#<index>`, with the same seen-id hashes and etag-guarded
 * read-modify-write as the drift windows: a label sent twice counts once (the first one wins).
 */

import { z } from "zod";
import { UnavailableError } from "../core/errors.js";
import { decodeFloat64, encodeFloat64 } from "../core/sketch/float64-base64.js";
import { ServingRole } from "./sample.js";
import { sampleIdHash, windowStart } from "./window-format.js";

const MAX_WRITE_ATTEMPTS = 8;

export const FeedbackWindow = z.object({
  model: z.string(),
  version: z.number().int().positive(),
  role: ServingRole,
  start: z.number().int(),
  seconds: z.number().int().positive(),
  /** Labelled instances. */
  count: z.number().int().nonnegative(),
  correct: z.number().int().nonnegative(),
  /** Sum of the predicted label's probability over the labelled instances. */
  confidenceSum: z.number().nonnegative(),
  /**
   * Shadow windows only: how many of the same instances the version that answered got right, so a
   * shadow candidate and the version it shadows are compared on exactly the same labelled requests.
   */
  pairedCorrect: z.number().int().nonnegative().default(0),
  /** 52-bit hashes of the labelled `<request id>#<index>`, as base64 float64s. */
  seen: z.string(),
});
export type FeedbackWindow = z.infer<typeof FeedbackWindow>;

export interface FeedbackKey {
  model: string;
  version: number;
  role: ServingRole;
  start: number;
}

export const feedbackPrefix = (model: string, version: number) => `drift/feedback/${model}/${version}/`;

export function feedbackObjectKey(key: FeedbackKey): string {
  return `${feedbackPrefix(key.model, key.version)}${String(key.start).padStart(15, "0")}-${key.role}.json`;
}

export interface LabelledInstance {
  /** `<request id>#<index>`. */
  id: string;
  correct: boolean;
  confidence: number;
  /** For a shadow prediction: whether the answering version was right on the same instance. */
  pairedCorrect?: boolean;
}

/** Folds labelled instances (all of one key) into their window; returns how many were new. */
export async function foldFeedback(
  bucket: R2Bucket,
  key: FeedbackKey,
  seconds: number,
  instances: readonly LabelledInstance[],
): Promise<number> {
  const objectKey = feedbackObjectKey(key);
  for (let attempt = 0; attempt < MAX_WRITE_ATTEMPTS; attempt++) {
    const stored = await bucket.get(objectKey);
    const window: FeedbackWindow = stored
      ? FeedbackWindow.parse(await stored.json())
      : { ...key, seconds, count: 0, correct: 0, confidenceSum: 0, pairedCorrect: 0, seen: "" };
    const seen = new Set(window.seen === "" ? [] : decodeFloat64(window.seen));
    const fresh = instances.filter((instance) => {
      const hash = sampleIdHash(instance.id);
      if (seen.has(hash)) return false;
      seen.add(hash);
      return true;
    });
    if (fresh.length === 0) return 0;
    const next: FeedbackWindow = {
      ...window,
      count: window.count + fresh.length,
      correct: window.correct + fresh.filter((i) => i.correct).length,
      confidenceSum: window.confidenceSum + fresh.reduce((sum, i) => sum + i.confidence, 0),
      pairedCorrect: window.pairedCorrect + fresh.filter((i) => i.pairedCorrect).length,
      seen: encodeFloat64([...seen]),
    };
    const onlyIf = stored ? { etagMatches: stored.etag } : new Headers({ "if-none-match": "*" });
    if (await bucket.put(objectKey, JSON.stringify(next), { onlyIf })) return fresh.length;
  }
  throw new UnavailableError(
    `feedback window ${objectKey} stayed contended after ${MAX_WRITE_ATTEMPTS} attempts`,
  );
}

export interface Accuracy {
  labels: number;
  correct: number;
  /** Share of correct labelled predictions; null without labels. */
  accuracy: number | null;
  /** Mean probability of the predicted label over the labelled predictions; null without labels. */
  meanConfidence: number | null;
  /** Shadow roles: accuracy of the answering version on the very same labelled instances. */
  pairedCorrect: number;
  pairedAccuracy: number | null;
}

/**
 * Live accuracy of one version over the predictions made in windows starting in [since, until),
 * counting only the given roles.
 */
export async function readAccuracy(
  bucket: R2Bucket,
  model: string,
  version: number,
  options: { since: number; until?: number; roles: readonly ServingRole[]; windowSeconds: number },
): Promise<Accuracy> {
  const prefix = feedbackPrefix(model, version);
  const from = windowStart(options.since, options.windowSeconds);
  let labels = 0;
  let correct = 0;
  let confidenceSum = 0;
  let pairedCorrect = 0;
  let cursor: string | undefined;
  do {
    const page = await bucket.list({
      prefix,
      cursor,
      startAfter: `${prefix}${String(from - 1).padStart(15, "0")}`,
    });
    const bodies = await Promise.all(page.objects.map((object) => bucket.get(object.key)));
    for (const body of bodies) {
      const parsed = body ? FeedbackWindow.safeParse(await body.json()) : null;
      if (!parsed?.success) continue;
      const window = parsed.data;
      if (!options.roles.includes(window.role)) continue;
      if (options.until !== undefined && window.start >= options.until) continue;
      labels += window.count;
      correct += window.correct;
      confidenceSum += window.confidenceSum;
      pairedCorrect += window.pairedCorrect;
    }
    cursor = page.truncated ? page.cursor : undefined;
  } while (cursor);
  return {
    labels,
    correct,
    accuracy: labels > 0 ? correct / labels : null,
    meanConfidence: labels > 0 ? confidenceSum / labels : null,
    pairedCorrect,
    pairedAccuracy: labels > 0 && options.roles.includes("shadow") ? pairedCorrect / labels : null,
  };
}
