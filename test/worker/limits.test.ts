/**
 * The shipped limits take real mail: preprocessing reads only the start of a text, so the text limit
 * is as long as the body limit allows, and the biggest body the limits allow is answered.
 */
import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { config } from "../../src/config.js";
import { fixtures, putShippedVersion, putState } from "./fixtures.js";
import { jsonRequest, settled } from "./promotion-fixture.js";

const MODEL = "limits-demo";

/** The Worker with its built-in limits (the ones wrangler.toml ships), not the tests' small ones. */
const shipped = (): Env => ({ ...env, MAX_TEXT_CHARS: "", MAX_BODY_BYTES: "" });

beforeAll(async () => {
  await putShippedVersion("spam", 1, MODEL);
  await putState({ name: MODEL, active: 1 });
});

const predict = (body: string, bindings: Env) =>
  settled(
    new Request(`https://vane.test/v1/models/${MODEL}/predict`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body,
    }),
    bindings,
  );

/** A predict body of exactly `bytes` bytes: one text instance of ASCII filler. */
function bodyOf(bytes: number): string {
  const empty = JSON.stringify({ instances: [{ text: "" }] });
  return JSON.stringify({ instances: [{ text: "spam ".repeat(bytes).slice(0, bytes - empty.length) }] });
}

describe("the shipped limits", () => {
  it("answer the longest mail of each collection", async () => {
    for (const collection of ["2002", "2003"] as const) {
      const text = fixtures.longest[collection];
      expect(text.length).toBeGreaterThan(110_000);
      const response = await settled(
        jsonRequest("POST", `/v1/models/${MODEL}/predict`, { instances: [{ text }] }),
        shipped(),
      );
      expect(response.status).toBe(200);
    }
  });

  it("let a text be as long as the body limit allows", () => {
    const { limits } = config(shipped());
    expect(limits.maxTextChars).toBe(limits.maxBodyBytes);
  });

  it("answer a body of exactly MAX_BODY_BYTES, its text as long as it can be", async () => {
    const bindings = shipped();
    const body = bodyOf(config(bindings).limits.maxBodyBytes);
    expect(new TextEncoder().encode(body).byteLength).toBe(1_048_576);
    expect((await predict(body, bindings)).status).toBe(200);
  });

  it("refuse a body one byte over MAX_BODY_BYTES with 413", async () => {
    const bindings = shipped();
    const response = await predict(bodyOf(config(bindings).limits.maxBodyBytes + 1), bindings);
    expect(response.status).toBe(413);
  });
});
