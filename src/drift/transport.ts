/**
 * Getting samples out of the predict path. The Queue is the primary path: one message per predict
 * call (chunked to stay far below the 128 KB message limit). Where the Worker has no queue bound,
 * samples go to KV under time-bucketed keys that expire, and the scheduled run folds them with the
 * same code the consumer uses.
 */
import { limits } from "../config.js";
import { foldMessages } from "./consumer.js";
import type { DriftSample, SampleMessage } from "./sample.js";
import { windowStart } from "./window-format.js";

const SAMPLES_PER_MESSAGE = 100;
const KV_PREFIX = "samples/";
const KV_TTL_SECONDS = 7 * 86_400;

/** The queue binding, if this deployment has one (it is optional: see wrangler.toml). */
function sampleQueue(env: Env): Queue<SampleMessage> | undefined {
  return (env as { DRIFT_SAMPLES?: Queue<SampleMessage> }).DRIFT_SAMPLES;
}

function chunks(samples: readonly DriftSample[]): SampleMessage[] {
  const messages: SampleMessage[] = [];
  for (let i = 0; i < samples.length; i += SAMPLES_PER_MESSAGE) {
    messages.push({ samples: samples.slice(i, i + SAMPLES_PER_MESSAGE) });
  }
  return messages;
}

export async function shipSamples(
  env: Env,
  samples: readonly DriftSample[],
  requestId: string,
): Promise<void> {
  if (samples.length === 0) return;
  const messages = chunks(samples);
  const queue = sampleQueue(env);
  if (queue) {
    if (messages.length === 1) await queue.send(messages[0]);
    else await queue.sendBatch(messages.map((body) => ({ body })));
    return;
  }
  const bucket = String(windowStart(samples[0].time, limits(env).driftWindowSeconds)).padStart(15, "0");
  // One request can ship samples of several versions (the answer, and a shadow candidate's): the key
  // names the version and role too, so neither overwrites the other.
  const { model, version, role } = samples[0];
  await Promise.all(
    messages.map((body, i) =>
      env.REGISTRY_CACHE.put(
        `${KV_PREFIX}${bucket}/${requestId}-${model}-${version}-${role}-${i}`,
        JSON.stringify(body),
        {
          expirationTtl: KV_TTL_SECONDS,
        },
      ),
    ),
  );
}

/**
 * Folds the samples parked in KV and deletes the keys it stored. Keys whose fold failed stay for the
 * next run; folding twice is harmless (windows skip sample ids they have seen).
 */
export async function drainKvSamples(env: Env): Promise<number> {
  let folded = 0;
  let cursor: string | undefined;
  do {
    const page = await env.REGISTRY_CACHE.list({ prefix: KV_PREFIX, cursor });
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
