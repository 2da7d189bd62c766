/**
 * HMAC-SHA256 through WebCrypto (the same in workerd and Node), for the tokens and signatures vane
 * hands out: feedback tokens and webhook signatures.
 */

const utf8 = new TextEncoder();
/** Each byte's two hex digits: a lookup per byte is a tenth of the cost of toString + padStart. */
const HEX_DIGITS = Array.from({ length: 256 }, (_, byte) => byte.toString(16).padStart(2, "0"));

/**
 * Imported keys by secret, so a token costs one WebCrypto call rather than two: every predict
 * response carries one. The keys are kept, not the import's promises: in workerd a promise that one
 * request's work settles is not safe for another request to wait on.
 */
const keys = new Map<string, CryptoKey>();

async function hmacKey(secret: string): Promise<CryptoKey> {
  const cached = keys.get(secret);
  if (cached) return cached;
  const key = await crypto.subtle.importKey(
    "raw",
    utf8.encode(secret),
    { name: "HMAC", hash: "SHA-256" },
    false,
    ["sign"],
  );
  keys.set(secret, key);
  return key;
}

/** HMAC-SHA256 of `message` under `secret`, as lower-case hex. */
export async function hmacSha256Hex(secret: string, message: string): Promise<string> {
  const mac = new Uint8Array(await crypto.subtle.sign("HMAC", await hmacKey(secret), utf8.encode(message)));
  let hex = "";
  for (const byte of mac) hex += HEX_DIGITS[byte];
  return hex;
}
