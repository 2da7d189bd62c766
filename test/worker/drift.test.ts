import {
  createExecutionContext,
  createMessageBatch,
  getQueueResult,
  waitOnExecutionContext,
} from "cloudflare:test";
import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { readRejections } from "../../src/drift/rejections.js";
import { versionDrift } from "../../src/drift/report.js";
import type { DriftSample } from "../../src/drift/sample.js";
import { drainKvSamples, messagesOf, shipSamples } from "../../src/drift/transport.js";
import worker from "../../src/index.js";
import { ACTIVE_ROLES } from "../../src/promotion/evaluate.js";
import { readManifest } from "../../src/registry/manifests.js";
import { publishWithDrift } from "./drift-fixture.js";
import { failing, fixtures } from "./fixtures.js";
import {
  auditLog,
  cron,
  jsonRequest,
  queueFolded,
  settled,
  stateOf,
  withoutQueue,
} from "./promotion-fixture.js";
import { call, postJson } from "./request.js";

const texts = fixtures.emails.map((mail) => mail.text);

interface RoleDrift {
  samples: number;
  features: Record<string, { psi?: number | null } | null>;
}

interface DriftBody {
  window: string;
  windowSeconds: number;
  from: string;
  until: string;
  versions: Array<{ role: string; version: number; samples: number; byRole: Record<string, RoleDrift> }>;
}

async function samplesCounted(model: string): Promise<number> {
  const body = (await (await call(`/v1/models/${model}/drift?window=1h`)).json()) as DriftBody;
  return body.versions[0]?.samples ?? 0;
}

function sample(model: string, id: string, overrides: Partial<DriftSample> = {}): DriftSample {
  return {
    model,
    version: 1,
    role: "active",
    time: Date.now(),
    id,
    features: { tokens: 120, unseen: 0.1, label: "ham" },
    ...overrides,
  };
}

/** One predict call with the given bindings, returning once its waitUntil work is done. */
function predictWith(bindings: Env, model: string, text: string, requestId: string) {
  const body = { instances: [{ text }] };
  return settled(
    jsonRequest("POST", `/v1/models/${model}/predict`, body, { "x-request-id": requestId }),
    bindings,
  );
}

/** The queue binding, with every sendBatch's messages recorded before they go through. */
function recordingQueue() {
  const sends: Array<Array<{ body: { samples: DriftSample[] } }>> = [];
  const queue = new Proxy(env.DRIFT_SAMPLES, {
    get(target, property) {
      const value = Reflect.get(target, property);
      if (property !== "sendBatch") return typeof value === "function" ? value.bind(target) : value;
      return (messages: Array<{ body: { samples: DriftSample[] } }>) => {
        sends.push(messages);
        return target.sendBatch(messages);
      };
    },
  });
  return { queue, sends };
}

async function deliver(messages: Array<{ id: string; body: unknown }>, bindings: Env = env) {
  const batch = createMessageBatch(
    "vane-drift-samples",
    messages.map((m) => ({ ...m, timestamp: new Date(), attempts: 1 })),
  );
  const ctx = createExecutionContext();
  await (worker as Required<Pick<ExportedHandler<Env>, "queue">>).queue(batch, bindings, ctx);
  await waitOnExecutionContext(ctx);
  return getQueueResult(batch, ctx);
}

describe("predict calls through the real queue", () => {
  const MODEL = "drift-e2e";
  beforeAll(() => publishWithDrift(MODEL, texts));

  it("counts exactly the instances that were predicted (N in, N counted)", async () => {
    for (const [i, batch] of [texts.slice(0, 3), texts.slice(3, 8)].entries()) {
      const response = await postJson(
        `/v1/models/${MODEL}/predict`,
        { instances: batch.map((text) => ({ text })) },
        {
          "x-request-id": `e2e-${i}`,
        },
      );
      expect(response.status).toBe(200);
    }
    expect(await queueFolded(MODEL, 1, 8)).toBe(8);
    // Nothing more arrives later: give the queue one more batch window.
    await new Promise((resolve) => setTimeout(resolve, 6_000));
    expect(await samplesCounted(MODEL)).toBe(8);
  });

  it("reports per-feature statistics against the reference profile", async () => {
    const body = (await (await call(`/v1/models/${MODEL}/drift?window=1h`)).json()) as DriftBody;
    const { active } = body.versions[0].byRole;
    expect(Object.keys(body.versions[0].byRole)).toEqual(["active"]);
    expect(active.samples).toBe(8);
    expect(Object.keys(active.features).sort()).toEqual(["label", "tokens", "unseen"]);
    expect(active.features.tokens).toMatchObject({ kind: "numeric", count: 8, referenceCount: 8 });
  });
});

