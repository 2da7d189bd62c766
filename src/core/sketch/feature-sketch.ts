/**
 * One feature's sketch, as a tagged union: numeric features keep a histogram over the reference's
 * bin edges (for PSI / JS distance) and a KLL sketch (for KS / Wasserstein); categorical features keep
 * bounded category counts (for chi-square). Serialized forms are validated with zod on the way in.
 */
import { z } from "zod";
import { CategoricalSketch, SerializedCategorical } from "./categorical.js";
import { Histogram, SerializedHistogram } from "./histogram.js";
import { KllSketch, SerializedKll } from "./quantile.js";

export const NumericSketchSpec = z.object({
  kind: z.literal("numeric"),
  /** Bin edges from the reference profile (see binEdgesFromSample). */
  edges: z.array(z.number()).min(1),
  k: z.number().int().optional(),
  seed: z.number().int().optional(),
});
export const CategoricalSketchSpec = z.object({
  kind: z.literal("categorical"),
  /** Reference vocabulary; omit to track the first maxCategories seen (profiling). */
  categories: z.array(z.string()).optional(),
  maxCategories: z.number().int().positive().optional(),
});
export const SketchSpec = z.discriminatedUnion("kind", [NumericSketchSpec, CategoricalSketchSpec]);
export type SketchSpec = z.infer<typeof SketchSpec>;

export const SerializedNumericSketch = z.object({
  kind: z.literal("numeric"),
  histogram: SerializedHistogram,
  quantiles: SerializedKll,
});
export const SerializedCategoricalSketch = z.object({
  kind: z.literal("categorical"),
  categories: SerializedCategorical,
});
export const SerializedFeatureSketch = z.discriminatedUnion("kind", [
  SerializedNumericSketch,
  SerializedCategoricalSketch,
]);
export type SerializedFeatureSketch = z.infer<typeof SerializedFeatureSketch>;

export interface NumericFeatureSketch {
  kind: "numeric";
  histogram: Histogram;
  /** Finite values only; NaN and ±Infinity are visible in the histogram. */
  quantiles: KllSketch;
}
export interface CategoricalFeatureSketch {
  kind: "categorical";
  categories: CategoricalSketch;
}
export type FeatureSketch = NumericFeatureSketch | CategoricalFeatureSketch;

export function createSketch(spec: SketchSpec): FeatureSketch {
  const parsed = SketchSpec.parse(spec);
  if (parsed.kind === "numeric") {
    return {
      kind: "numeric",
      histogram: new Histogram(parsed.edges),
      quantiles: new KllSketch({ k: parsed.k, seed: parsed.seed }),
    };
  }
  return {
    kind: "categorical",
    categories: new CategoricalSketch({ categories: parsed.categories, maxCategories: parsed.maxCategories }),
  };
}

/** Numeric sketches take numbers (NaN and ±Infinity included), categorical ones strings. */
export function updateSketch(sketch: FeatureSketch, value: number | string): void {
  if (sketch.kind === "numeric") {
    if (typeof value !== "number") throw new TypeError(`numeric sketch got ${typeof value} value`);
    sketch.histogram.update(value);
    if (Number.isFinite(value)) sketch.quantiles.update(value);
  } else {
    if (typeof value !== "string") throw new TypeError(`categorical sketch got ${typeof value} value`);
    sketch.categories.update(value);
  }
}

/** A new sketch summarising both inputs, which are left unchanged. Kinds and bins must match. */
/** Folds `source` into `target` in place (`source` is left unchanged): merging many windows without copies. */
export function mergeSketchInto(target: FeatureSketch, source: FeatureSketch): void {
  if (target.kind === "numeric" && source.kind === "numeric") {
    target.histogram.merge(source.histogram);
    target.quantiles.merge(source.quantiles);
    return;
  }
  if (target.kind === "categorical" && source.kind === "categorical") {
    target.categories.merge(source.categories);
    return;
  }
  throw new Error(`cannot merge a ${source.kind} sketch into a ${target.kind} sketch`);
}

export function mergeSketches(a: FeatureSketch, b: FeatureSketch): FeatureSketch {
  if (a.kind === "numeric" && b.kind === "numeric") {
    return {
      kind: "numeric",
      histogram: a.histogram.clone().merge(b.histogram),
      quantiles: a.quantiles.clone().merge(b.quantiles),
    };
  }
  if (a.kind === "categorical" && b.kind === "categorical") {
    return { kind: "categorical", categories: a.categories.clone().merge(b.categories) };
  }
  throw new Error(`cannot merge a ${a.kind} sketch with a ${b.kind} sketch`);
}

export function serializeSketch(sketch: FeatureSketch): SerializedFeatureSketch {
  if (sketch.kind === "numeric") {
    return {
      kind: "numeric",
      histogram: sketch.histogram.serialize(),
      quantiles: sketch.quantiles.serialize(),
    };
  }
  return { kind: "categorical", categories: sketch.categories.serialize() };
}

export function deserializeSketch(data: unknown): FeatureSketch {
  const parsed = SerializedFeatureSketch.parse(data);
  if (parsed.kind === "numeric") {
    return {
      kind: "numeric",
      histogram: Histogram.deserialize(parsed.histogram),
      quantiles: KllSketch.deserialize(parsed.quantiles),
    };
  }
  return { kind: "categorical", categories: CategoricalSketch.deserialize(parsed.categories) };
}
