/**
 * The tabular kind's contracts: the manifest spec (named columns with the training set's statistics
 * and categories), the request instance (one object of named values) and the drift features it
 * measures per column.
 */
import { z } from "zod";

/** Drift sample keys are at most 64 characters: a column's name leaves room for `.quality`. */
export const MAX_COLUMN_NAME = 56;
/** Drift sample values are at most 64 characters, and so are categories. */
export const MAX_CATEGORY = 64;
export const MAX_COLUMNS = 512;
export const MAX_CATEGORIES = 1024;
/** Most distinct values a numeric column may list to be counted as categories by drift (0/1 flags). */
export const MAX_DISCRETE_VALUES = 16;

const ColumnName = z
  .string()
  .min(1)
  .max(MAX_COLUMN_NAME)
  .regex(/^[^\s.][^.]*$/, "a column name has no dots and does not start with a space");

/** A missing value (absent or null): refused naming the column, or replaced before featurizing. */
const Refuse = z.object({ policy: z.literal("refuse") });

export const NumericColumn = z
  .object({
    name: ColumnName,
    type: z.literal("numeric"),
    /** Training statistics: the model sees (value - mean) / std. */
    mean: z.number(),
    std: z.number().positive(),
    /** The training range: values outside it are fed, and counted by data quality. */
    min: z.number(),
    max: z.number(),
    /** The few distinct values of a discrete column (a 0/1 flag): drift counts them as categories. */
    values: z.array(z.number()).min(1).max(MAX_DISCRETE_VALUES).optional(),
    /** Imputed with `value` (the training mean, as fitted) or refused. */
    missing: z.discriminatedUnion("policy", [
      z.object({ policy: z.literal("impute"), value: z.number() }),
      Refuse,
    ]),
  })
  .strict()
  .refine((column) => column.min <= column.max, { message: "min is above max", path: ["min"] });
export type NumericColumn = z.infer<typeof NumericColumn>;

export const CategoricalColumn = z
  .object({
    name: ColumnName,
    type: z.literal("categorical"),
    /** One-hot positions, in order; anything else goes to the unknown bucket after them. */
    categories: z.array(z.string().min(1).max(MAX_CATEGORY)).min(1).max(MAX_CATEGORIES),
    /** Imputed with `value` (one of the categories; the unknown bucket when absent) or refused. */
    missing: z.discriminatedUnion("policy", [
      z.object({ policy: z.literal("impute"), value: z.string().optional() }),
      Refuse,
    ]),
  })
  .strict()
  .superRefine((column, context) => {
    if (new Set(column.categories).size !== column.categories.length) {
      context.addIssue({ code: "custom", path: ["categories"], message: "a category is listed twice" });
    }
    const value = column.missing.policy === "impute" ? column.missing.value : undefined;
    if (value !== undefined && !column.categories.includes(value)) {
      context.addIssue({
        code: "custom",
        path: ["missing", "value"],
        message: `the imputed category ${JSON.stringify(value)} is not one of the categories`,
      });
    }
  });
export type CategoricalColumn = z.infer<typeof CategoricalColumn>;

export const TabularColumn = z.discriminatedUnion("type", [NumericColumn, CategoricalColumn]);
export type TabularColumn = z.infer<typeof TabularColumn>;

export const TabularSpec = z
  .object({
    kind: z.literal("tabular"),
    /** The graph input fed: float32 [batch, width], columns in order, a categorical one as one-hot plus unknown. */
    input: z.string().min(1),
    columns: z.array(TabularColumn).min(1).max(MAX_COLUMNS),
  })
  .superRefine((spec, context) => {
    const seen = new Set<string>();
    spec.columns.forEach((column, i) => {
      if (seen.has(column.name)) {
        context.addIssue({
          code: "custom",
          path: ["columns", i, "name"],
          message: `${column.name} is listed twice`,
        });
      }
      seen.add(column.name);
    });
  });
export type TabularSpec = z.infer<typeof TabularSpec>;

/** One row: column name to value (number or boolean for numeric columns, string for categorical ones). */
export const TabularInstance = z.record(z.string(), z.unknown(), {
  error: "an instance is an object of column values",
});
export type TabularInstance = z.infer<typeof TabularInstance>;

/** What data quality says of one value. */
export const QUALITY_STATES = ["ok", "missing", "out-of-range", "unseen"] as const;
export type QualityState = (typeof QUALITY_STATES)[number];

const columnFeature = <K extends string>(kind: K) =>
  z.object({ kind: z.literal(kind), name: z.string(), column: z.string().min(1) });

export const TabularDriftFeatures = [
  /** A numeric column's value as sent (missing values are left out: data quality counts them). */
  columnFeature("column-value"),
  /** A categorical column's category, or a discrete numeric column's value, as a category ("__other__" if unseen). */
  columnFeature("column-category"),
  /** What data quality says of the column's value: ok, missing, out-of-range (numeric) or unseen (category). */
  columnFeature("column-quality"),
] as const;
export type TabularDriftFeature = z.infer<(typeof TabularDriftFeatures)[number]>;