describe("predict calls answered together", () => {
  const MODEL = "drift-grouped";
  beforeAll(() => publishWithDrift(MODEL, texts));

  it("send their samples in one queue message, and every sample is counted once", async () => {
    const { queue, sends } = recordingQueue();
    const bindings = { ...env, DRIFT_SAMPLES: queue };
    const responses = await Promise.all(
      texts.slice(0, 4).map((text, i) => predictWith(bindings, MODEL, text, `grouped-${i}`)),
    );
    expect(responses.map((r) => r.status)).toEqual([200, 200, 200, 200]);
    expect(sends).toHaveLength(1);
    expect(sends[0]).toHaveLength(1);
    expect(sends[0][0].body.samples.map((s) => s.id).sort()).toEqual([
      "grouped-0#0",
      "grouped-1#0",
      "grouped-2#0",
      "grouped-3#0",
    ]);
    expect(await queueFolded(MODEL, 1, 4)).toBe(4);
  });

  it("park their samples in KV when the queue refuses them, and the cron's drain folds them", async () => {
    const bindings = { ...env, DRIFT_SAMPLES: failing(env.DRIFT_SAMPLES, { sendBatch: () => true }) };
    const response = await predictWith(bindings, MODEL, texts[5], "refused-0");
    expect(response.status).toBe(200);
    expect(await drainKvSamples(env)).toBe(1);
    expect(await samplesCounted(MODEL)).toBe(5);
  });
});

describe("a large group of samples", () => {
  it("is split into messages under the Queue's size limit and the consumer's sample bound, in order", () => {
    const wide = Object.fromEntries(Array.from({ length: 32 }, (_, i) => [`feature-${i}`, "x".repeat(64)]));
    const samples = Array.from({ length: 1000 }, (_, i) => sample("wide", `w${i}#0`, { features: wide }));
    const messages = messagesOf(samples);
    for (const message of messages) {
      expect(JSON.stringify(message.body).length).toBeLessThan(64_000);
      expect(message.body.samples.length).toBeLessThanOrEqual(256);
    }
    expect(messages.flatMap((m) => m.body.samples)).toEqual(samples);
  });
});

