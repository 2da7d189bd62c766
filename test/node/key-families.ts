/**
 * Keys as callers really send them, for checking that a share decided by a hash splits them as it
 * should: sequential, digit-only, two-letter, request-id-like and random UUIDs.
 */

/** Deterministic UUIDv4 strings (mulberry32), so a failing split fails the same way every run. */
function uuids(n: number, seed: number): string[] {
  let state = seed >>> 0;
  const next = () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
  return Array.from({ length: n }, () => {
    const hex = Array.from({ length: 32 }, () => Math.floor(next() * 16).toString(16));
    hex[12] = "4";
    hex[16] = "89ab"[Math.floor(next() * 4)];
    const s = hex.join("");
    return `${s.slice(0, 8)}-${s.slice(8, 12)}-${s.slice(12, 16)}-${s.slice(16, 20)}-${s.slice(20)}`;
  });
}

const letters = "abcdefghijklmnopqrstuvwxyz";

export const keyFamilies: Record<string, string[]> = {
  "user-0..user-199": Array.from({ length: 200 }, (_, i) => `user-${i}`),
  "user-0..user-1999": Array.from({ length: 2000 }, (_, i) => `user-${i}`),
  "0..1999": Array.from({ length: 2000 }, (_, i) => String(i)),
  "aa..zz": [...letters].flatMap((a) => [...letters].map((b) => a + b)),
  "caller-0..caller-999": Array.from({ length: 1000 }, (_, i) => `caller-${i}`),
  "2000 UUIDs": uuids(2000, 17),
};

/** Four binomial standard deviations around n·share: a fair split lands inside all but 6e-5 of the time. */
export function fairRange(n: number, share: number): [number, number] {
  const sigma = Math.sqrt(n * share * (1 - share));
  return [n * share - 4 * sigma, n * share + 4 * sigma];
}
