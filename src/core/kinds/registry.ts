/**
 * The input kinds, by name: the one place that lists them. A new kind is a folder beside this file
 * plus one line in KINDS; nothing else in vane switches on a kind.
 */
import { z } from "zod";
import { hashedText } from "./hashed-text/index.js";
import { image } from "./image/index.js";
import type { CategoricalDrift, InputKind } from "./kind.js";
import { tabular } from "./tabular/index.js";
import { tensors } from "./tensors/index.js";
import { wordpieceText } from "./wordpiece-text/index.js";

const KINDS = [tensors, hashedText, image, wordpieceText, tabular] as const;

type Kind = (typeof KINDS)[number];
type SpecSchema = Kind["spec"];
type KindDriftFeature = Kind["driftFeatures"][number];

/** The manifest's `input`: which kind feeds the model, with that kind's spec. */
export const InputSpec = z.discriminatedUnion(
  "kind",
  KINDS.map((kind) => kind.spec) as unknown as [SpecSchema, ...SpecSchema[]],
);
export type InputSpec = z.infer<typeof InputSpec>;

/** Every kind's own drift feature schemas, for the drift spec's union. */
export const KIND_DRIFT_FEATURES = KINDS.flatMap((kind): readonly KindDriftFeature[] => kind.driftFeatures);

const CATEGORICAL_DRIFT = new Map<string, CategoricalDrift>(
  KINDS.flatMap((kind) => ("categoricalDrift" in kind ? Object.entries(kind.categoricalDrift) : [])),
);

/** How a kind's drift feature of `featureKind` counts categories; undefined for a numeric one (or one no kind owns). */
export function kindCategorical(featureKind: string): CategoricalDrift | undefined {
  return CATEGORICAL_DRIFT.get(featureKind);
}

/** Media types some kind takes as a whole request body (one instance's file), besides JSON. */
export const BODY_MEDIA_TYPES: readonly string[] = KINDS.flatMap(
  (kind) =>
    ("instances" in kind && "body" in kind.instances ? kind.instances.body.mediaTypes : []) as string[],
);

/** The kind module of a spec. Its parts are typed loosely here: the spec was parsed by its own schema. */
export function kindOf(spec: InputSpec): InputKind<InputSpec, unknown> {
  const kind = KINDS.find((candidate) => candidate.kind === spec.kind);
  if (!kind) throw new Error(`no input kind named ${spec.kind}`);
  return kind as unknown as InputKind<InputSpec, unknown>;
}