describe("the queue consumer", () => {
  const MODEL = "drift-consumer";
  beforeAll(() => publishWithDrift(MODEL, texts));

  it("folds a delivered batch and acknowledges every message", async () => {
    const result = await deliver([
      { id: "m1", body: { samples: [sample(MODEL, "r1#0"), sample(MODEL, "r1#1")] } },
      { id: "m2", body: { samples: [sample(MODEL, "r2#0")] } },
    ]);
    expect(result.explicitAcks.sort()).toEqual(["m1", "m2"]);
    expect(await samplesCounted(MODEL)).toBe(3);
  });

  it("changes nothing when the same batch is delivered again", async () => {
    await deliver([
      { id: "m1", body: { samples: [sample(MODEL, "r1#0"), sample(MODEL, "r1#1")] } },
      { id: "m2", body: { samples: [sample(MODEL, "r2#0")] } },
    ]);
    expect(await samplesCounted(MODEL)).toBe(3);
  });

  it("acknowledges and counts a poisoned message without spoiling the rest of its batch", async () => {
    const before = await readRejections(env.MODELS);
    const result = await deliver([
      { id: "poison", body: { samples: "not a list" } },
      { id: "good", body: { samples: [sample(MODEL, "r3#0")] } },
    ]);
    expect(result.explicitAcks.sort()).toEqual(["good", "poison"]);
    expect(result.retryMessages).toEqual([]);
    expect((await readRejections(env.MODELS)).malformed).toBe(before.malformed + 1);
    expect(await samplesCounted(MODEL)).toBe(4);
  });

  it("counts and skips a malformed sample, and folds the other samples of its message", async () => {
    const before = await readRejections(env.MODELS);
    const result = await deliver([
      {
        id: "mixed",
        body: { samples: [sample(MODEL, "r3b#0"), { ...sample(MODEL, "r3b#1"), version: "one" }] },
      },
    ]);
    expect(result.explicitAcks).toEqual(["mixed"]);
    expect((await readRejections(env.MODELS)).malformed).toBe(before.malformed + 1);
    expect(await samplesCounted(MODEL)).toBe(5);
  });

  it("counts and skips samples of a version the registry does not know", async () => {
    const before = await readRejections(env.MODELS);
    await deliver([{ id: "unknown", body: { samples: [sample(MODEL, "r4#0", { version: 42 })] } }]);
    expect((await readRejections(env.MODELS)).unknownVersion).toBe(before.unknownVersion + 1);
    expect(await samplesCounted(MODEL)).toBe(5);
  });

  it("counts and skips samples older than the retention", async () => {
    const before = await readRejections(env.MODELS);
    const old = Date.now() - 31 * 86_400_000;
    await deliver([{ id: "old", body: { samples: [sample(MODEL, "r5#0", { time: old })] } }]);
    expect((await readRejections(env.MODELS)).expired).toBe(before.expired + 1);
  });

  it("has the messages redelivered when storage fails, and loses nothing", async () => {
    const failingBucket = failing(env.MODELS, { put: () => true });
    const messages = [{ id: "m6", body: { samples: [sample(MODEL, "r6#0"), sample(MODEL, "r6#1")] } }];
    const failed = await deliver(messages, { ...env, MODELS: failingBucket });
    expect(failed.retryMessages.map((m: { msgId: string }) => m.msgId)).toEqual(["m6"]);
    expect(await samplesCounted(MODEL)).toBe(5);
    await deliver(messages);
    expect(await samplesCounted(MODEL)).toBe(7);
  });

  it("retries only the messages whose window could not be stored, and folds each exactly once", async () => {
    const OTHER = "drift-consumer-other";
    await publishWithDrift(OTHER, texts);
    const otherWindowsFail = failing(env.MODELS, { put: (args) => String(args[0]).includes(`/${OTHER}/`) });
    const messages = [
      { id: "m7", body: { samples: [sample(MODEL, "r7#0")] } },
      { id: "m8", body: { samples: [sample(OTHER, "r8#0")] } },
    ];
    const first = await deliver(messages, { ...env, MODELS: otherWindowsFail });
    expect(first.explicitAcks).toEqual(["m7"]);
    expect(first.retryMessages.map((m: { msgId: string }) => m.msgId)).toEqual(["m8"]);
    await deliver(messages);
    expect([await samplesCounted(MODEL), await samplesCounted(OTHER)]).toEqual([8, 1]);
  });
});

describe("without a queue binding", () => {
  const MODEL = "drift-kv";
  beforeAll(() => publishWithDrift(MODEL, texts));

  it("parks samples in KV, and the drain folds each exactly once", async () => {
    const noQueue = { ...env, DRIFT_SAMPLES: undefined } as unknown as Env;
    await shipSamples(noQueue, [sample(MODEL, "k1#0"), sample(MODEL, "k1#1")]);
    await shipSamples(noQueue, [sample(MODEL, "k2#0")]);
    expect((await env.REGISTRY_CACHE.list({ prefix: "samples/" })).keys).toHaveLength(2);
    expect(await drainKvSamples(env)).toBe(3);
    expect((await env.REGISTRY_CACHE.list({ prefix: "samples/" })).keys).toHaveLength(0);
    expect(await samplesCounted(MODEL)).toBe(3);
  });
});

/** Three samples whose `unseen` is NaN or infinite, one of them parked in KV and drained. */
async function shipNonFinite(model: string): Promise<void> {
  const broken = (id: string, unseen: number) =>
    sample(model, id, { features: { tokens: 120, unseen, label: "ham" } });
  // JSON carries neither NaN nor Infinity: before the wire markers such samples were "malformed".
  await shipSamples(env, [broken("nf1#0", Number.NaN), broken("nf1#1", Number.POSITIVE_INFINITY)]);
  await shipSamples(withoutQueue, [broken("nf2#0", Number.NEGATIVE_INFINITY)]);
  await drainKvSamples(env);
  expect(await queueFolded(model, 1, 3)).toBe(3);
}

