/**
 * The hash behind every share decided by a key: canary and shadow shares, drift sampling, the
 * bottom-k drift examples and the seen-id sets. MurmurHash3 (x86, 32-bit) over the key's UTF-8 bytes,
 * whose final mix makes every input bit move every output bit, so sequential (`user-17`), numeric,
 * short and random keys split alike. FNV-1a has no final mix: near keys leave its high bits, the ones
 * a share compares, clustered. (The text features keep FNV-1a: it defines trained models' inputs.)
 */

const utf8 = new TextEncoder();
/** Where ASCII keys are copied as their own UTF-8 bytes: request ids and user keys, every request. */
const asciiScratch = new Uint8Array(512);

/** The UTF-8 bytes of `text`: ASCII without an encoder's allocation, anything else encoded. */
function utf8Bytes(text: string): Uint8Array {
  if (text.length > asciiScratch.length) return utf8.encode(text);
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code > 0x7f) return utf8.encode(text);
    asciiScratch[i] = code;
  }
  return asciiScratch.subarray(0, text.length);
}

/** MurmurHash3_x86_32 of `text` (UTF-8) with `seed`, as an unsigned 32-bit integer. */
export function murmur3(text: string, seed = 0): number {
  return murmur3Bytes(utf8Bytes(text), seed);
}

function murmur3Bytes(bytes: Uint8Array, seed: number): number {
  const tail = bytes.length & ~3;
  let h = seed >>> 0;
  for (let i = 0; i < tail; i += 4) {
    const block = bytes[i] | (bytes[i + 1] << 8) | (bytes[i + 2] << 16) | (bytes[i + 3] << 24);
    h ^= mixBlock(block);
    h = (h << 13) | (h >>> 19);
    h = (Math.imul(h, 5) + 0xe6546b64) | 0;
  }
  // The last one to three bytes, little-endian, mixed like a block.
  if (tail < bytes.length) {
    let rest = 0;
    for (let i = bytes.length - 1; i >= tail; i--) rest = (rest << 8) | bytes[i];
    h ^= mixBlock(rest);
  }
  h ^= bytes.length;
  return fmix32(h);
}

function mixBlock(block: number): number {
  let k = Math.imul(block, 0xcc9e2d51);
  k = (k << 15) | (k >>> 17);
  return Math.imul(k, 0x1b873593);
}

/** murmur3's finaliser, the avalanche step: without it near inputs hash near each other. */
export function fmix32(hash: number): number {
  let h = hash;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

const LOW_SEED = 0x9747b28c;
/** hash52's low part, the second hash's top 20 bits: below 2 ** 20. */
const LOW_RANGE = 2 ** 20;

/** A 52-bit hash of `text` (two seeds joined), exactly representable as a float64. */
export function hash52(text: string): number {
  const bytes = utf8Bytes(text);
  return murmur3Bytes(bytes, 0) * LOW_RANGE + (murmur3Bytes(bytes, LOW_SEED) >>> 12);
}

/**
 * Whether `key` falls in `share` (0..1) for `purpose`: the same key always gets the same answer, and
 * each purpose (the canary share, the shadow share, the drift sample) is an independent draw.
 */
export function inShare(purpose: string, key: string, share: number): boolean {
  if (share >= 1) return true;
  if (share <= 0) return false;
  // hash52 / 2 ** 52 < share, exactly; the first hash alone decides unless the threshold falls within
  // its step, so the second is computed for about one key in a million.
  const threshold = share * 2 ** 52;
  const bytes = utf8Bytes(`${purpose}:${key}`);
  const high = murmur3Bytes(bytes, 0) * LOW_RANGE;
  if (high + LOW_RANGE <= threshold) return true;
  if (high >= threshold) return false;
  return high + (murmur3Bytes(bytes, LOW_SEED) >>> 12) < threshold;
}
