/**
 * Which requests are sampled: a hash of the request id against the model's rate, so the decision is
 * reproducible (the same request id is always in or always out) and needs no shared state.
 */
import { fnv1a } from "../core/text-features.js";

export function isSampled(requestId: string, rate: number): boolean {
  if (rate >= 1) return true;
  if (rate <= 0) return false;
  return fnv1a(requestId) / 0x1_0000_0000 < rate;
}
