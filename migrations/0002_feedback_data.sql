-- Training data from feedback: for models whose manifest has `feedbackData`, each instance of a
-- logged prediction keeps its input features (and, with keep "instance", the instance as sent) until
-- feedback labels it. Written with the prediction log, labelled by the feedback route, exported by
-- GET /v1/admin/models/{name}/feedback-data, pruned by the scheduled run. Owned by
-- src/drift/feedback-data.ts.
CREATE TABLE feedback_data (
  model TEXT NOT NULL,
  request_id TEXT NOT NULL,
  -- Instance index within the request's batch.
  idx INTEGER NOT NULL,
  -- When the prediction was made, epoch ms: with the id, names one prediction (ids are reusable
  -- once their prediction record expired).
  time INTEGER NOT NULL,
  -- The version whose features these are (the one that answered).
  version INTEGER NOT NULL,
  -- Epoch ms after which the row is deleted (its version's retentionDays after `time`).
  expires INTEGER NOT NULL,
  -- JSON {dims, indices?, values} of the model's one input for this instance; NULL if not kept.
  features TEXT,
  -- JSON of the request's instance as sent (keep "instance"); NULL otherwise.
  instance TEXT,
  -- The true label, set once by the first feedback that names this instance.
  label TEXT,
  labelled_at INTEGER,
  PRIMARY KEY (model, request_id, idx, time)
);

-- Export and the per-model bound read rows in prediction-time order; online updates read the rows
-- labelled since their last run.
CREATE INDEX feedback_data_by_time ON feedback_data (model, time);
CREATE INDEX feedback_data_by_labelled ON feedback_data (model, labelled_at);
CREATE INDEX feedback_data_by_expiry ON feedback_data (expires);
