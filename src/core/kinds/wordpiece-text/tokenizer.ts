/**
 * BERT's tokenizer, as HuggingFace's BertTokenizer (the tokenizers library's BertNormalizer,
 * BertPreTokenizer, WordPiece and BERT post-processing) computes it: the same ids for the same text,
 * checked against it on real mails in test/node/wordpiece.test.ts.
 */

export interface TokenizerOptions {
  lowercase: boolean;
  stripAccents: boolean;
  splitCjk: boolean;
  maxWordChars: number;
  continuationPrefix: string;
}

const CONTROL = /\p{C}/u;
const WHITESPACE = /\p{White_Space}/u;
const PUNCTUATION = /[\p{P}!-/:-@[-`{-~]/u;
const NONSPACING_MARK = /\p{Mn}/gu;

/** CJK Unified Ideographs and their extensions and compatibility blocks (BERT's definition). */
function isCjk(codePoint: number): boolean {
  return (
    (codePoint >= 0x4e00 && codePoint <= 0x9fff) ||
    (codePoint >= 0x3400 && codePoint <= 0x4dbf) ||
    (codePoint >= 0x20000 && codePoint <= 0x2a6df) ||
    (codePoint >= 0x2a700 && codePoint <= 0x2b73f) ||
    (codePoint >= 0x2b740 && codePoint <= 0x2b81f) ||
    (codePoint >= 0x2b820 && codePoint <= 0x2ceaf) ||
    (codePoint >= 0xf900 && codePoint <= 0xfaff) ||
    (codePoint >= 0x2f800 && codePoint <= 0x2fa1f)
  );
}

/** Control characters (tabs and newlines aside), NUL and U+FFFD dropped, whitespace made a space, CJK spaced, accents, case. */
export function normalize(text: string, options: TokenizerOptions): string {
  let cleaned = "";
  for (const char of text) {
    const kept = char === "\t" || char === "\n" || char === "\r";
    if (!kept && (char === "\ufffd" || CONTROL.test(char))) continue;
    if (kept || WHITESPACE.test(char)) {
      cleaned += " ";
    } else if (options.splitCjk && isCjk(char.codePointAt(0) as number)) {
      cleaned += ` ${char} `;
    } else {
      cleaned += char;
    }
  }
  if (options.stripAccents) cleaned = cleaned.normalize("NFD").replace(NONSPACING_MARK, "");
  if (!options.lowercase) return cleaned;
  // Character by character, as the reference does (no final-sigma context rule).
  let lowered = "";
  for (const char of cleaned) lowered += char.toLowerCase();
  return lowered;
}

/** Words split on whitespace, each punctuation character a word of its own. */
export function basicTokens(normalized: string): string[] {
  const words: string[] = [];
  let word = "";
  for (const char of normalized) {
    if (WHITESPACE.test(char)) {
      if (word) words.push(word);
      word = "";
    } else if (PUNCTUATION.test(char)) {
      if (word) words.push(word);
      words.push(char);
      word = "";
    } else {
      word += char;
    }
  }
  if (word) words.push(word);
  return words;
}

/**
 * Greedy longest-match word pieces of one word, continuations prefixed; a word with a part no piece
 * covers, or longer than `maxWordChars`, is the unknown token (null here).
 */
export function wordPieces(
  word: string,
  vocab: ReadonlyMap<string, number>,
  options: TokenizerOptions,
): number[] | null {
  const chars = Array.from(word);
  if (chars.length > options.maxWordChars) return null;
  const ids: number[] = [];
  let start = 0;
  while (start < chars.length) {
    let end = chars.length;
    let found: number | undefined;
    while (start < end) {
      const piece = (start > 0 ? options.continuationPrefix : "") + chars.slice(start, end).join("");
      found = vocab.get(piece);
      if (found !== undefined) break;
      end--;
    }
    if (found === undefined) return null;
    ids.push(found);
    start = end;
  }
  return ids;
}

/** The word-piece ids of a text, with the unknown token's id where a word has none. */
export function tokenIds(
  text: string,
  vocab: ReadonlyMap<string, number>,
  unknownId: number,
  options: TokenizerOptions,
): number[] {
  const ids: number[] = [];
  for (const word of basicTokens(normalize(text, options))) {
    const pieces = wordPieces(word, vocab, options);
    if (pieces) ids.push(...pieces);
    else ids.push(unknownId);
  }
  return ids;
}

/** One token a line, the id being the line number (a later duplicate wins, as in the reference). */
export function parseVocab(bytes: Uint8Array): Map<string, number> {
  const lines = new TextDecoder("utf-8").decode(bytes).split("\n");
  if (lines.at(-1) === "") lines.pop();
  const vocab = new Map<string, number>();
  lines.forEach((line, id) => {
    vocab.set(line.replace(/\s+$/u, ""), id);
  });
  return vocab;
}

/**
 * How many pieces of each segment survive `budget` (maxLength less the special tokens): the single
 * text is cut at the end; of a pair the longer segment gives way first, and if both must, they share
 * the budget evenly (the first segment takes the odd one only when it is the longer).
 */
export function truncatedLengths(first: number, second: number | null, budget: number): [number, number] {
  if (second === null) return [Math.min(first, budget), 0];
  if (first + second <= budget) return [first, second];
  const swap = first > second;
  let shorter = swap ? second : first;
  let longer = shorter > budget ? shorter : Math.max(shorter, budget - shorter);
  if (shorter + longer > budget) {
    shorter = Math.floor(budget / 2);
    longer = shorter + (budget % 2);
  }
  return swap ? [longer, shorter] : [shorter, longer];
}
