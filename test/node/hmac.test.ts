/** HMAC-SHA256 as vane signs feedback tokens and webhooks (src/core/hmac.ts), on RFC 4231's vectors whose key and data are text (vane keys with a secret's UTF-8 bytes). */
import { describe, expect, it } from "vitest";
import { hmacSha256Hex } from "../../src/core/hmac.js";

describe("hmacSha256Hex", () => {
  it("matches RFC 4231 test case 2 (a key shorter than the block)", async () => {
    expect(await hmacSha256Hex("Jefe", "what do ya want for nothing?")).toBe(
      "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843",
    );
  });

  it("matches RFC 4231 test case 1 (a 20-byte key of 0x0b)", async () => {
    expect(await hmacSha256Hex("\x0b".repeat(20), "Hi There")).toBe(
      "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7",
    );
  });

  it("signs with each secret's own key when several secrets are in use", async () => {
    const first = await hmacSha256Hex("Jefe", "what do ya want for nothing?");
    const other = await hmacSha256Hex("another secret", "what do ya want for nothing?");
    expect(other).not.toBe(first);
    expect(await hmacSha256Hex("Jefe", "what do ya want for nothing?")).toBe(first);
  });
});
