/** /v1/admin: bearer-token guard on every route, and each action through the audited state writer. */
import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { readPredictions } from "../../src/drift/predictions.js";
import type { AuditRecord, RegistryState, RegistryStateInput } from "../../src/registry/state.js";
import { putShippedVersion, putState } from "./fixtures.js";
import { ADMIN_TOKEN, admin, auditLog, jsonRequest, settled, stateOf } from "./promotion-fixture.js";
import { call, type ProblemBody } from "./request.js";

const MODEL = "admin-demo";

interface ActionBody {
  state: RegistryState;
  audit: AuditRecord;
}

/** An admin action on `model` with the right token: its status and body. */
async function act(model: string, method: string, path: string, body?: unknown) {
  const response = await admin(method, `/models/${model}${path}`, body);
  return { status: response.status, body: (await response.json()) as ActionBody & ProblemBody };
}

let models = 0;
/** A model of the calling test's own: versions 1 and 2 stored, version 1 active unless `state` says. */
async function freshModel(state: Partial<RegistryStateInput> = {}): Promise<string> {
  models += 1;
  const name = `admin-case-${models}`;
  await putShippedVersion("spam", 1, name);
  await putShippedVersion("spam", 2, name);
  await putState({ name, active: 1, ...state });
  return name;
}

const SINCE = "2026-03-01T00:00:00.000Z";

beforeAll(async () => {
  await putShippedVersion("spam", 1, MODEL);
  await putShippedVersion("spam", 2, MODEL);
  await putState({ name: MODEL, active: 1 });
});

describe("without the admin token", () => {
  const routes: Array<[string, string, unknown?]> = [
    ["GET", `/models/${MODEL}`],
    ["POST", `/models/${MODEL}/candidate`, { version: 2, mode: "shadow", share: 1 }],
    ["PUT", `/models/${MODEL}/candidate`, { share: 0.5 }],
    ["DELETE", `/models/${MODEL}/candidate`],
    ["POST", `/models/${MODEL}/promote`, { version: 2 }],
    ["POST", `/models/${MODEL}/rollback`],
    ["POST", `/models/${MODEL}/pin`, { version: 2 }],
    ["POST", `/models/${MODEL}/unpin`],
    ["PUT", `/models/${MODEL}/policy`, { policy: {} }],
    ["PUT", `/models/${MODEL}/sample-rate`, { sampleRate: 0.5 }],
    ["POST", "/models", { name: "admin-unauthorized", version: 1 }],
    ["GET", `/models/${MODEL}/audit`],
    ["GET", `/models/${MODEL}/examples`],
    ["GET", "/no-such-route"],
  ];

  it.each(routes)(
    "%s %s answers 401 with a Bearer challenge and changes nothing",
    async (method, path, body) => {
      const response = await admin(method, path, body, {});
      expect(response.status).toBe(401);
      expect(response.headers.get("www-authenticate")).toMatch(/^Bearer /);
      expect(response.headers.get("content-type")).toBe("application/problem+json");
      expect(await stateOf(MODEL)).toMatchObject({ active: 1, candidate: null, decisions: [] });
    },
  );

  it("answers 401 to a wrong token, however close", async () => {
    for (const token of ["test-admin-tokeN", `${ADMIN_TOKEN}x`, "x", ""]) {
      const response = await admin("GET", `/models/${MODEL}`, undefined, {
        authorization: `Bearer ${token}`,
      });
      expect(response.status).toBe(401);
    }
  });

  it("answers 401 to the right token in another scheme", async () => {
    const response = await admin("GET", `/models/${MODEL}`, undefined, {
      authorization: `Basic ${ADMIN_TOKEN}`,
    });
    expect(response.status).toBe(401);
  });
});

describe("the OpenAPI document", () => {
  it("declares the bearer scheme on every admin route", async () => {
    const document = (await (await call("/openapi.json")).json()) as {
      components: { securitySchemes: Record<string, unknown> };
      paths: Record<string, Record<string, { security?: unknown }>>;
    };
    expect(document.components.securitySchemes.adminToken).toMatchObject({ type: "http", scheme: "bearer" });
    const admin = Object.entries(document.paths).filter(([path]) => path.startsWith("/v1/admin/"));
    const operations = admin.flatMap(([, methods]) => Object.values(methods));
    expect(operations).toHaveLength(14);
    for (const operation of operations) expect(operation.security).toEqual([{ adminToken: [] }]);
  });
});

