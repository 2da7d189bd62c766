/**
 * Webhook deliveries are signed. Each one is POSTed to a real receiver outside workerd and checked
 * there as a receiver would: with only the shared secret, the raw body and the `vane-signature`
 * header, refusing timestamps older than five minutes.
 */
import { env } from "cloudflare:workers";
import { describe, expect, inject, it } from "vitest";
import { flushDeliveries } from "../../src/promotion/webhook.js";
import { putState } from "./fixtures.js";
import { stateOf } from "./promotion-fixture.js";

const receiver = inject("webhookReceiver");
const SECRET = "test-webhook-secret";
const TOLERANCE_SECONDS = 300;

interface Received {
  headers: Record<string, string>;
  body: string;
}

/** The receiver's side, written from the docs alone. */
async function verify(secret: string, header: string, body: string, nowSeconds: number): Promise<boolean> {
  const parts = new Map(header.split(",").map((part) => part.split("=", 2) as [string, string]));
  const timestamp = Number(parts.get("t"));
  const signature = parts.get("v1") ?? "";
  if (!Number.isInteger(timestamp) || Math.abs(nowSeconds - timestamp) > TOLERANCE_SECONDS) return false;
  const key = await crypto.subtle.importKey(
    "raw",
    new TextEncoder().encode(secret),
    { name: "HMAC", hash: "SHA-256" },
    false,
    ["verify"],
  );
  const bytes = Uint8Array.from(signature.match(/../g) ?? [], (pair) => Number.parseInt(pair, 16));
  return crypto.subtle.verify("HMAC", key, bytes, new TextEncoder().encode(`${timestamp}.${body}`));
}

/** Puts one pending delivery in `model`'s outbox and flushes it to the receiver; returns what arrived. */
async function deliverOne(model: string, bindings: Env = env): Promise<Received[]> {
  await putState({
    name: model,
    active: 1,
    deliveries: [
      {
        id: `001796140800000-${model}`,
        payload: { id: `001796140800000-${model}`, model, action: "promote", version: 2 },
        attempts: 0,
        createdAt: "2026-12-01T12:00:00.000Z",
        lastAttemptAt: null,
        lastError: null,
      },
    ],
  });
  await flushDeliveries(bindings, model, `${receiver}/${model}`);
  return (await (await fetch(`${receiver}/${model}`)).json()) as Received[];
}

const now = () => Math.floor(Date.now() / 1000);

describe("a webhook delivery", () => {
  it("carries a vane-signature that the receiver verifies with the shared secret", async () => {
    const [delivery] = await deliverOne("signed");
    expect(delivery.headers["vane-signature"]).toMatch(/^t=\d+,v1=[0-9a-f]{64}$/);
    expect(await verify(SECRET, delivery.headers["vane-signature"], delivery.body, now())).toBe(true);
    expect(JSON.parse(delivery.body)).toEqual({
      id: "001796140800000-signed",
      model: "signed",
      action: "promote",
      version: 2,
    });
  });

  it("does not verify under another secret", async () => {
    const [delivery] = await deliverOne("other-secret");
    expect(await verify("not-the-secret", delivery.headers["vane-signature"], delivery.body, now())).toBe(
      false,
    );
  });

  it("does not verify once its body is changed", async () => {
    const [delivery] = await deliverOne("tampered");
    const changed = delivery.body.replace('"promote"', '"rollback"');
    expect(await verify(SECRET, delivery.headers["vane-signature"], changed, now())).toBe(false);
  });

  it("is refused when replayed after the receiver's five-minute window", async () => {
    const [delivery] = await deliverOne("replayed");
    const later = now() + TOLERANCE_SECONDS + 1;
    expect(await verify(SECRET, delivery.headers["vane-signature"], delivery.body, later)).toBe(false);
  });

  it("is not sent without WEBHOOK_SECRET, and waits in the outbox saying why", async () => {
    const unkeyed = { ...env, WEBHOOK_SECRET: undefined } as unknown as Env;
    expect(await deliverOne("unkeyed", unkeyed)).toEqual([]);
    const { deliveries } = await stateOf("unkeyed");
    expect(deliveries).toMatchObject([{ attempts: 1, lastError: expect.stringContaining("WEBHOOK_SECRET") }]);
  });
});
