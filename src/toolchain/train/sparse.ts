/**
 * Labelled sparse rows of emails: hashed text features computed by the same `textFeatures` the
 * Worker runs, stored sparsely for the learner.
 */

import { textFeatures } from "../../core/kinds/hashed-text/features.js";
import type { HashedTextSpec } from "../../core/kinds/hashed-text/schema.js";
import { buildSparseRows, type SparseRows } from "../../core/learn/rows.js";
import type { Email } from "../data.js";

export interface LabeledRows {
  features: SparseRows;
  /** 0 = ham, 1 = spam. */
  labels: Uint8Array;
}

/** Features of each text under `spec`, stored sparsely. */
export function featurize(spec: HashedTextSpec, texts: readonly string[]): SparseRows {
  return buildSparseRows(texts.length, spec.buckets, (row) => textFeatures(spec, texts[row]).vector);
}

export function labeledRows(spec: HashedTextSpec, emails: readonly Email[]): LabeledRows {
  return {
    features: featurize(
      spec,
      emails.map((email) => email.text),
    ),
    labels: Uint8Array.from(emails, (email) => email.label),
  };
}