describe("a drift feature that is NaN or infinite in every sample", () => {
  it("reaches the window through the queue and through KV, and the drift report calls it a data-quality failure", async () => {
    const model = "drift-non-finite";
    await publishWithDrift(model, texts);
    await shipNonFinite(model);
    const body = (await (await call(`/v1/models/${model}/drift?window=1h`)).json()) as DriftBody;
    expect(body.versions[0].byRole.active.features.unseen).toEqual({
      kind: "data-quality",
      count: 3,
      referenceCount: texts.length,
      psi: null,
      nan: 1,
      infinite: 2,
      reason: "all 3 values are NaN or infinite (1 NaN, 2 infinite)",
    });
    expect(body.versions[0].byRole.active.features.tokens).toMatchObject({
      kind: "numeric",
      count: 3,
      nonFinite: 0,
    });
  });

  it("raises an alert on the active version at the next scheduled run, as drift does", async () => {
    const model = "drift-non-finite-alert";
    await publishWithDrift(model, texts);
    await shipNonFinite(model);
    await cron();
    const alerts = (await auditLog(model)).filter((record) => record.action === "alert");
    expect(alerts).toHaveLength(1);
    expect(alerts[0].after.alert?.features).toEqual(["unseen"]);
    expect(alerts[0].reason).toContain("data-quality failure on unseen");
    expect((await stateOf(model)).alert?.features).toEqual(["unseen"]);
  });
});

describe("GET /v1/models/{name}/drift", () => {
  it("refuses a window shorter than one drift window: 400 naming window", async () => {
    const response = await call("/v1/models/drift-kv/drift?window=5m");
    expect(response.status).toBe(400);
    const body = (await response.json()) as { errors: Array<{ field: string; message: string }> };
    expect(body.errors).toEqual([
      { field: "window", message: "drift is kept in windows of 10m: ask for 10m or more" },
    ]);
  });

  it("says which span answered: from the first window start within the window, until now", async () => {
    await publishWithDrift("drift-span", texts);
    const body = (await (await call("/v1/models/drift-span/drift?window=15m")).json()) as DriftBody;
    const until = Date.parse(body.until);
    const tenMinutes = 600_000;
    expect(body).toMatchObject({ window: "15m", windowSeconds: 600 });
    expect(body.from).toBe(
      new Date(Math.ceil((until - 15 * 60_000) / tenMinutes) * tenMinutes).toISOString(),
    );
  });

  it("reports a version's active and shadow samples apart, the active ones as the alert reads them", async () => {
    const model = "drift-roles";
    await publishWithDrift(model, texts);
    const noQueue = { ...env, DRIFT_SAMPLES: undefined } as unknown as Env;
    const active = [100, 110, 120, 130].map((tokens, i) =>
      sample(model, `roles-a${i}#0`, { features: { tokens, unseen: 0.1, label: "ham" } }),
    );
    const shadow = [4000, 5000, 6000].map((tokens, i) =>
      sample(model, `roles-s${i}#0`, { role: "shadow", features: { tokens, unseen: 0.9, label: "spam" } }),
    );
    await shipSamples(noQueue, [...active, ...shadow]);
    await drainKvSamples(env);
    const body = (await (await call(`/v1/models/${model}/drift?window=1h`)).json()) as DriftBody;
    const [version] = body.versions;
    expect(version.samples).toBe(7);
    expect(Object.keys(version.byRole).sort()).toEqual(["active", "shadow"]);
    expect([version.byRole.active.samples, version.byRole.shadow.samples]).toEqual([4, 3]);
    const manifest = await readManifest(env.MODELS, model, 1);
    if (!manifest) throw new Error("the fixture has a manifest");
    const alertReads = await versionDrift(env.MODELS, manifest, Date.parse(body.from), ACTIVE_ROLES);
    expect(version.byRole.active.features).toEqual(JSON.parse(JSON.stringify(alertReads.drift.features)));
    expect(version.byRole.shadow.features.tokens?.psi).not.toBe(version.byRole.active.features.tokens?.psi);
  });

  it("refuses a window longer than the retention", async () => {
    const response = await call("/v1/models/drift-kv/drift?window=90d");
    expect(response.status).toBe(400);
  });

  it("refuses a malformed window", async () => {
    const response = await call("/v1/models/drift-kv/drift?window=yesterday");
    expect(response.status).toBe(400);
    expect(((await response.json()) as { errors: Array<{ field: string }> }).errors[0].field).toBe("window");
  });
});
