/**
 * Instances -> BERT feeds: [CLS] text [SEP] (pair [SEP]) ids cut to maxLength, padded, with the
 * attention mask and token types; the one function the Worker and the toolchain both run.
 */
import { InvalidInputError, UnprocessableError } from "../../errors.js";
import type { HostTensor, TensorSpec } from "../../tensor.js";
import { type Assets, checkBatch, type FeatureBatch, type InputLimits } from "../kind.js";
import type { TextPairInstance, WordpieceDriftFeature, WordpieceTextSpec } from "./schema.js";
import { parseVocab, tokenIds, truncatedLengths } from "./tokenizer.js";

/** One instance's ids, with what drift measures of it. */
export interface Encoded {
  inputIds: number[];
  tokenTypeIds: number[];
  /** Word pieces of text and pair before truncation. */
  pieces: number;
  unknown: number;
  truncated: boolean;
}

export interface Wordpiece {
  encode(instance: TextPairInstance): Encoded;
  readonly padId: number;
  /** The vocabulary's largest id: the largest the tokenizer can feed. */
  readonly largestId: number;
}

function tokenId(vocab: ReadonlyMap<string, number>, spec: WordpieceTextSpec, token: string): number {
  const id = vocab.get(token);
  if (id === undefined) throw new UnprocessableError(`${spec.vocab} has no token ${token}`);
  return id;
}

/** The tokenizer of `spec` over its vocabulary file. */
export function wordpiece(spec: WordpieceTextSpec, vocabBytes: Uint8Array): Wordpiece {
  const vocab = parseVocab(vocabBytes);
  const cls = tokenId(vocab, spec, spec.tokens.cls);
  const sep = tokenId(vocab, spec, spec.tokens.sep);
  const unknownId = tokenId(vocab, spec, spec.tokens.unknown);
  const padId = tokenId(vocab, spec, spec.tokens.pad);
  return {
    padId,
    largestId: [...vocab.values()].reduce((a, b) => Math.max(a, b), 0),
    encode(instance) {
      const first = tokenIds(instance.text, vocab, unknownId, spec);
      const second = instance.pair === undefined ? null : tokenIds(instance.pair, vocab, unknownId, spec);
      const budget = spec.maxLength - (second === null ? 2 : 3);
      const [firstKept, secondKept] = truncatedLengths(first.length, second?.length ?? null, budget);
      const inputIds = [cls, ...first.slice(0, firstKept), sep];
      const tokenTypeIds = inputIds.map(() => 0);
      if (second !== null) {
        const tail = [...second.slice(0, secondKept), sep];
        inputIds.push(...tail);
        tokenTypeIds.push(...tail.map(() => 1));
      }
      const all = second === null ? first : [...first, ...second];
      return {
        inputIds,
        tokenTypeIds,
        pieces: all.length,
        unknown: all.filter((id) => id === unknownId).length,
        truncated: firstKept < first.length || secondKept < (second?.length ?? 0),
      };
    },
  };
}

/** The graph input `name` as the spec feeds it: [batch, sequence] of int64 or int32. */
function sequenceInput(inputs: readonly TensorSpec[], name: string, spec: WordpieceTextSpec): TensorSpec {
  const input = inputs.find((candidate) => candidate.name === name);
  if (!input) throw new UnprocessableError(`the model has no input named ${name}`);
  if (input.dtype !== "int64" && input.dtype !== "int32") {
    throw new UnprocessableError(`input ${name} is ${input.dtype}: token inputs are int64 or int32`);
  }
  if (input.shape.length !== 2) {
    throw new UnprocessableError(
      `input ${name} has shape [${input.shape.join(", ")}], not [batch, sequence]`,
    );
  }
  const sequence = input.shape[1];
  if (typeof sequence === "number" && (spec.padding !== "max-length" || sequence !== spec.maxLength)) {
    throw new UnprocessableError(
      `input ${name} takes exactly ${sequence} tokens: use padding "max-length" with maxLength ${sequence}`,
    );
  }
  return input;
}

/**
 * The spec against the bounds the graph sets on what it feeds (vane import records them): every id
 * the vocabulary can give must be a row of the model's table, and every length it pads to must fit
 * the position table.
 */
