/**
 * The manifest's record of where a version came from (`lineage`) and what it asks the edge to do for
 * the next one: keep training data from feedback (`feedbackData`) and update itself online
 * (`update`). Absent fields mean: no lineage recorded, nothing kept, no online updates.
 */
import { z } from "zod";

/** How a version was made. */
export const LINEAGE_METHODS = ["train", "retrain", "online", "head", "distill"] as const;

export const Lineage = z.object({
  /** The version it was made from (absent for a model trained from scratch). */
  parent: z.object({ version: z.number().int().positive() }).optional(),
  method: z.enum(LINEAGE_METHODS),
  createdAt: z.iso.datetime(),
  /** The data it saw: the prediction-time window of the feedback rows and how many of each. */
  data: z.object({
    from: z.iso.datetime().optional(),
    to: z.iso.datetime().optional(),
    feedbackRows: z.number().int().nonnegative(),
    /** Rows of the original training data mixed in so it does not forget. */
    replayRows: z.number().int().nonnegative().optional(),
    /** Feedback rows kept out of training to evaluate it on. */
    heldOutRows: z.number().int().nonnegative().optional(),
  }),
  /** Measurements taken when it was made (held-out accuracy of it and of its parent, ...). */
  metrics: z.record(z.string(), z.number()).optional(),
});
export type Lineage = z.infer<typeof Lineage>;

/** Most rows one model may keep, labelled and unlabelled counted apart. */
export const MAX_FEEDBACK_ROWS = 100_000;

export const FeedbackDataSpec = z.object({
  /**
   * features: the model's input tensor per instance (sparse when mostly zeros, as hashed text is);
   * instance: the request's instance as sent as well (raw text: opt in only where that is allowed).
   */
  keep: z.enum(["features", "instance"]),
  /** Rows older than this (by prediction time) are deleted by the scheduled run. */
  retentionDays: z.number().int().min(1).max(365),
  /** Newest labelled rows kept per model (and as many unlabelled ones awaiting their label). */
  maxRows: z.number().int().min(1).max(MAX_FEEDBACK_ROWS),
});
export type FeedbackDataSpec = z.infer<typeof FeedbackDataSpec>;

/** Most feedback rows one scheduled run trains on: bounded work within the cron's CPU time. */
export const MAX_ONLINE_ROWS_PER_RUN = 5000;

export const UpdateSpec = z.object({
  mode: z.literal("online"),
  /** Labelled rows one run trains on at most (the oldest not yet used first). */
  maxRowsPerRun: z.number().int().min(1).max(MAX_ONLINE_ROWS_PER_RUN),
  learningRate: z.number().positive().max(10),
  epochs: z.number().int().min(1).max(20),
  /** Fewer new labelled rows than this: the run waits for more. */
  minRows: z.number().int().min(1).default(50),
  /** Share of the new rows held out to compare the update with its parent before publishing. */
  heldOutShare: z.number().min(0).max(0.5).default(0.2),
  /** How the candidate takes part until the promotion policy decides. */
  candidate: z
    .object({ mode: z.enum(["shadow", "canary"]), share: z.number().min(0).max(1) })
    .default({ mode: "shadow", share: 1 }),
});
export type UpdateSpec = z.infer<typeof UpdateSpec>;
