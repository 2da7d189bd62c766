/**
 * A request's `instances` for any kind: each is checked against the kind's instance schema (so a bad
 * one is refused naming its path), then the kind's featurizer builds the feeds.
 */
import type { z } from "zod";
import { InvalidInputError } from "../errors.js";
import { checkBatch, type FeatureBatch, type Featurizer, type InputLimits } from "./kind.js";

export function parseInstances<Instance>(schema: z.ZodType<Instance>, raw: readonly unknown[]): Instance[] {
  return raw.map((instance, i) => {
    const parsed = schema.safeParse(instance);
    if (parsed.success) return parsed.data;
    const issue = parsed.error.issues[0];
    const path = issue.path
      .map((part) => (typeof part === "number" ? `[${part}]` : `.${String(part)}`))
      .join("");
    throw InvalidInputError.field(`instances[${i}]${path}`, issue.message);
  });
}

export function featurizeInstances<Instance>(
  featurizer: Featurizer<Instance>,
  schema: z.ZodType<Instance>,
  raw: readonly unknown[],
  limits: InputLimits,
): FeatureBatch {
  checkBatch("instances", raw.length, limits);
  return featurizer.features(parseInstances(schema, raw), limits);
}