function checkBounds(
  spec: WordpieceTextSpec,
  tokenizer: Wordpiece,
  ids: TensorSpec,
  fed: readonly TensorSpec[],
) {
  const values = ids.bounds?.values;
  if (values && tokenizer.largestId > values.max) {
    throw new UnprocessableError(
      `${spec.vocab} has ids up to ${tokenizer.largestId}, more than ${ids.name} takes (${values.max}): ${values.reason}`,
    );
  }
  for (const input of fed) {
    const sequence = input.bounds?.axes?.find((bound) => bound.axis === 1);
    if (sequence && spec.maxLength > sequence.max) {
      throw new UnprocessableError(
        `maxLength ${spec.maxLength} is more than ${input.name} takes (${sequence.max}): ${sequence.reason}`,
      );
    }
  }
}

function tensorOf(input: TensorSpec, rows: readonly number[][], length: number, pad: number): HostTensor {
  const count = rows.length * length;
  const data = input.dtype === "int64" ? new BigInt64Array(count) : new Int32Array(count);
  rows.forEach((row, r) => {
    for (let t = 0; t < length; t++) {
      const value = t < row.length ? row[t] : pad;
      if (data instanceof BigInt64Array) data[r * length + t] = BigInt(value);
      else data[r * length + t] = value;
    }
  });
  return { dtype: input.dtype, dims: [rows.length, length], data };
}

function driftOf(encoded: Encoded, features: readonly { kind: string; name: string }[]) {
  const values: Record<string, number> = {};
  for (const ref of features) {
    const feature = ref as WordpieceDriftFeature;
    switch (feature.kind) {
      case "wordpiece-count":
        values[feature.name] = encoded.pieces;
        break;
      case "unknown-wordpiece-share":
        values[feature.name] = encoded.pieces === 0 ? 0 : encoded.unknown / encoded.pieces;
        break;
      case "truncated":
        values[feature.name] = encoded.truncated ? 1 : 0;
        break;
    }
  }
  return values;
}

/** The featurizer of a version: the spec bound to its vocabulary and checked against the graph. */
export function wordpieceFeaturizer(spec: WordpieceTextSpec, assets: Assets, inputs: readonly TensorSpec[]) {
  const vocabBytes = assets.get(spec.vocab);
  if (!vocabBytes) throw new UnprocessableError(`the vocabulary ${spec.vocab} was not loaded`);
  const tokenizer = wordpiece(spec, vocabBytes);
  const idsInput = sequenceInput(inputs, spec.inputs.inputIds, spec);
  const maskInput = spec.inputs.attentionMask && sequenceInput(inputs, spec.inputs.attentionMask, spec);
  const typesInput = spec.inputs.tokenTypeIds && sequenceInput(inputs, spec.inputs.tokenTypeIds, spec);
  checkBounds(
    spec,
    tokenizer,
    idsInput,
    [idsInput, maskInput, typesInput].filter((input): input is TensorSpec => Boolean(input)),
  );
  return {
    features(instances: readonly TextPairInstance[], limits: InputLimits): FeatureBatch {
      checkBatch("instances", instances.length, limits);
      instances.forEach((instance, i) => {
        for (const field of ["text", "pair"] as const) {
          const length = instance[field]?.length ?? 0;
          if (length > limits.maxTextChars) {
            throw InvalidInputError.field(
              `instances[${i}].${field}`,
              `${field} has ${length} characters, the limit is ${limits.maxTextChars}`,
            );
          }
        }
      });
      const encoded = instances.map((instance) => tokenizer.encode(instance));
      const length =
        spec.padding === "max-length" ? spec.maxLength : Math.max(...encoded.map((e) => e.inputIds.length));
      const feeds: Record<string, HostTensor> = {
        [idsInput.name]: tensorOf(
          idsInput,
          encoded.map((e) => e.inputIds),
          length,
          tokenizer.padId,
        ),
      };
      if (maskInput) {
        const masks = encoded.map((e) => e.inputIds.map(() => 1));
        feeds[maskInput.name] = tensorOf(maskInput, masks, length, 0);
      }
      if (typesInput) {
        const types = encoded.map((e) => e.tokenTypeIds);
        feeds[typesInput.name] = tensorOf(typesInput, types, length, 0);
      }
      return {
        feeds,
        size: instances.length,
        drift: (index, features) => driftOf(encoded[index], features),
        example: (index) => instances[index]?.text,
      };
    },
  };
}
