/**
 * Training data from feedback, in D1 (migrations/0002_feedback_data.sql): the one module that reads
 * and writes the `feedback_data` table. For a model whose answering version's manifest has
 * `feedbackData`, each instance of a logged prediction keeps its input features (and the instance as
 * sent, with keep "instance"), written in the same D1 batch as the prediction record; the feedback
 * route sets its label; the admin export and the online update read the labelled rows; the scheduled
 * run prunes by retention and bounds the rows per model. Models that do not ask keep nothing.
 */
import { encodeFeatures, type FeatureValues, type FeedbackRow } from "../core/feedback-row.js";
import type { FeatureBatch } from "../core/kinds/kind.js";
import type { Manifest } from "../core/manifest.js";
import { instanceSlice } from "../core/tensor.js";

const DAY_MS = 86_400_000;

/** One instance's kept row, before any label. */
export interface KeptInstance {
  model: string;
  requestId: string;
  index: number;
  /** Prediction time, epoch ms. */
  time: number;
  version: number;
  expires: number;
  features: FeatureValues | null;
  instance: unknown;
}

/**
 * What the answering version's manifest asks to keep of a predict call: one row per instance, or
 * none when the manifest has no `feedbackData`. `instances` are the request's as sent, when it sent
 * instances (tensor and file bodies have none to keep).
 */
export function keptInstances(
  manifest: Manifest,
  batch: FeatureBatch,
  instances: readonly unknown[] | undefined,
  requestId: string,
  time: number,
): KeptInstance[] {
  const spec = manifest.feedbackData;
  if (!spec) return [];
  const input = manifest.inputs.length === 1 ? batch.feeds[manifest.inputs[0].name] : undefined;
  const rows: KeptInstance[] = [];
  for (let index = 0; index < batch.size; index++) {
    const values = input ? instanceSlice(input, index, batch.size) : null;
    const dims = input && input.dims[0] === batch.size ? input.dims.slice(1) : (input?.dims ?? []);
    rows.push({
      model: manifest.name,
      requestId,
      index,
      time,
      version: manifest.version,
      expires: time + spec.retentionDays * DAY_MS,
      features: values && input ? encodeFeatures(values, dims, input.dtype === "float32") : null,
      instance: spec.keep === "instance" ? instances?.[index] : undefined,
    });
  }
  return rows;
}

/**
 * Statements that store kept rows, for the prediction log's batch. A row already stored for the same
 * prediction (request id, index and time) stays as it is.
 */
export function storeStatements(db: D1Database, rows: readonly KeptInstance[]): D1PreparedStatement[] {
  if (rows.length === 0) return [];
  const insert = db.prepare(
    `INSERT INTO feedback_data (model, request_id, idx, time, version, expires, features, instance)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`,
  );
  return rows.map((row) =>
    insert.bind(
      row.model,
      row.requestId,
      row.index,
      row.time,
      row.version,
      row.expires,
      row.features ? JSON.stringify(row.features) : null,
      row.instance === undefined ? null : JSON.stringify(row.instance),
    ),
  );
}

export interface LabelledPrediction {
  requestId: string;
  index: number;
  /** The prediction's time, as its record in the prediction log has it. */
  time: number;
  label: string;
}

/** Labels kept rows; a row keeps the first label it got. Returns how many rows were labelled now. */
export async function labelRows(
  db: D1Database,
  model: string,
  labels: readonly LabelledPrediction[],
  now: number,
): Promise<number> {
  if (labels.length === 0) return 0;
  const update = db.prepare(
    `UPDATE feedback_data SET label = ?, labelled_at = ?
     WHERE model = ? AND request_id = ? AND idx = ? AND time = ? AND label IS NULL`,
  );
  const results = await db.batch(
    labels.map((l) => update.bind(l.label, now, model, l.requestId, l.index, l.time)),
  );
  return results.reduce((sum, result) => sum + result.meta.changes, 0);
}

interface StoredRow {
  request_id: string;
  idx: number;
  time: number;
  version: number;
  features: string | null;
  instance: string | null;
  label: string;
  labelled_at: number;
}

function exported(row: StoredRow): FeedbackRow {
  return {
    requestId: row.request_id,
    index: row.idx,
    time: new Date(row.time).toISOString(),
    version: row.version,
    label: row.label,
    ...(row.features === null ? {} : { features: JSON.parse(row.features) as FeatureValues }),
    ...(row.instance === null ? {} : { instance: JSON.parse(row.instance) as unknown }),
  };
}

