/**
 * The signature on every webhook delivery, as Stripe signs its events: `vane-signature:
 * t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<raw body>" under WEBHOOK_SECRET>`. The timestamp is
 * inside the MAC, so a receiver that refuses old timestamps also refuses replayed deliveries.
 */
import { hmacSha256Hex } from "../core/hmac.js";

export const SIGNATURE_HEADER = "vane-signature";

/** The `vane-signature` value for `body` sent at `at` (epoch ms). */
export async function signDelivery(secret: string, body: string, at: number): Promise<string> {
  const timestamp = Math.floor(at / 1000);
  return `t=${timestamp},v1=${await hmacSha256Hex(secret, `${timestamp}.${body}`)}`;
}
