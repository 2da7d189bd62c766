/**
 * The prediction log: for each logged request (PREDICTION_LOG_RATE), what the answering version (and
 * any shadow candidate) predicted, kept a week in D1 so that feedback can join true labels with it by request id.
 *
 * Why D1 and not one KV key per request: the predict path writes the records of the calls an isolate
 * answers within a fraction of a second as one batch (group commit), where KV would take a write and
 * a subrequest for each. Reads are by primary key, and the scheduled run prunes by time.
 */
import { z } from "zod";
import { type KeptInstance, storeStatements } from "./feedback-data.js";
import { GroupCommit } from "./group-commit.js";
import { ServingRole } from "./sample.js";

/** How long a prediction can still receive feedback. */
export const PREDICTION_TTL_MS = 7 * 86_400_000;
/** How long a predict call waits for others' records before writing (after its response). */
const GROUP_DELAY_MS = 200;
/** Records that are written at once, without waiting. */
const GROUP_MAX_RECORDS = 500;
/** D1 binds at most 100 parameters per statement. */
const IDS_PER_READ = 98;

export const PredictionEntry = z.object({
  version: z.number().int().positive(),
  role: ServingRole,
  /** Predicted label per instance of the batch. */
  labels: z.array(z.string()),
  /** Probability of the predicted label per instance. */
  confidence: z.array(z.number()),
});
export type PredictionEntry = z.infer<typeof PredictionEntry>;

const Entries = z.array(PredictionEntry).min(1);

export interface PredictionRecord {
  model: string;
  requestId: string;
  /** When the prediction was made, epoch ms. */
  time: number;
  /** The version that answered first, then any version that scored the request in shadow. */
  entries: PredictionEntry[];
  /** Training data the answering version's manifest asks to keep (./feedback-data.ts). */
  kept?: KeptInstance[];
}

/**
 * Writes records, and the training data kept with them, in one batch. A request id already logged for the model keeps its first record, as
 * feedback keeps its first label: a caller reusing an x-request-id cannot rewrite what was predicted
 * (the predict path refuses a reused id; two calls racing with one id lose the second record, logged).
 * A record past the TTL, not yet pruned, is replaced: its id is free again.
 */
export async function writePredictions(db: D1Database, records: readonly PredictionRecord[]): Promise<void> {
  const upsert = db.prepare(
    `INSERT INTO predictions (model, request_id, time, entries) VALUES (?, ?, ?, ?)
     ON CONFLICT (model, request_id) DO UPDATE SET time = excluded.time, entries = excluded.entries
     WHERE predictions.time < excluded.time - ?`,
  );
  const results = await db.batch([
    ...records.map((r) =>
      upsert.bind(r.model, r.requestId, r.time, JSON.stringify(r.entries), PREDICTION_TTL_MS),
    ),
    ...storeStatements(
      db,
      records.flatMap((r) => r.kept ?? []),
    ),
  ]);
  for (const [i, result] of results.slice(0, records.length).entries()) {
    if (result.meta.changes > 0) continue;
    const { model, requestId } = records[i];
    console.warn(JSON.stringify({ event: "prediction_record_duplicate", model, requestId }));
  }
}

const grouped = new GroupCommit<Env, PredictionRecord>(
  (env, records) => writePredictions(env.PREDICTIONS, records),
  GROUP_DELAY_MS,
  GROUP_MAX_RECORDS,
);

/** Logs a record together with those of other calls the isolate answers meanwhile. */
export function logPrediction(env: Env, record: PredictionRecord): Promise<void> {
  return grouped.add(env, [record]);
}

/** The unexpired records of the given request ids, by request id (ids without one are absent). */
export async function readPredictions(
  db: D1Database,
  model: string,
  requestIds: readonly string[],
  now = Date.now(),
): Promise<Map<string, PredictionRecord>> {
  const found = new Map<string, PredictionRecord>();
  for (let i = 0; i < requestIds.length; i += IDS_PER_READ) {
    const ids = requestIds.slice(i, i + IDS_PER_READ);
    const { results } = await db
      .prepare(
        `SELECT request_id, time, entries FROM predictions
         WHERE model = ? AND time >= ? AND request_id IN (${ids.map(() => "?").join(", ")})`,
      )
      .bind(model, now - PREDICTION_TTL_MS, ...ids)
      .all<{ request_id: string; time: number; entries: string }>();
    for (const row of results) {
      const entries = Entries.safeParse(JSON.parse(row.entries));
      if (entries.success) {
        found.set(row.request_id, {
          model,
          requestId: row.request_id,
          time: row.time,
          entries: entries.data,
        });
      }
    }
  }
  return found;
}

/** Deletes the records past the TTL; returns how many. */
export async function prunePredictions(db: D1Database, now = Date.now()): Promise<number> {
  const result = await db
    .prepare("DELETE FROM predictions WHERE time < ?")
    .bind(now - PREDICTION_TTL_MS)
    .run();
  return result.meta.changes;
}