/** Where a reading in prediction-time order stopped: the last row it returned. */
export interface TimeCursor {
  time: number;
  requestId: string;
  index: number;
}

export interface ExportFilter {
  /** Prediction time bounds, epoch ms: [since, until). */
  since?: number;
  until?: number;
  version?: number;
}

/** Labelled rows in prediction-time order, after `cursor`, at most `limit`. */
export async function readLabelled(
  db: D1Database,
  model: string,
  filter: ExportFilter,
  cursor: TimeCursor | null,
  limit: number,
): Promise<{ rows: FeedbackRow[]; next: TimeCursor | null }> {
  const after = cursor ?? { time: Number.MIN_SAFE_INTEGER, requestId: "", index: -1 };
  const { results } = await db
    .prepare(
      `SELECT request_id, idx, time, version, features, instance, label, labelled_at FROM feedback_data
       WHERE model = ?1 AND label IS NOT NULL AND time >= ?2 AND time < ?3 AND (?4 IS NULL OR version = ?4)
         AND (time, request_id, idx) > (?5, ?6, ?7)
       ORDER BY time, request_id, idx LIMIT ?8`,
    )
    .bind(
      model,
      filter.since ?? Number.MIN_SAFE_INTEGER,
      filter.until ?? Number.MAX_SAFE_INTEGER,
      filter.version ?? null,
      after.time,
      after.requestId,
      after.index,
      limit,
    )
    .all<StoredRow>();
  const last = results.at(-1);
  return {
    rows: results.map(exported),
    next:
      results.length === limit && last
        ? { time: last.time, requestId: last.request_id, index: last.idx }
        : null,
  };
}

/** Where an online update stopped: the last labelled row it read, in labelling order. */
export interface LabelCursor {
  labelledAt: number;
  requestId: string;
  index: number;
  time: number;
}

/** Rows labelled after `cursor` (the oldest labels first), at most `limit`, with their cursor. */
export async function readLabelledSince(
  db: D1Database,
  model: string,
  cursor: LabelCursor | null,
  limit: number,
): Promise<Array<{ row: FeedbackRow; cursor: LabelCursor }>> {
  const after = cursor ?? { labelledAt: Number.MIN_SAFE_INTEGER, requestId: "", index: -1, time: 0 };
  const { results } = await db
    .prepare(
      `SELECT request_id, idx, time, version, features, instance, label, labelled_at FROM feedback_data
       WHERE model = ?1 AND labelled_at IS NOT NULL AND (labelled_at, request_id, idx, time) > (?2, ?3, ?4, ?5)
       ORDER BY labelled_at, request_id, idx, time LIMIT ?6`,
    )
    .bind(model, after.labelledAt, after.requestId, after.index, after.time, limit)
    .all<StoredRow>();
  return results.map((row) => ({
    row: exported(row),
    cursor: { labelledAt: row.labelled_at, requestId: row.request_id, index: row.idx, time: row.time },
  }));
}

/**
 * Deletes rows past their retention, unlabelled rows past the time feedback may still come
 * (`labelWindowMs`), every row of a model not in `maxRows`, and beyond each model's bound the oldest
 * labelled and the oldest unlabelled rows (each kept to `maxRows`). Returns how many were deleted.
 */
export async function pruneFeedbackData(
  db: D1Database,
  maxRows: ReadonlyMap<string, number>,
  now: number,
  labelWindowMs: number,
): Promise<number> {
  const statements = [
    db.prepare("DELETE FROM feedback_data WHERE expires < ?").bind(now),
    db.prepare("DELETE FROM feedback_data WHERE label IS NULL AND time < ?").bind(now - labelWindowMs),
  ];
  const { results } = await db.prepare("SELECT DISTINCT model FROM feedback_data").all<{ model: string }>();
  const overBound = db.prepare(
    `DELETE FROM feedback_data WHERE rowid IN (
       SELECT rowid FROM feedback_data WHERE model = ?1 AND (label IS NULL) = ?2
       ORDER BY time DESC LIMIT -1 OFFSET ?3)`,
  );
  for (const { model } of results) {
    const bound = maxRows.get(model) ?? 0;
    statements.push(overBound.bind(model, 0, bound), overBound.bind(model, 1, bound));
  }
  const deleted = await db.batch(statements);
  return deleted.reduce((sum, result) => sum + result.meta.changes, 0);
}
