/** The wordpiece-text kind: texts (or text pairs) through a BERT tokenizer to a transformer's ids. */
import type { InputKind } from "../kind.js";
import { wordpieceFeaturizer } from "./features.js";
import { TextPairInstance, WordpieceDriftFeatures, WordpieceTextSpec } from "./schema.js";

export const wordpieceText = {
  kind: "wordpiece-text",
  spec: WordpieceTextSpec,
  driftFeatures: WordpieceDriftFeatures,
  feeds: (spec) =>
    [spec.inputs.inputIds, spec.inputs.attentionMask, spec.inputs.tokenTypeIds].filter(
      (name): name is string => name !== undefined,
    ),
  instances: {
    schema: TextPairInstance,
    assets: (spec) => [spec.vocab],
    compile: wordpieceFeaturizer,
  },
  defaultDrift: () => [
    { kind: "wordpiece-count", name: "wordpiece_count" },
    { kind: "unknown-wordpiece-share", name: "unknown_share" },
    { kind: "truncated", name: "truncated" },
  ],
} satisfies InputKind<WordpieceTextSpec, TextPairInstance>;
