/**
 * HMAC-SHA256 through WebCrypto (the same in workerd and Node), for the tokens and signatures vane
 * hands out: feedback tokens and webhook signatures.
 */

const utf8 = new TextEncoder();

/** HMAC-SHA256 of `message` under `secret`, as lower-case hex. */
export async function hmacSha256Hex(secret: string, message: string): Promise<string> {
  const key = await crypto.subtle.importKey(
    "raw",
    utf8.encode(secret),
    { name: "HMAC", hash: "SHA-256" },
    false,
    ["sign"],
  );
  const mac = new Uint8Array(await crypto.subtle.sign("HMAC", key, utf8.encode(message)));
  return Array.from(mac, (byte) => byte.toString(16).padStart(2, "0")).join("");
}
