/**
 * A version's failures to answer (outputs NaN or infinite) are counted per version and role in the
 * drift windows, reported by /drift as an error rate, and read by the policy: a candidate above
 * maxErrorRate is rejected, a version on probation above it rolled back.
 */
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import type { Manifest } from "../../src/core/manifest.js";
import { drainKvSamples } from "../../src/drift/transport.js";
import type { RegistryStateInput } from "../../src/registry/state.js";
import { publishWithDrift } from "./drift-fixture.js";
import { decode, fixtures, putState } from "./fixtures.js";
import { auditLog, cron, jsonRequest, replay, settled, stateOf, withoutQueue } from "./promotion-fixture.js";
import { call } from "./request.js";

const texts = fixtures.emails.map((mail) => mail.text);
const mail2003 = fixtures.replay["2003"];
const POLICY = { minSamples: 8, maxErrorRate: 0.05 };

interface ErrorTally {
  count: number;
  rate: number | null;
  byKind: Record<string, number>;
}

interface DriftBody {
  versions: Array<{
    version: number;
    byRole: Record<string, { samples: number; errors: ErrorTally }>;
  }>;
}

/**
 * `model` v1 (spam, with a drift spec and profile) and v2, the same manifest over weights that went
 * NaN; then the registry state given.
 */
async function withNanVersion(model: string, state: Omit<RegistryStateInput, "name" | "updatedAt">) {
  await publishWithDrift(model, texts);
  const stored = await env.MODELS.get(`models/${model}/1/manifest.json`);
  const v1 = (await stored?.json()) as Manifest;
  const bytes = decode(fixtures.nanModel.bytes);
  const v2: Manifest = {
    ...v1,
    version: 2,
    model: { file: "model.onnx", sha256: fixtures.nanModel.sha256, bytes: bytes.length },
  };
  const profile = await (await env.MODELS.get(`models/${model}/1/profile.json`))?.text();
  await env.MODELS.put(`models/${model}/2/model.onnx`, bytes);
  await env.MODELS.put(`models/${model}/2/profile.json`, profile ?? "");
  await env.MODELS.put(`models/${model}/2/manifest.json`, JSON.stringify(v2));
  await putState({ name: model, policy: POLICY, ...state });
}

function predict(model: string, body: unknown, requestId: string) {
  return settled(
    jsonRequest("POST", `/v1/models/${model}/predict`, body, { "x-request-id": requestId }),
    withoutQueue,
  );
}

async function driftOf(model: string, version: number): Promise<DriftBody["versions"][number]> {
  await drainKvSamples(withoutQueue);
  const body = (await (
    await call(`/v1/models/${model}/drift?window=1h&version=${version}`)
  ).json()) as DriftBody;
  return body.versions[0];
}

const minutesAgo = (minutes: number) => new Date(Date.now() - minutes * 60_000).toISOString();

describe("the error rate in the drift report", () => {
  it("counts an answer refused for non-finite outputs against the answered ones of the same role", async () => {
    const MODEL = "errors-report";
    await publishWithDrift(MODEL, texts);
    for (const [n, text] of texts.slice(0, 3).entries()) {
      expect((await predict(MODEL, { instances: [{ text }] }, `user-17-${n}`)).status).toBe(200);
    }
    // Finite float32 values whose weighted sum overflows: the version cannot answer them.
    const overflow = {
      inputs: { features: { dims: [1, 4096], dtype: "float32", data: new Array(4096).fill(3e38) } },
    };
    expect((await predict(MODEL, overflow, "user-17-overflow")).status).toBe(422);

    const { byRole } = await driftOf(MODEL, 1);
    expect(byRole.active.samples).toBe(3);
    expect(byRole.active.errors).toEqual({
      count: 1,
      rate: 0.25,
      byKind: { "non-finite-output": 1, "run-failed": 0 },
    });
  });

  it("reports a shadow candidate's failures under its own role, not the active version's", async () => {
    const MODEL = "errors-shadow";
    await withNanVersion(MODEL, {
      active: 1,
      candidate: { version: 2, mode: "shadow", share: 1, since: minutesAgo(1) },
    });
    await replay(MODEL, mail2003.slice(0, 4), { prefix: "shadowed", batch: 2, bindings: withoutQueue });

    expect((await driftOf(MODEL, 2)).byRole).toEqual({
      shadow: expect.objectContaining({
        samples: 0,
        errors: { count: 4, rate: 1, byKind: { "non-finite-output": 4, "run-failed": 0 } },
      }),
    });
    expect((await driftOf(MODEL, 1)).byRole.active).toMatchObject({
      samples: 4,
      errors: { count: 0, rate: 0 },
    });
  });
});

describe("the policy's maxErrorRate", () => {
  it("rejects a canary candidate that fails above it, though the active version answered its callers", async () => {
    const MODEL = "errors-canary";
    await withNanVersion(MODEL, {
      active: 1,
      candidate: { version: 2, mode: "canary", share: 1, since: minutesAgo(1) },
    });
    const answers = await replay(MODEL, mail2003.slice(0, 8), {
      prefix: "canaried",
      batch: 1,
      bindings: withoutQueue,
    });
    expect(new Set(answers.map((a) => `${a.version}/${a.role}`))).toEqual(new Set(["1/active"]));

    await cron(withoutQueue);
    // Rejected, then (no candidate left) the active version's drift on 2003 mail is alerted.
    const [alert, decision] = await auditLog(MODEL);
    expect(alert).toMatchObject({ actor: "scheduler", action: "alert", version: 1 });
    expect(decision).toMatchObject({
      actor: "scheduler",
      action: "reject",
      version: 2,
      reason: "candidate failed to answer 8 of 8 sampled instances (100.0%, above the 5.0% allowed)",
    });
    expect((await stateOf(MODEL)).candidate).toBeNull();
  });

  it("rolls back a version on probation that fails above it", async () => {
    const MODEL = "errors-probation";
    await withNanVersion(MODEL, {
      active: 2,
      previous: [1],
      probation: { version: 2, promotedAt: minutesAgo(1), replaced: 1, by: "admin" },
    });
    for (let n = 0; n < 4; n++) {
      const instances = mail2003.slice(2 * n, 2 * n + 2).map((mail) => ({ text: mail.text }));
      expect((await predict(MODEL, { instances }, `caller-${n}`)).status).toBe(422);
    }

    await cron(withoutQueue);
    const [decision] = await auditLog(MODEL);
    expect(decision).toMatchObject({
      actor: "scheduler",
      action: "rollback",
      version: 2,
      reason:
        "version 2 failed to answer 8 of 8 sampled instances (100.0%, above the 5.0% allowed) since its promotion",
    });
    expect(await stateOf(MODEL)).toMatchObject({ active: 1, probation: null });
  });
});
