/**
 * A run that dies between its state write and its audit record (simulated by failing the record's
 * write at the R2 boundary): the change stands, its record waits in the state's outbox, and the next
 * scheduled run writes it, exactly once.
 */
import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { commit } from "../../src/registry/audit.js";
import { pin } from "../../src/registry/transitions.js";
import { failing, putShippedVersion, putState } from "./fixtures.js";
import { auditLog, cron, stateOf } from "./promotion-fixture.js";

const MODEL = "audit-outbox";
const auditWritesFail = {
  ...env,
  MODELS: failing(env.MODELS, { put: (args) => String(args[0]).includes("/audit/") }),
};

describe("an audit record whose write failed after its change was committed", () => {
  beforeAll(async () => {
    await putShippedVersion("spam", 1, MODEL);
    await putShippedVersion("spam", 2, MODEL);
    await putState({ name: MODEL, active: 1 });
    await commit(
      auditWritesFail,
      MODEL,
      ({ state }) => ({ action: "pin", reason: "operator pinned v2", version: 2, next: pin(state, 2) }),
      { actor: "admin", webhookUrl: null },
    );
  });

  it("leaves the change committed and its record in the outbox", async () => {
    const state = await stateOf(MODEL);
    expect([state.active, state.pinned]).toEqual([2, true]);
    expect(state.auditOutbox.map((record) => record.action)).toEqual(["pin"]);
    expect(await auditLog(MODEL)).toEqual([]);
  });

  it("is written by the next scheduled run, once, and leaves the outbox empty", async () => {
    await cron();
    await cron();
    const records = await auditLog(MODEL);
    expect(
      records.map((record) => [record.action, record.version, record.before.active, record.after.active]),
    ).toEqual([["pin", 2, 1, 2]]);
    expect((await stateOf(MODEL)).auditOutbox).toEqual([]);
  });
});
