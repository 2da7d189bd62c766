/**
 * Text preprocessing shared by the trainer (Node) and the Worker (workerd): one function turns an
 * email into the feature vector the model was trained on, so training/serving skew cannot creep in.
 * The manifest carries the spec; both sides call `textFeatures(spec, text)`.
 */
import type { HashedTextSpec } from "./schema.js";

const TOKEN = /[a-z0-9$!€£]+/g;
const MAX_TOKEN_CHARS = 40;

/** Lower-cased alphanumeric runs (and money/exclamation marks, which carry spam signal). */
export function tokenize(text: string, maxChars: number): string[] {
  const lowered = text.slice(0, maxChars).toLowerCase();
  const tokens = lowered.match(TOKEN) ?? [];
  return tokens.map((token) => (token.length > MAX_TOKEN_CHARS ? token.slice(0, MAX_TOKEN_CHARS) : token));
}

/** 32-bit FNV-1a over UTF-16 code units: tiny, fast and identical in Node and workerd. */
export function fnv1a(token: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < token.length; i++) {
    hash ^= token.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}

export interface TextFeatures {
  vector: Float32Array;
  /** FNV-1a hash of each token, in order: the token identities the drift features work on. */
  tokenHashes: Uint32Array;
}

/** Feature vector of one text under `spec`, plus its token hashes (the drift features need them). */
export function textFeatures(spec: HashedTextSpec, text: string): TextFeatures {
  const tokens = tokenize(text, spec.maxChars);
  const tokenHashes = new Uint32Array(tokens.length);
  const counts = new Float64Array(spec.buckets);
  for (let t = 0; t < tokens.length; t++) {
    const hash = fnv1a(tokens[t]);
    tokenHashes[t] = hash;
    const bucket = hash % spec.buckets;
    const sign = spec.signed && hash & 0x80000000 ? -1 : 1;
    counts[bucket] += sign;
  }
  const vector = new Float32Array(spec.buckets);
  let sumSquares = 0;
  for (let i = 0; i < counts.length; i++) {
    const count = counts[i];
    if (count === 0) continue;
    const magnitude = weight(spec.weighting, Math.abs(count));
    const value = Math.sign(count) * magnitude;
    counts[i] = value;
    sumSquares += value * value;
  }
  const scale = spec.normalize === "l2" && sumSquares > 0 ? 1 / Math.sqrt(sumSquares) : 1;
  for (let i = 0; i < counts.length; i++) vector[i] = counts[i] * scale;
  return { vector, tokenHashes };
}

function weight(weighting: HashedTextSpec["weighting"], count: number): number {
  switch (weighting) {
    case "log1p":
      return Math.log1p(count);
    case "count":
      return count;
    case "binary":
      return 1;
  }
}

/** Row-major [texts.length, buckets] matrix, the layout ORT expects for a float32 input. */
export function textFeatureMatrix(spec: HashedTextSpec, texts: readonly string[]): Float32Array {
  const matrix = new Float32Array(texts.length * spec.buckets);
  texts.forEach((text, row) => {
    matrix.set(textFeatures(spec, text).vector, row * spec.buckets);
  });
  return matrix;
}