describe("with the admin token", () => {
  it("shows the model's state and effective policy", async () => {
    const model = await freshModel();
    const response = await admin("GET", `/models/${model}`);
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({
      model,
      state: { active: 1, candidate: null, pinned: false },
      policy: { minSamples: 200, minFeedback: 100, driftPsi: 0.2, probationHours: 24 },
      evaluation: null,
    });
  });

  it("answers 404 for a model that does not exist", async () => {
    expect((await admin("GET", "/models/nope")).status).toBe(404);
  });

  it("refuses a candidate version that does not exist: 422", async () => {
    const model = await freshModel();
    const { status, body } = await act(model, "POST", "/candidate", { version: 9, mode: "shadow", share: 1 });
    expect(status).toBe(422);
    expect(body.detail).toContain("no version 9");
  });

  it("refuses the active version as a candidate: 409", async () => {
    const model = await freshModel();
    const { status } = await act(model, "POST", "/candidate", { version: 1, mode: "shadow", share: 1 });
    expect(status).toBe(409);
  });

  it("registers a verified candidate, audited as admin", async () => {
    const model = await freshModel();
    const { status, body } = await act(model, "POST", "/candidate", {
      version: 2,
      mode: "shadow",
      share: 0.25,
      reason: "retrained on 2003 mail",
    });
    expect(status).toBe(200);
    expect(body.state.candidate).toMatchObject({ version: 2, mode: "shadow", share: 0.25 });
    expect(body.audit).toMatchObject({
      actor: "admin",
      action: "register_candidate",
      version: 2,
      reason: "retrained on 2003 mail",
      before: { candidate: null },
      after: { candidate: { version: 2, mode: "shadow", share: 0.25 } },
    });
  });

  it("changes the candidate's mode and share, keeping its evaluation period", async () => {
    const model = await freshModel({ candidate: { version: 2, mode: "shadow", share: 1, since: SINCE } });
    const { status, body } = await act(model, "PUT", "/candidate", { mode: "canary", share: 0.05 });
    expect(status).toBe(200);
    expect(body.state.candidate).toEqual({ version: 2, mode: "canary", share: 0.05, since: SINCE });
  });

  it("refuses a share outside [0, 1]: 400 naming the field", async () => {
    const model = await freshModel({ candidate: { version: 2, mode: "shadow", share: 1, since: SINCE } });
    const { status, body } = await act(model, "PUT", "/candidate", { share: 1.5 });
    expect(status).toBe(400);
    expect(body.errors?.[0].field).toBe("share");
  });

  it("promotes the candidate, putting it on probation", async () => {
    const model = await freshModel({ candidate: { version: 2, mode: "shadow", share: 1, since: SINCE } });
    const { status, body } = await act(model, "POST", "/promote");
    expect(status).toBe(200);
    expect(body.state).toMatchObject({
      active: 2,
      previous: [1],
      candidate: null,
      probation: { version: 2, replaced: 1, by: "admin" },
    });
  });

  it("rolls back to the version the promotion replaced", async () => {
    const model = await freshModel({
      active: 2,
      previous: [1],
      probation: { version: 2, promotedAt: SINCE, replaced: 1, by: "admin" },
    });
    const { status, body } = await act(model, "POST", "/rollback", { reason: "complaints" });
    expect(status).toBe(200);
    expect(body.state).toMatchObject({ active: 1, previous: [], probation: null });
    expect(body.audit).toMatchObject({ action: "rollback", version: 1, numbers: { rolledBack: 2 } });
  });

  it("refuses a rollback with nothing to roll back to: 409", async () => {
    const model = await freshModel();
    expect((await act(model, "POST", "/rollback")).status).toBe(409);
  });

  it("pins a version: active without probation, out of the scheduler's hands", async () => {
    const model = await freshModel();
    const { status, body } = await act(model, "POST", "/pin", { version: 2 });
    expect(status).toBe(200);
    expect(body.state).toMatchObject({ active: 2, previous: [1], pinned: true, probation: null });
  });

  it("refuses to promote while pinned: 409", async () => {
    const model = await freshModel({ active: 2, previous: [1], pinned: true });
    const { status, body } = await act(model, "POST", "/promote", { version: 1 });
    expect(status).toBe(409);
    expect(body.detail).toContain("pinned");
  });

  it("unpins", async () => {
    const model = await freshModel({ active: 2, previous: [1], pinned: true });
    const { status, body } = await act(model, "POST", "/unpin");
    expect(status).toBe(200);
    expect(body.state).toMatchObject({ active: 2, pinned: false });
  });

  it("replaces the model's policy overrides, and the effective policy follows", async () => {
    const model = await freshModel({ policy: { minSamples: 10 } });
    const { status, body } = await act(model, "PUT", "/policy", {
      policy: { minFeedback: 50, minAccuracyGain: 0.02 },
    });
    expect(status).toBe(200);
    expect(body.state.policy).toEqual({ minFeedback: 50, minAccuracyGain: 0.02 });
    const detail = (await (await admin("GET", `/models/${model}`)).json()) as {
      policy: Record<string, number>;
    };
    expect(detail.policy).toMatchObject({ minFeedback: 50, minAccuracyGain: 0.02, minSamples: 200 });
  });

  it("refuses an unknown policy knob: 400", async () => {
    const model = await freshModel();
    expect((await act(model, "PUT", "/policy", { policy: { minFeedbak: 50 } })).status).toBe(400);
  });

  it("withdraws a candidate", async () => {
    const model = await freshModel({ candidate: { version: 2, mode: "shadow", share: 1, since: SINCE } });
    const { status, body } = await act(model, "DELETE", "/candidate");
    expect(status).toBe(200);
    expect(body.state.candidate).toBeNull();
  });

  /** Five admin actions on a fresh model, oldest first. */
  async function fiveActions(): Promise<string> {
    const model = await freshModel();
    for (const [method, path, body] of [
      ["POST", "/candidate", { version: 2, mode: "shadow", share: 1 }],
      ["PUT", "/candidate", { share: 0.5 }],
      ["DELETE", "/candidate", undefined],
      ["POST", "/pin", { version: 2 }],
      ["POST", "/unpin", undefined],
    ] as const) {
      expect((await act(model, method, path, body)).status).toBe(200);
    }
    return model;
  }

  it("lists the audit log newest first, page by page", async () => {
    const model = await fiveActions();
    const all = await auditLog(model);
    expect(all.map((r) => r.action)).toEqual([
      "unpin",
      "pin",
      "withdraw_candidate",
      "set_candidate_traffic",
      "register_candidate",
    ]);
    const first = (await (await admin("GET", `/models/${model}/audit?limit=2`)).json()) as {
      records: AuditRecord[];
      cursor: string;
    };
    expect(first.records.map((r) => r.id)).toEqual(all.slice(0, 2).map((r) => r.id));
    const second = (await (
      await admin("GET", `/models/${model}/audit?limit=2&cursor=${first.cursor}`)
    ).json()) as { records: AuditRecord[] };
    expect(second.records.map((r) => r.id)).toEqual(all.slice(2, 4).map((r) => r.id));
  });

  it("keeps the last decisions in the state, naming their audit records", async () => {
    const model = await fiveActions();
    const [newest] = await auditLog(model);
    const { decisions } = await stateOf(model);
    expect(decisions.map((d) => d.action)).toEqual([
      "register_candidate",
      "set_candidate_traffic",
      "withdraw_candidate",
      "pin",
      "unpin",
    ]);
    expect(decisions.at(-1)).toMatchObject({ audit: newest.id, actor: "admin", action: "unpin" });
  });
});

