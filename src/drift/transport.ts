/**
 * Getting samples out of the predict path. The Queue is the primary path; the samples of the predict
 * calls an isolate answers within GROUP_DELAY_MS of each other leave together (group commit), in
 * messages sized to stay under the Queue's limits. Where the Worker has no queue bound, or the
 * queue refuses a send, the messages are parked in KV under time-bucketed keys that expire, and the
 * scheduled run folds them with the same code the consumer uses.
 */

import { limits } from "../config.js";
import { kvKeys } from "../registry/kv-keys.js";
import { foldMessages, log } from "./consumer.js";
import { GroupCommit } from "./group-commit.js";
import { type DriftSample, type SampleMessage, toWire } from "./sample.js";
import { windowStart } from "./window-format.js";

/** How long a sampled call waits for others' samples before sending (after its response). */
const GROUP_DELAY_MS = 200;
/** Samples that are sent at once, without waiting. */
const GROUP_MAX_SAMPLES = 1_000;
/** A message's serialized samples stay under this (the Queue's limit is 128 KB per message). */
const MESSAGE_BYTES = 64_000;
/** The consumer's schema bound on samples per message. */
const MESSAGE_SAMPLES = 256;
/** One sendBatch carries messages up to this total (the Queue's limit is 256 KB per batch)... */
const SEND_BYTES = 192_000;
/** ...and at most this many (the Queue's limit). */
const SEND_MESSAGES = 100;
const KV_TTL_SECONDS = 7 * 86_400;

/** The queue binding, if this deployment has one (it is optional: see wrangler.toml). */
function sampleQueue(env: Env): Queue<SampleMessage> | undefined {
  return (env as { DRIFT_SAMPLES?: Queue<SampleMessage> }).DRIFT_SAMPLES;
}

interface Sized {
  body: SampleMessage;
  bytes: number;
}

/** Splits samples into messages under MESSAGE_BYTES and MESSAGE_SAMPLES each. */
export function messagesOf(samples: readonly DriftSample[]): Sized[] {
  const messages: Sized[] = [];
  let current: Sized | null = null;
  for (const sample of samples.map(toWire)) {
    const bytes = JSON.stringify(sample).length + 1;
    if (
      !current ||
      current.bytes + bytes > MESSAGE_BYTES ||
      current.body.samples.length === MESSAGE_SAMPLES
    ) {
      current = { body: { samples: [] }, bytes: 16 };
      messages.push(current);
    }
    current.body.samples.push(sample);
    current.bytes += bytes;
  }
  return messages;
}

/** Groups messages into sendBatch calls under SEND_BYTES and SEND_MESSAGES each. */
function sendsOf(messages: readonly Sized[]): Sized[][] {
  const sends: Sized[][] = [];
  let current: Sized[] = [];
  let bytes = 0;
  for (const message of messages) {
    if (current.length === SEND_MESSAGES || (current.length > 0 && bytes + message.bytes > SEND_BYTES)) {
      sends.push(current);
      current = [];
      bytes = 0;
    }
    current.push(message);
    bytes += message.bytes;
  }
  if (current.length > 0) sends.push(current);
  return sends;
}

/** Ships samples now: through the queue, else (no queue, or a refused send) parked in KV. */
export async function shipSamples(env: Env, samples: readonly DriftSample[]): Promise<void> {
  let unsent = messagesOf(samples);
  const queue = sampleQueue(env);
  if (queue) {
    for (const send of sendsOf(unsent)) {
      try {
        await queue.sendBatch(send.map(({ body }) => ({ body, contentType: "json" })));
      } catch (error) {
        log("drift_queue_send_failed", { message: String(error), parking: unsent.length });
        break;
      }
      unsent = unsent.slice(send.length);
    }
  }
  await Promise.all(unsent.map(({ body }) => park(env, body)));
}

async function park(env: Env, body: SampleMessage): Promise<void> {
  const bucket = windowStart(body.samples[0].time, limits(env).driftWindowSeconds);
  await env.REGISTRY_CACHE.put(kvKeys.parkedSamples(bucket, crypto.randomUUID()), JSON.stringify(body), {
    expirationTtl: KV_TTL_SECONDS,
  });
}

const grouped = new GroupCommit<Env, DriftSample>(shipSamples, GROUP_DELAY_MS, GROUP_MAX_SAMPLES);

/** Ships samples together with those of other calls the isolate answers meanwhile. */
export function shipSoon(env: Env, samples: readonly DriftSample[]): Promise<void> {
  return grouped.add(env, samples);
}

/**
 * Folds the samples parked in KV and deletes the keys it stored. Keys whose fold failed stay for the
 * next run; folding twice is harmless (windows skip sample ids they have seen).
 */
export async function drainKvSamples(env: Env): Promise<number> {
  let folded = 0;
  let cursor: string | undefined;
  do {
    const page = await env.REGISTRY_CACHE.list({ prefix: kvKeys.parkedSamplesPrefix, cursor });
    const messages = await Promise.all(
      page.keys.map(async ({ name }) => ({ id: name, body: await env.REGISTRY_CACHE.get(name, "json") })),
    );
    const outcome = await foldMessages(
      env,
      messages.filter((m) => m.body !== null),
    );
    folded += outcome.folded;
    await Promise.all(
      messages.filter((m) => !outcome.failed.has(m.id)).map((m) => env.REGISTRY_CACHE.delete(m.id)),
    );
    cursor = page.list_complete ? undefined : page.cursor;
  } while (cursor);
  return folded;
}
