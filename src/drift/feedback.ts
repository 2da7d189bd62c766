/**
 * Ground truth for live accuracy. The predict path logs, for sampled requests, what each version
 * predicted (./predictions.ts); feedback names a request id and the true label, is joined with that
 * record, and is folded into correct/incorrect counts per (model, version, role, window) in R2. The
 * windows are keyed by the time of the prediction, not of the label, and keep each label's prediction
 * time, so "accuracy since the promotion" counts exactly the predictions made since the promotion,
 * even within the window the promotion fell in.
 *
 * Folding is idempotent per `<request id>#<index>`, with the same seen-id hashes (unseen) and
 * etag-guarded read-modify-write (guardedUpdate) as the drift windows: a label sent twice counts once
 * (the first one wins).
 */

import { z } from "zod";
import { decodeFloat64, encodeFloat64 } from "../core/sketch/float64-base64.js";
import { keys } from "../registry/keys.js";
import { guardedUpdate } from "./guarded-update.js";
import type { ServingRole } from "./sample.js";
import { unseen, windowIdentity, windowStart } from "./window-format.js";
import { listWindows } from "./window-list.js";

export const FeedbackWindow = z.object({
  ...windowIdentity,
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
  /**
   * Each labelled instance as [prediction time, confidence, outcome] (outcome: 1 if right, plus 2 if
   * the answering version was right on it), base64 float64s: what lets a reading start or end at an
   * exact time inside the window. Empty in windows written before it was kept.
   */
  labelled: z.string().default(""),
});
export type FeedbackWindow = z.infer<typeof FeedbackWindow>;

export interface FeedbackKey {
  model: string;
  version: number;
  role: ServingRole;
  start: number;
}

export interface LabelledInstance {
  /** `<request id>#<index>`. */
  id: string;
  /** When the prediction was made, epoch ms. */
  time: number;
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
  const objectKey = keys.feedbackWindows.key(key);
  return guardedUpdate(bucket, objectKey, `feedback window ${objectKey}`, (stored) => {
    const window: FeedbackWindow = stored
      ? FeedbackWindow.parse(stored)
      : { ...key, seconds, count: 0, correct: 0, confidenceSum: 0, pairedCorrect: 0, seen: "", labelled: "" };
    const { fresh, seen } = unseen(window.seen, instances);
    if (fresh.length === 0) return { result: 0 };
    const next: FeedbackWindow = {
      ...window,
      count: window.count + fresh.length,
      correct: window.correct + fresh.filter((i) => i.correct).length,
      confidenceSum: window.confidenceSum + fresh.reduce((sum, i) => sum + i.confidence, 0),
      pairedCorrect: window.pairedCorrect + fresh.filter((i) => i.pairedCorrect).length,
      seen,
      labelled: encodeFloat64([
        ...(window.labelled === "" ? [] : decodeFloat64(window.labelled)),
        ...fresh.flatMap((i) => [i.time, i.confidence, (i.correct ? 1 : 0) + (i.pairedCorrect ? 2 : 0)]),
      ]),
    };
    return { result: fresh.length, write: next };
  });
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

interface Tally {
  labels: number;
  correct: number;
  confidenceSum: number;
  pairedCorrect: number;
}

/**
 * What of `window` was predicted in [since, until): each label by its prediction time. A window
 * written before those times were kept counts whole if it lies entirely inside, else not at all.
 */
function tallyBetween(window: FeedbackWindow, since: number, until: number): Tally {
  if (window.labelled === "") {
    const inside = window.start >= since && window.start + window.seconds * 1000 <= until;
    const { count, correct, confidenceSum, pairedCorrect } = window;
    return inside
      ? { labels: count, correct, confidenceSum, pairedCorrect }
      : { labels: 0, correct: 0, confidenceSum: 0, pairedCorrect: 0 };
  }
  const tally: Tally = { labels: 0, correct: 0, confidenceSum: 0, pairedCorrect: 0 };
  const values = decodeFloat64(window.labelled);
  for (let i = 0; i + 2 < values.length; i += 3) {
    const time = values[i];
    if (time < since || time >= until) continue;
    const outcome = values[i + 2];
    tally.labels++;
    tally.correct += outcome & 1;
    tally.pairedCorrect += (outcome >> 1) & 1;
    tally.confidenceSum += values[i + 1];
  }
  return tally;
}

/** The feedback windows of one version that start at or after `since` (epoch ms), every role. */
export function readFeedbackWindows(
  bucket: R2Bucket,
  model: string,
  version: number,
  since: number,
): Promise<FeedbackWindow[]> {
  return listWindows(bucket, keys.feedbackWindows, model, version, since, FeedbackWindow);
}

/**
 * Live accuracy of one version over the predictions made in [since, until) (exact times, not
 * rounded to windows), counting only the given roles.
 */
export async function readAccuracy(
  bucket: R2Bucket,
  model: string,
  version: number,
  options: { since: number; until?: number; roles: readonly ServingRole[]; windowSeconds: number },
): Promise<Accuracy> {
  const from = windowStart(options.since, options.windowSeconds);
  let labels = 0;
  let correct = 0;
  let confidenceSum = 0;
  let pairedCorrect = 0;
  const windows = await readFeedbackWindows(bucket, model, version, from);
  for (const window of windows) {
    if (!options.roles.includes(window.role)) continue;
    const tally = tallyBetween(window, options.since, options.until ?? Number.POSITIVE_INFINITY);
    labels += tally.labels;
    correct += tally.correct;
    confidenceSum += tally.confidenceSum;
    pairedCorrect += tally.pairedCorrect;
  }
  return {
    labels,
    correct,
    accuracy: labels > 0 ? correct / labels : null,
    meanConfidence: labels > 0 ? confidenceSum / labels : null,
    pairedCorrect,
    pairedAccuracy: labels > 0 && options.roles.includes("shadow") ? pairedCorrect / labels : null,
  };
}
