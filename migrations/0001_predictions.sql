-- The prediction log: what each version predicted for a sampled request, kept for a week so that
-- feedback (true labels, by request id) can be joined with it. Written in groups by the predict
-- path, read by request id by the feedback route, pruned by the scheduled run.
CREATE TABLE predictions (
  model TEXT NOT NULL,
  request_id TEXT NOT NULL,
  -- When the prediction was made, epoch ms.
  time INTEGER NOT NULL,
  -- JSON array of PredictionEntry (src/drift/predictions.ts): the answering version, then shadows.
  entries TEXT NOT NULL,
  PRIMARY KEY (model, request_id)
) WITHOUT ROWID;

CREATE INDEX predictions_by_time ON predictions (time);
