/**
 * The sketch window document and what can be done with it without storage: its key in R2, the
 * sample-id hashes that make folding idempotent, and merging windows into one set of sketches.
 */
import { z } from "zod";
import { MAX_EXAMPLE_CHARS, MAX_EXAMPLES_PER_WINDOW } from "../core/drift-features.js";
import { hash52 } from "../core/share-hash.js";
import {
  deserializeSketch,
  type FeatureSketch,
  mergeSketchInto,
  SerializedFeatureSketch,
} from "../core/sketch/feature-sketch.js";
import { decodeFloat64, encodeFloat64 } from "../core/sketch/float64-base64.js";
import {
  ERROR_KINDS,
  type ErrorKind,
  ErrorKind as ErrorKindSchema,
  type ServingRole,
  ServingRole as ServingRoleSchema,
} from "./sample.js";

/** A raw input kept as an example (models whose drift spec asks for examples only). */
export const TextExample = z.object({
  /** The sample id's hash: examples are the window's samples with the lowest hashes. */
  hash: z.number(),
  id: z.string(),
  time: z.number().int().nonnegative(),
  text: z.string().max(MAX_EXAMPLE_CHARS),
  label: z.string().optional(),
});
export type TextExample = z.infer<typeof TextExample>;

/** What names a window, drift or feedback: whose, which role, and its span. */
export const windowIdentity = {
  model: z.string(),
  version: z.number().int().positive(),
  role: ServingRoleSchema,
  /** Window start, epoch milliseconds. */
  start: z.number().int(),
  seconds: z.number().int().positive(),
};

export const SketchWindow = z.object({
  ...windowIdentity,
  /** Instances answered (and sketched). */
  count: z.number().int().nonnegative(),
  /** Instances the version failed to answer, by why; windows written before errors were counted have none. */
  errors: z.partialRecord(ErrorKindSchema, z.number().int().nonnegative()).default({}),
  features: z.record(z.string(), SerializedFeatureSketch),
  latency: SerializedFeatureSketch,
  /** 52-bit hashes of the folded sample ids, as base64 float64s. */
  seen: z.string(),
  examples: z.array(TextExample).max(MAX_EXAMPLES_PER_WINDOW).default([]),
});
export type SketchWindow = z.infer<typeof SketchWindow>;

export interface WindowKey {
  model: string;
  version: number;
  role: ServingRole;
  start: number;
}

export function windowStart(time: number, seconds: number): number {
  const size = seconds * 1000;
  return Math.floor(time / size) * size;
}

/** The first window start at or after `time`: reading windows from `time` reads from there. */
export function firstWindowFrom(time: number, seconds: number): number {
  const size = seconds * 1000;
  return Math.ceil(time / size) * size;
}

/** The sample id's 52-bit hash: uniform, so the lowest ones are a fair sample of the inputs. */
export function sampleIdHash(id: string): number {
  return hash52(id);
}

/**
 * The items whose id a window (drift or feedback) has not folded yet, first of each id only, and the
 * window's `seen` hashes with theirs added.
 */
export function unseen<T extends { id: string }>(
  seen: string,
  items: readonly T[],
): { fresh: T[]; seen: string } {
  const hashes = new Set(seen === "" ? [] : decodeFloat64(seen));
  const fresh = items.filter((item) => {
    const hash = sampleIdHash(item.id);
    if (hashes.has(hash)) return false;
    hashes.add(hash);
    return true;
  });
  return { fresh, seen: encodeFloat64([...hashes]) };
}

/**
 * The `keep` examples with the lowest sample-id hashes among all given: a uniform sample of the
 * inputs that is the same whatever the order of folding and merging, and does not change when a
 * sample is folded twice.
 */
export function lowestExamples(examples: Iterable<TextExample>, keep: number): TextExample[] {
  const byHash = new Map<number, TextExample>();
  for (const example of examples) byHash.set(example.hash, example);
  return [...byHash.values()].sort((a, b) => a.hash - b.hash).slice(0, keep);
}

export type ErrorCounts = Record<ErrorKind, number>;

/** A version's failures to answer over some windows, and their share of the instances it was sent. */
export interface ErrorTally {
  count: number;
  /** count / (answered + count); null when it was sent nothing. */
  rate: number | null;
  byKind: ErrorCounts;
}

export function errorTally(answered: number, byKind: ErrorCounts): ErrorTally {
  const count = ERROR_KINDS.reduce((sum, kind) => sum + byKind[kind], 0);
  const total = answered + count;
  return { count, rate: total === 0 ? null : count / total, byKind };
}

export interface MergedWindows {
  count: number;
  countByRole: Partial<Record<ServingRole, number>>;
  errors: ErrorCounts;
  features: Record<string, FeatureSketch>;
  latency: FeatureSketch | null;
}

const noErrors = (): ErrorCounts => Object.fromEntries(ERROR_KINDS.map((kind) => [kind, 0])) as ErrorCounts;

/** Merges windows (optionally of some roles only) into one set of sketches, in place: no copies. */
export function mergeWindows(
  windows: readonly SketchWindow[],
  roles?: readonly ServingRole[],
): MergedWindows {
  const merged: MergedWindows = {
    count: 0,
    countByRole: {},
    errors: noErrors(),
    features: {},
    latency: null,
  };
  for (const window of windows) {
    if (roles && !roles.includes(window.role)) continue;
    merged.count += window.count;
    for (const kind of ERROR_KINDS) merged.errors[kind] += window.errors[kind] ?? 0;
    merged.countByRole[window.role] = (merged.countByRole[window.role] ?? 0) + window.count;
    for (const [name, data] of Object.entries(window.features)) {
      const sketch = deserializeSketch(data);
      const current = merged.features[name];
      if (current) mergeSketchInto(current, sketch);
      else merged.features[name] = sketch;
    }
    const latency = deserializeSketch(window.latency);
    if (merged.latency) mergeSketchInto(merged.latency, latency);
    else merged.latency = latency;
  }
  return merged;
}
