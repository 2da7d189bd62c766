/**
 * Webhook deliveries from the state's outbox. A decision's delivery is written into the state with
 * the decision itself; this POSTs whatever is pending, removes what was acknowledged (2xx) and keeps
 * the rest, with its attempt count and last error, for the next run. Deliveries are at least once:
 * receivers deduplicate on `id` (also sent as `x-vane-delivery`). A delivery still failing after
 * MAX_ATTEMPTS runs is dropped (logged), so a dead endpoint cannot fill the outbox forever.
 *
 * Every POST is signed (./webhook-signature.ts) with WEBHOOK_SECRET; without a secret nothing is
 * sent, since a receiver could not tell vane's deliveries from anyone's: the deliveries wait in the
 * outbox with that error until the secret is set.
 */
import { updateBookkeeping } from "../registry/audit.js";
import { type PendingDelivery, readStateFromR2 } from "../registry/state.js";
import { SIGNATURE_HEADER, signDelivery } from "./webhook-signature.js";

/** About eight hours of runs every ten minutes. */
export const MAX_ATTEMPTS = 48;
const TIMEOUT_MS = 5_000;
/** Most deliveries attempted per model per flush (each one is a subrequest). */
const PER_FLUSH = 20;

export interface FlushOutcome {
  delivered: string[];
  failed: string[];
}

/** POSTs one delivery, signed at the moment it is sent; returns null on a 2xx, else why it failed. */
async function post(
  url: string,
  secret: string | undefined,
  delivery: PendingDelivery,
): Promise<string | null> {
  if (!secret) return "WEBHOOK_SECRET is not set: deliveries are only sent signed";
  const body = JSON.stringify(delivery.payload);
  try {
    const response = await fetch(url, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        "x-vane-delivery": delivery.id,
        [SIGNATURE_HEADER]: await signDelivery(secret, body, Date.now()),
      },
      body,
      signal: AbortSignal.timeout(TIMEOUT_MS),
    });
    await response.body?.cancel();
    return response.ok ? null : `HTTP ${response.status}`;
  } catch (error) {
    return String(error);
  }
}

export async function flushDeliveries(env: Env, name: string, url: string | null): Promise<FlushOutcome> {
  const outcome: FlushOutcome = { delivered: [], failed: [] };
  if (url === null) return outcome;
  const current = await readStateFromR2(env.MODELS, name);
  const pending = current?.state.deliveries.slice(0, PER_FLUSH) ?? [];
  if (pending.length === 0) return outcome;
  const errors = new Map<string, string>();
  for (const delivery of pending) {
    const error = await post(url, env.WEBHOOK_SECRET, delivery);
    if (error === null) outcome.delivered.push(delivery.id);
    else {
      outcome.failed.push(delivery.id);
      errors.set(delivery.id, error);
    }
  }
  const at = new Date().toISOString();
  await updateBookkeeping(env, name, (state) => {
    const deliveries: PendingDelivery[] = [];
    for (const delivery of state.deliveries) {
      if (outcome.delivered.includes(delivery.id)) continue;
      const error = errors.get(delivery.id);
      if (error === undefined) {
        deliveries.push(delivery);
        continue;
      }
      const attempts = delivery.attempts + 1;
      if (attempts >= MAX_ATTEMPTS) {
        console.error(JSON.stringify({ event: "webhook_gave_up", name, id: delivery.id, attempts, error }));
        continue;
      }
      deliveries.push({ ...delivery, attempts, lastAttemptAt: at, lastError: error.slice(0, 500) });
    }
    return { ...state, deliveries };
  });
  for (const id of outcome.failed) {
    console.warn(JSON.stringify({ event: "webhook_failed", name, id, error: errors.get(id) }));
  }
  return outcome;
}
