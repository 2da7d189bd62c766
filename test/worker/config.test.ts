/** The vars, parsed one way and once per env: a refused value falls back to its default, out loud. */
import { env } from "cloudflare:workers";
import { afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { fixtures, putShippedVersion, putState } from "./fixtures.js";
import { ADMIN_TOKEN, jsonRequest, settled } from "./promotion-fixture.js";

const MODEL = "config-demo";

beforeAll(async () => {
  await putShippedVersion("spam", 1, MODEL);
  await putState({ name: MODEL, active: 1 });
});

afterEach(() => {
  vi.restoreAllMocks();
});

/** The warnings logged as JSON events that refuse a var. */
function refusals(warn: { mock: { calls: unknown[][] } }): Array<Record<string, unknown>> {
  return warn.mock.calls
    .map(([line]) => JSON.parse(String(line)) as Record<string, unknown>)
    .filter((event) => event.event === "var_refused");
}

const predictBatch = (size: number) =>
  jsonRequest("POST", `/v1/models/${MODEL}/predict`, {
    instances: Array.from({ length: size }, (_, i) => ({ text: fixtures.emails[i % 2].text })),
  });

describe("a var whose value is refused", () => {
  it("takes its default and is named in one warning, however many requests read it", async () => {
    const warn = vi.spyOn(console, "warn");
    const bindings: Env = { ...env, MAX_BATCH: "lots" };
    // The default batch limit (64) applies instead of the test's 8.
    for (let i = 0; i < 3; i++) expect((await settled(predictBatch(9), bindings)).status).toBe(200);
    expect(refusals(warn)).toEqual([
      { event: "var_refused", var: "MAX_BATCH", value: "lots", reason: expect.any(String), using: 64 },
    ]);
  });

  it("refuses a fraction for an integer limit", async () => {
    const warn = vi.spyOn(console, "warn");
    const bindings: Env = { ...env, MAX_BATCH: "8.5" };
    expect((await settled(predictBatch(9), bindings)).status).toBe(200);
    expect(refusals(warn).map((event) => [event.var, event.using])).toEqual([["MAX_BATCH", 64]]);
  });

  it("names a refused policy var once across admin reads, and the model's policy shows the default", async () => {
    const warn = vi.spyOn(console, "warn");
    const bindings: Env = { ...env, POLICY_MIN_SAMPLES: "-5" };
    const read = () =>
      settled(
        jsonRequest("GET", `/v1/admin/models/${MODEL}`, undefined, {
          authorization: `Bearer ${ADMIN_TOKEN}`,
        }),
        bindings,
      );
    const first = await read();
    expect(((await first.json()) as { policy: { minSamples: number } }).policy.minSamples).toBe(200);
    expect((await read()).status).toBe(200);
    expect(refusals(warn).map((event) => [event.var, event.value, event.using])).toEqual([
      ["POLICY_MIN_SAMPLES", "-5", 200],
    ]);
  });

  it("refuses a webhook URL that is not http(s), naming WEBHOOK_URL", async () => {
    const warn = vi.spyOn(console, "warn");
    const bindings: Env = { ...env, WEBHOOK_URL: "ftp://hooks.example/vane" };
    const response = await settled(
      jsonRequest("GET", `/v1/admin/models/${MODEL}`, undefined, { authorization: `Bearer ${ADMIN_TOKEN}` }),
      bindings,
    );
    expect(response.status).toBe(200);
    expect(refusals(warn).map((event) => [event.var, event.using])).toEqual([["WEBHOOK_URL", null]]);
  });
});

describe("a var left empty", () => {
  it("takes its default without a warning", async () => {
    const warn = vi.spyOn(console, "warn");
    const bindings: Env = { ...env, MAX_BATCH: "" };
    expect((await settled(predictBatch(9), bindings)).status).toBe(200);
    expect(refusals(warn)).toEqual([]);
  });
});
