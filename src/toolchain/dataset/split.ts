/**
 * Train/validation/test splits of dataset rows: as a split column says, cut by a time column (at
 * given dates, or the latest rows held out), or seeded and stratified by class (a plain seeded
 * shuffle for regression). Every split is a pure function of the rows and the options.
 */
import { UnprocessableError } from "../../core/errors.js";
import { deriveSeed, Prng } from "../../core/learn/prng.js";

export type SplitName = "train" | "validation" | "test";
export const SPLIT_NAMES: readonly SplitName[] = ["train", "validation", "test"];

const SPLIT_VALUES: Readonly<Record<string, SplitName>> = {
  train: "train",
  training: "train",
  validation: "validation",
  valid: "validation",
  val: "validation",
  dev: "validation",
  test: "test",
};

export type SplitRule =
  /** The column's value says each row's split: train, validation (valid, val, dev) or test. */
  | { by: "column"; column: string }
  /**
   * Rows ordered by the column's time (ISO dates or numbers): before `validationFrom` train, before
   * `testFrom` validation, the rest test; without the dates, the latest rows by the fractions.
   */
  | { by: "time"; column: string; validationFrom?: string; testFrom?: string }
  /** Seeded: stratified by class for classification, shuffled for regression. */
  | { by: "random" };

export interface SplitSettings {
  rule: SplitRule;
  seed: number;
  validationFraction: number;
  testFraction: number;
}

export interface Splittable {
  line: number;
  /** The class index (stratification), absent for regression. */
  classIndex?: number;
  /** The split column's or time column's value as written. */
  key?: string | number | null;
}

export type Assignment<T> = Record<SplitName, T[]>;

function timeOf(value: string | number | null | undefined, where: string): number {
  if (typeof value === "number") return value;
  if (typeof value === "string") {
    const text = value.trim();
    if (/^\d{4}-\d{2}-\d{2}/.test(text)) {
      const time = Date.parse(text);
      if (Number.isFinite(time)) return time;
    }
    if (/^[+-]?\d+(\.\d+)?$/.test(text)) return Number(text);
  }
  throw new UnprocessableError(
    `${where}: ${JSON.stringify(value)} is not a time (an ISO date like 2014-06-01, or a number)`,
  );
}

function byColumn<T extends Splittable>(rows: readonly T[], path: string, column: string): Assignment<T> {
  const out: Assignment<T> = { train: [], validation: [], test: [] };
  for (const row of rows) {
    const name = typeof row.key === "string" ? SPLIT_VALUES[row.key.trim().toLowerCase()] : undefined;
    if (!name) {
      throw new UnprocessableError(
        `${path}:${row.line}: column ${column}: ${JSON.stringify(row.key)} is not a split (train, validation or test)`,
      );
    }
    out[name].push(row);
  }
  return out;
}

function byTime<T extends Splittable>(
  rows: readonly T[],
  path: string,
  rule: Extract<SplitRule, { by: "time" }>,
  settings: SplitSettings,
): Assignment<T> {
  const timed = rows.map((row) => ({
    row,
    time: timeOf(row.key, `${path}:${row.line}: column ${rule.column}`),
  }));
  timed.sort((a, b) => a.time - b.time || a.row.line - b.row.line);
  let validationFrom: number;
  let testFrom: number;
  if (rule.validationFrom !== undefined || rule.testFrom !== undefined) {
    if (rule.validationFrom === undefined || rule.testFrom === undefined) {
      throw new UnprocessableError("a time split by dates needs both the validation and the test start");
    }
    validationFrom = timeOf(rule.validationFrom, "the validation start");
    testFrom = timeOf(rule.testFrom, "the test start");
    if (validationFrom > testFrom)
      throw new UnprocessableError("the validation start is after the test start");
  } else {
    // The latest rows by count, each cut moved up to where the time changes, so one day is never split.
    const at = (fraction: number) =>
      timed[Math.min(timed.length - 1, Math.floor(timed.length * (1 - fraction)))].time;
    testFrom = at(settings.testFraction);
    validationFrom = at(settings.testFraction + settings.validationFraction);
  }
  const out: Assignment<T> = { train: [], validation: [], test: [] };
  for (const { row, time } of timed) {
    out[time >= testFrom ? "test" : time >= validationFrom ? "validation" : "train"].push(row);
  }
  return out;
}

function cut<T>(members: T[], settings: SplitSettings, out: Assignment<T>): void {
  const test = Math.round(members.length * settings.testFraction);
  const validation = Math.round(members.length * settings.validationFraction);
  out.test.push(...members.slice(0, test));
  out.validation.push(...members.slice(test, test + validation));
  out.train.push(...members.slice(test + validation));
}

function byRandom<T extends Splittable>(rows: readonly T[], settings: SplitSettings): Assignment<T> {
  const random = new Prng(deriveSeed(settings.seed, "split"));
  const out: Assignment<T> = { train: [], validation: [], test: [] };
  const classes = new Map<number, T[]>();
  for (const row of rows) {
    const key = row.classIndex ?? -1;
    const members = classes.get(key);
    if (members) members.push(row);
    else classes.set(key, [row]);
  }
  for (const key of [...classes.keys()].sort((a, b) => a - b)) {
    cut(random.shuffle(classes.get(key) as T[]), settings, out);
  }
  // Interleave the classes so any prefix of a split is still a mix.
  for (const name of SPLIT_NAMES) random.shuffle(out[name]);
  return out;
}

export function assignSplits<T extends Splittable>(
  rows: readonly T[],
  path: string,
  settings: SplitSettings,
): Assignment<T> {
  const { validationFraction, testFraction } = settings;
  if (!(validationFraction >= 0 && testFraction > 0 && validationFraction + testFraction < 1)) {
    throw new UnprocessableError(
      "the validation and test fractions must leave rows to train on (test above 0, sum below 1)",
    );
  }
  const rule = settings.rule;
  const out =
    rule.by === "column"
      ? byColumn(rows, path, rule.column)
      : rule.by === "time"
        ? byTime(rows, path, rule, settings)
        : byRandom(rows, settings);
  if (out.train.length === 0) throw new UnprocessableError(`${path}: the split leaves no rows to train on`);
  return out;
}