describe("registering a model's first version", () => {
  it("makes it active at once: 201, audited as admin, and the model serves", async () => {
    const model = "admin-first-version";
    await putShippedVersion("spam", 1, model);
    const response = await admin("POST", "/models", { name: model, version: 1, reason: "first publish" });
    expect(response.status).toBe(201);
    const body = (await response.json()) as ActionBody;
    expect(body.state).toMatchObject({ name: model, active: 1, previous: [], candidate: null });
    expect(body.audit).toMatchObject({
      actor: "admin",
      action: "register_model",
      version: 1,
      reason: "first publish",
      before: { active: null },
      after: { active: 1 },
    });
    const predicted = await call(`/v1/models/${model}/predict`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ instances: [{ text: "Subject: lunch\n\nNoon at the usual place?" }] }),
    });
    expect(predicted.status).toBe(200);
    expect(await predicted.json()).toMatchObject({ model, version: 1, role: "active" });
  });

  it("refuses a model that is registered already: 409, its state untouched", async () => {
    const model = "admin-first-exists";
    await putShippedVersion("spam", 1, model);
    await putShippedVersion("spam", 2, model);
    await putState({ name: model, active: 1 });
    const response = await admin("POST", "/models", { name: model, version: 2 });
    expect(response.status).toBe(409);
    expect(((await response.json()) as ProblemBody).detail).toContain("registered already");
    expect(await stateOf(model)).toMatchObject({ active: 1, candidate: null, decisions: [] });
  });

  it("refuses a version that was never uploaded: 422, and no state is created", async () => {
    const response = await admin("POST", "/models", { name: "admin-first-missing", version: 1 });
    expect(response.status).toBe(422);
    expect(((await response.json()) as ProblemBody).detail).toContain("no version 1");
    expect((await admin("GET", "/models/admin-first-missing")).status).toBe(404);
  });

  it("refuses a name that is not a model name: 400 naming the field", async () => {
    const response = await admin("POST", "/models", { name: "Spam Filter", version: 1 });
    expect(response.status).toBe(400);
    expect(((await response.json()) as ProblemBody).errors?.[0].field).toBe("name");
  });
});

