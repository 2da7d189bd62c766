/**
 * The queue consumer: validates each message, groups its samples by sketch window and folds them in.
 * A malformed message or sample, and samples for a version the registry does not know or older than
 * the retention, are counted, logged and acknowledged: never retried forever, never spoiling the rest.
 * A storage failure leaves that window's messages unacknowledged, so the queue redelivers them; the
 * windows' seen-id sets make the redelivery harmless.
 */

import { limits } from "../config.js";
import type { DriftSpec } from "../core/drift-features.js";
import type { Manifest } from "../core/manifest.js";
import { keys } from "../registry/keys.js";
import { readManifest } from "../registry/manifests.js";
import { readProfile } from "../registry/profiles.js";
import { countRejections, type RejectionReason } from "./rejections.js";
import { DriftSample, SampleMessage } from "./sample.js";
import { type WindowKey, windowStart } from "./window-format.js";
import { foldIntoWindow } from "./windows.js";

interface Envelope {
  id: string;
  body: unknown;
}

interface Group {
  key: WindowKey;
  manifest: Manifest;
  spec: DriftSpec;
  samples: DriftSample[];
  messageIds: Set<string>;
}

export interface FoldOutcome {
  folded: number;
  /** Ids of the messages whose samples could not be stored: to be redelivered. */
  failed: Set<string>;
  rejected: Partial<Record<RejectionReason, number>>;
}

/** One JSON log line per event (Workers Logs indexes the fields). */
export function log(event: string, detail: Record<string, unknown>): void {
  console.warn(JSON.stringify({ event, ...detail }));
}

/** Folds message bodies (from the queue or the KV fallback) into their windows. */
export async function foldMessages(
  env: Env,
  messages: readonly Envelope[],
  now = Date.now(),
): Promise<FoldOutcome> {
  const { driftWindowSeconds, driftRetentionDays } = limits(env);
  const oldest = now - driftRetentionDays * 86_400_000;
  const rejected: Partial<Record<RejectionReason, number>> = {};
  const reject = (reason: RejectionReason, detail: Record<string, unknown>) => {
    rejected[reason] = (rejected[reason] ?? 0) + 1;
    log(`drift_sample_${reason}`, detail);
  };
  const groups = new Map<string, Group>();
  const failed = new Set<string>();

  for (const message of messages) {
    const envelope = SampleMessage.safeParse(message.body);
    if (!envelope.success) {
      reject("malformed", { messageId: message.id });
      continue;
    }
    // A message carries the samples of many predict calls: a malformed one is skipped on its own.
    for (const [index, raw] of envelope.data.samples.entries()) {
      const parsed = DriftSample.safeParse(raw);
      if (!parsed.success) {
        reject("malformed", { messageId: message.id, index });
        continue;
      }
      const sample = parsed.data;
      if (sample.time < oldest) {
        reject("expired", { messageId: message.id, sample: sample.id });
        continue;
      }
      let manifest: Manifest | null;
      try {
        manifest = await readManifest(env.MODELS, sample.model, sample.version);
      } catch {
        manifest = null;
      }
      const spec = manifest?.drift;
      if (!manifest || !spec) {
        reject("unknownVersion", { messageId: message.id, model: sample.model, version: sample.version });
        continue;
      }
      const key: WindowKey = {
        model: sample.model,
        version: sample.version,
        role: sample.role,
        start: windowStart(sample.time, driftWindowSeconds),
      };
      const objectKey = keys.driftWindows.key(key);
      const group = groups.get(objectKey) ?? {
        key,
        manifest,
        spec,
        samples: [],
        messageIds: new Set<string>(),
      };
      group.samples.push(sample);
      group.messageIds.add(message.id);
      groups.set(objectKey, group);
    }
  }

  let folded = 0;
  for (const group of groups.values()) {
    try {
      const profile = await readProfile(env.MODELS, group.manifest);
      folded += await foldIntoWindow(
        env.MODELS,
        group.key,
        driftWindowSeconds,
        group.samples,
        group.spec,
        profile,
      );
    } catch (error) {
      log("drift_window_write_failed", { window: keys.driftWindows.key(group.key), message: String(error) });
      for (const id of group.messageIds) failed.add(id);
    }
  }
  try {
    await countRejections(env.MODELS, rejected);
  } catch (error) {
    log("drift_rejection_count_failed", { message: String(error), rejected });
  }
  return { folded, failed, rejected };
}

/** The Worker's queue() handler. */
export async function consumeSamples(batch: MessageBatch<unknown>, env: Env): Promise<void> {
  const outcome = await foldMessages(env, batch.messages);
  for (const message of batch.messages) {
    if (outcome.failed.has(message.id)) message.retry();
    else message.ack();
  }
}
