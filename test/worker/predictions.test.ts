/** The prediction log in D1: written in groups, read by request id, expired after its TTL. */
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import {
  PREDICTION_TTL_MS,
  type PredictionRecord,
  prunePredictions,
  readPredictions,
  writePredictions,
} from "../../src/drift/predictions.js";

const NOW = Date.UTC(2026, 10, 28, 12);

function record(model: string, requestId: string, time: number, label = "spam"): PredictionRecord {
  return {
    model,
    requestId,
    time,
    entries: [{ version: 1, role: "active", labels: [label], confidence: [0.9] }],
  };
}

describe("the prediction log", () => {
  it("reads back each record by model and request id", async () => {
    await writePredictions(env.PREDICTIONS, [record("log-a", "r1", NOW), record("log-b", "r1", NOW, "ham")]);
    const found = await readPredictions(env.PREDICTIONS, "log-a", ["r1", "r2"], NOW);
    expect([...found.keys()]).toEqual(["r1"]);
    expect(found.get("r1")).toEqual(record("log-a", "r1", NOW));
  });

  it("keeps the first record of a request id written twice", async () => {
    await writePredictions(env.PREDICTIONS, [record("log-first", "r1", NOW, "spam")]);
    await writePredictions(env.PREDICTIONS, [record("log-first", "r1", NOW + 1, "ham")]);
    const found = await readPredictions(env.PREDICTIONS, "log-first", ["r1"], NOW);
    expect(found.get("r1")?.entries[0].labels).toEqual(["spam"]);
  });

  it("reads more request ids than one statement can bind", async () => {
    const ids = Array.from({ length: 250 }, (_, i) => `many-${i}`);
    await writePredictions(
      env.PREDICTIONS,
      ids.map((id) => record("log-many", id, NOW)),
    );
    const found = await readPredictions(env.PREDICTIONS, "log-many", ids, NOW);
    expect(found.size).toBe(250);
  });

  it("treats a record past its TTL as absent, and the prune deletes only those", async () => {
    const expired = NOW - PREDICTION_TTL_MS - 1;
    await writePredictions(env.PREDICTIONS, [
      record("log-ttl", "old", expired),
      record("log-ttl", "new", NOW),
    ]);
    const found = await readPredictions(env.PREDICTIONS, "log-ttl", ["old", "new"], NOW);
    expect([...found.keys()]).toEqual(["new"]);
    expect(await prunePredictions(env.PREDICTIONS, NOW)).toBe(1);
    const left = await env.PREDICTIONS.prepare("SELECT request_id FROM predictions WHERE model = ?")
      .bind("log-ttl")
      .all<{ request_id: string }>();
    expect(left.results.map((r) => r.request_id)).toEqual(["new"]);
  });
});
