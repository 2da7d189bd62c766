/**
 * The wordpiece-text kind's contracts: a BERT-style tokenizer's settings (the manifest's `input`),
 * the request instance (a text, optionally with a second text of a pair) and its drift features.
 */
import { z } from "zod";

const FileName = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/);
const InputName = z.string().min(1);

export const WordpieceTextSpec = z.object({
  kind: z.literal("wordpiece-text"),
  /** The vocabulary in the version folder (listed in the manifest's `assets`): one token a line, id = line. */
  vocab: FileName,
  /** The graph inputs fed (int64 or int32 [batch, sequence] each); the mask and token types are optional. */
  inputs: z
    .object({
      /** Token ids: [CLS] text [SEP] (pair [SEP]), then [PAD]. */
      inputIds: InputName,
      /** 1 for a token, 0 for padding. */
      attentionMask: InputName.optional(),
      /** 0 for [CLS], the text and its [SEP]; 1 for the pair and its [SEP]. */
      tokenTypeIds: InputName.optional(),
    })
    .strict(),
  /** Lower-case before word pieces (uncased vocabularies). */
  lowercase: z.boolean(),
  /** Drop accents (NFD, then combining marks removed); BERT does when it lower-cases. */
  stripAccents: z.boolean(),
  /** Put spaces around CJK ideographs, so each is a word of its own. */
  splitCjk: z.boolean().default(true),
  /** Most ids per instance, [CLS] and [SEP] included: longer texts are truncated (longest first for pairs). */
  maxLength: z.number().int().min(4).max(8192),
  /** `longest`: pad to the longest instance of the batch; `max-length`: always to maxLength (fixed graphs). */
  padding: z.enum(["longest", "max-length"]).default("longest"),
  /** A word longer than this many characters becomes the unknown token. */
  maxWordChars: z.number().int().positive().default(100),
  /** The special tokens, as spelled in the vocabulary. */
  tokens: z
    .object({
      cls: z.string().min(1).default("[CLS]"),
      sep: z.string().min(1).default("[SEP]"),
      pad: z.string().min(1).default("[PAD]"),
      unknown: z.string().min(1).default("[UNK]"),
    })
    .strict()
    .default({ cls: "[CLS]", sep: "[SEP]", pad: "[PAD]", unknown: "[UNK]" }),
  /** Marks a word piece that continues a word. */
  continuationPrefix: z.string().min(1).default("##"),
});
export type WordpieceTextSpec = z.infer<typeof WordpieceTextSpec>;

export const TextPairInstance = z.object({ text: z.string(), pair: z.string().optional() }).strict();
export type TextPairInstance = z.infer<typeof TextPairInstance>;

export const WordpieceDriftFeatures = [
  /** Word pieces of the text and the pair, before truncation (special tokens not counted). */
  z.object({ kind: z.literal("wordpiece-count"), name: z.string() }),
  /** Share of those word pieces that are the unknown token. */
  z.object({ kind: z.literal("unknown-wordpiece-share"), name: z.string() }),
  /** 1 if the instance was cut to maxLength, else 0. */
  z.object({ kind: z.literal("truncated"), name: z.string() }),
] as const;
export type WordpieceDriftFeature = z.infer<(typeof WordpieceDriftFeatures)[number]>;
