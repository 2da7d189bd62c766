/**
 * What a model's outputs mean: the manifest's `task`. It decides the shape of the answer (labels and
 * probabilities, values, vectors or the raw tensors) and which output drift features make sense.
 */
import { z } from "zod";

export const ClassificationTask = z.object({
  kind: z.literal("classification"),
  /** The [batch, classes] output holding probabilities (or logits, with `softmax`). */
  output: z.string().min(1),
  labels: z.array(z.string().min(1).max(64)).min(2),
  /** The output holds logits: the answer applies a softmax per row. */
  softmax: z.boolean().default(false),
});

export const RegressionTask = z.object({
  kind: z.literal("regression"),
  /** The [batch] or [batch, targets] output. */
  output: z.string().min(1),
});

export const EmbeddingTask = z.object({
  kind: z.literal("embedding"),
  /** The [batch, dimensions] output. */
  output: z.string().min(1),
  /** Scale each vector to unit length before answering. */
  normalize: z.boolean().default(false),
});

export const RawTask = z.object({ kind: z.literal("raw") });

export const TaskSpec = z.discriminatedUnion("kind", [
  ClassificationTask,
  RegressionTask,
  EmbeddingTask,
  RawTask,
]);
export type TaskSpec = z.infer<typeof TaskSpec>;
export type ClassificationTask = z.infer<typeof ClassificationTask>;

export interface ClassPrediction {
  label: string;
  /** Probability per class label. */
  probabilities: Record<string, number>;
}
/** The target of a single-target model, or the targets of a multi-target one. */
export type ValuePrediction = { value: number } | { values: number[] };
export interface EmbeddingPrediction {
  embedding: number[];
}
export type Prediction = ClassPrediction | ValuePrediction | EmbeddingPrediction;