describe("admin routes on a model that does not exist", () => {
  it.each([
    ["POST", "/candidate", { version: 1, mode: "shadow", share: 1 }],
    ["POST", "/promote", { version: 1 }],
    ["POST", "/pin", { version: 1 }],
    ["PUT", "/sample-rate", { sampleRate: 0.5 }],
  ])("%s %s answers 404, not 422 for the version", async (method, path, body) => {
    const response = await admin(method, `/models/admin-never-registered${path}`, body);
    expect(response.status).toBe(404);
    expect(((await response.json()) as ProblemBody).detail).toBe("no model named admin-never-registered");
  });
});

describe("policy overrides that make no sense", () => {
  it.each([
    ["minAccuracyGain", -1],
    ["minAccuracyGain", -0.01],
    ["minFeedback", 0],
    ["probationHours", 24 * 31],
  ])("refuses %s = %d: 400 naming the field, the policy unchanged", async (knob, value) => {
    const model = `admin-policy-${knob.toLowerCase()}`;
    await putShippedVersion("spam", 1, model);
    await putState({ name: model, active: 1, policy: { minFeedback: 50 } });
    const response = await admin("PUT", `/models/${model}/policy`, { policy: { [knob]: value } });
    expect(response.status).toBe(400);
    expect(((await response.json()) as ProblemBody).errors?.[0].field).toBe(`policy.${knob}`);
    expect((await stateOf(model)).policy).toEqual({ minFeedback: 50 });
  });
});

describe("the per-model drift sample rate", () => {
  it("is set through the admin API, audited, and decides which predictions are sampled for drift", async () => {
    const model = "admin-sample-rate";
    await putShippedVersion("spam", 1, model);
    await putState({ name: model, active: 1 });
    const response = await admin("PUT", `/models/${model}/sample-rate`, { sampleRate: 0, reason: "quiet" });
    expect(response.status).toBe(200);
    const body = (await response.json()) as ActionBody;
    expect(body.state.sampleRate).toBe(0);
    expect(body.audit).toMatchObject({
      action: "set_sample_rate",
      reason: "quiet",
      numbers: { sampleRate: 0, effective: 0, before: null },
    });
    // At rate 0 the prediction is answered and no drift sample leaves; the prediction log, which has
    // a rate of its own (PREDICTION_LOG_RATE, 1 in these tests), still keeps it for feedback.
    const sent: unknown[] = [];
    const queue = new Proxy(env.DRIFT_SAMPLES, {
      get(target, property) {
        const value = Reflect.get(target, property);
        if (property !== "send" && property !== "sendBatch") {
          return typeof value === "function" ? value.bind(target) : value;
        }
        return (...args: unknown[]) => {
          sent.push(args);
          return (value as (...a: unknown[]) => Promise<void>).apply(target, args);
        };
      },
    });
    const predicted = await settled(
      jsonRequest(
        "POST",
        `/v1/models/${model}/predict`,
        { instances: [{ text: "Subject: hi" }] },
        { "x-request-id": "admin-sample-rate-0" },
      ),
      { ...env, DRIFT_SAMPLES: queue },
    );
    expect(predicted.status).toBe(200);
    expect(sent).toEqual([]);
    expect((await readPredictions(env.PREDICTIONS, model, ["admin-sample-rate-0"])).size).toBe(1);
  });

  it("null hands the rate back to DRIFT_SAMPLE_RATE", async () => {
    const model = "admin-sample-rate-reset";
    await putShippedVersion("spam", 1, model);
    await putState({ name: model, active: 1, sampleRate: 0.2 });
    const response = await admin("PUT", `/models/${model}/sample-rate`, { sampleRate: null });
    expect(response.status).toBe(200);
    const body = (await response.json()) as ActionBody;
    expect(body.state.sampleRate).toBeUndefined();
    expect(body.audit.numbers).toEqual({ sampleRate: null, effective: 1, before: 0.2 });
  });

  it.each([[1.5], [-0.1], ["0.5"]])("refuses %s: 400 naming sampleRate", async (rate) => {
    const model = "admin-sample-rate-bad";
    await putShippedVersion("spam", 1, model);
    await putState({ name: model, active: 1 });
    const response = await admin("PUT", `/models/${model}/sample-rate`, { sampleRate: rate });
    expect(response.status).toBe(400);
    expect(((await response.json()) as ProblemBody).errors?.[0].field).toBe("sampleRate");
  });
});
