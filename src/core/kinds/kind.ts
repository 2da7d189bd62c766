/**
 * What an input kind is: how a model of that kind is asked (the request's instance schema), how its
 * instances become the model's feeds (one function, run by the Worker and by the toolchain), which
 * drift features it measures, and which it proposes for a reference profile. The request handler,
 * the profile builder and the trainer talk to kinds only through this interface.
 */
import type { z } from "zod";
import type { SerializedBloom } from "../bloom.js";
import { InvalidInputError } from "../errors.js";
import type { HostTensor, TensorSpec } from "../tensor.js";

/** The request limits a kind enforces while it builds feeds. */
export interface InputLimits {
  maxBatch: number;
  maxTextChars: number;
  /** Most pixels of the decoded images of one request (width x height, read from each header first). */
  maxImagePixels: number;
}

/** Files of the version folder a kind needs at serving time (e.g. `vocab.txt`), by file name. */
export type Assets = ReadonlyMap<string, Uint8Array>;

/** Drift values of one instance, by feature name. */
export type DriftValues = Record<string, number | string>;

/**
 * A drift feature as a kind sees it: its own features carry more fields (each kind's schema says
 * which), every other kind's it skips.
 */
export interface DriftFeatureRef {
  kind: string;
  name: string;
}

/** How a kind's categorical drift feature is counted. */
export interface CategoricalDrift {
  /** A fixed vocabulary; absent, the categories the reference shows. */
  categories?: readonly string[];
  /**
   * The categories are data-quality states: the first is the good one, and the share of each other
   * is judged against the reference's by the promotion policy, not by PSI.
   */
  quality?: true;
}

/** A batch of instances turned into feeds, with what drift needs to know of each instance. */
export interface FeatureBatch {
  feeds: Record<string, HostTensor>;
  size: number;
  /** The kind's own drift values of instance `index` for the `features` it measures. */
  drift(index: number, features: readonly DriftFeatureRef[], vocabulary?: SerializedBloom): DriftValues;
  /** The raw input of instance `index` as text, for drift specs that keep examples. */
  example?(index: number): string | undefined;
}

/** A kind spec bound to its assets: what serving caches per version. */
export interface Featurizer<Instance> {
  features(instances: readonly Instance[], limits: InputLimits): FeatureBatch;
}

/** How a kind's request instances become feeds. */
export interface InstanceCodec<Spec, Instance> {
  /** One element of the request's `instances`. */
  readonly schema: z.ZodType<Instance>;
  /** The asset files the spec names, to be loaded (and verified) beside the model. */
  assets(spec: Spec): string[];
  compile(spec: Spec, assets: Assets, inputs: readonly TensorSpec[]): Featurizer<Instance>;
  /**
   * For kinds whose instances are rows of a table: a row of a dataset file (CSV cells as strings)
   * as an instance, with the columns the spec reads, typed as it takes them.
   */
  fromRow?(spec: Spec, row: Readonly<Record<string, string | number | boolean | null>>): Instance;
  /** For kinds that also take a request body that is one instance's file (an `image/png` body). */
  readonly body?: {
    readonly mediaTypes: readonly string[];
    instance(bytes: Uint8Array): Instance;
  };
}

export interface InputKind<Spec extends { kind: string }, Instance> {
  readonly kind: Spec["kind"];
  /** The manifest's `input` for this kind. */
  readonly spec: z.ZodType<Spec>;
  /** Schemas of the drift features only this kind measures (joined into the manifest's drift spec). */
  readonly driftFeatures: readonly z.ZodObject<{ kind: z.ZodLiteral<string>; name: z.ZodString }>[];
  /** Those of its drift features whose values are categories (counted, compared by chi-square), by feature kind. */
  readonly categoricalDrift?: Readonly<Record<string, CategoricalDrift>>;
  /** The graph inputs the kind feeds (checked against the graph at import, publish and load). */
  feeds(spec: Spec): string[];
  /** Absent for kinds that take tensors only. */
  readonly instances?: InstanceCodec<Spec, Instance>;
  /** The drift features a reference profile of this kind measures unless told otherwise. */
  defaultDrift(spec: Spec, inputs: readonly TensorSpec[]): DriftFeatureRef[];
}

/** The batch-size rule every kind shares: at least one instance, at most the limit. */
export function checkBatch(field: string, size: number, limits: InputLimits): void {
  if (size === 0) throw InvalidInputError.field(field, "the batch is empty");
  if (size > limits.maxBatch) {
    throw InvalidInputError.field(field, `the batch has ${size} instances, the limit is ${limits.maxBatch}`);
  }
}
