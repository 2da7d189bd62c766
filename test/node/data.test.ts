import { beforeAll, describe, expect, it } from "vitest";
import {
  type DatasetSplits,
  type Email,
  loadCollection,
  loadCorpus,
  loadSplits,
  splitEmails,
  summarizeSplits,
} from "../../src/toolchain/data.js";

const ids = (emails: Email[]) => emails.map((email) => email.id);
const spam = (emails: Email[]) => emails.filter((email) => email.label === 1).length;

describe("SpamAssassin corpus", () => {
  it("labels the spam groups 1 and the ham groups 0", async () => {
    const counts: Record<string, number[]> = {};
    for (const email of await loadCorpus()) {
      counts[email.group] ??= [0, 0];
      counts[email.group][email.label]++;
    }
    expect(counts).toEqual({
      "easy-ham-1": [2500, 0],
      "easy-ham-2": [1400, 0],
      "hard-ham-1": [250, 0],
      "spam-1": [0, 500],
      "spam-2": [0, 1396],
    });
  });

  it("builds collection 2002 from easy-ham-1 and spam-1, with ids unique across groups", async () => {
    const emails = await loadCollection("2002");
    expect([emails.length, spam(emails), new Set(ids(emails)).size]).toEqual([3000, 500, 3000]);
  });

  it("builds collection 2003 from easy-ham-2 and spam-2", async () => {
    const groups = new Set((await loadCollection("2003")).map((email) => email.group));
    expect([...groups].sort()).toEqual(["easy-ham-2", "spam-2"]);
  });
});

describe("stratified splits", () => {
  let full: DatasetSplits;
  beforeAll(async () => {
    full = await loadSplits("2002", { seed: 7 });
  });

  it("cuts 70/15/15 within each class", () => {
    const sizes = (["train", "validation", "test"] as const).map((part) => [
      full[part].length,
      spam(full[part]),
    ]);
    expect(sizes).toEqual([
      [2100, 350],
      [450, 75],
      [450, 75],
    ]);
  });

  it("rounds each class on its own for 2003 (1400 ham, 1396 spam)", async () => {
    const splits = await loadSplits("2003", { seed: 7 });
    expect([splits.train.length, splits.validation.length, splits.test.length]).toEqual([1958, 419, 419]);
  });

  it("puts every email in exactly one split", async () => {
    const all = [...full.train, ...full.validation, ...full.test].map((email) => email.id).sort();
    expect(all).toEqual(ids(await loadCollection("2002")).sort());
  });

  it("gives the same split for the same seed", async () => {
    const again = await loadSplits("2002", { seed: 7 });
    expect(summarizeSplits(again).digests).toEqual(summarizeSplits(full).digests);
  });

  it("gives a different test split for a different seed", async () => {
    const other = await loadSplits("2002", { seed: 8 });
    expect(ids(other.test)).not.toEqual(ids(full.test));
  });

  it("keeps the class ratio in a limited subsample", async () => {
    const limited = await loadSplits("2002", { seed: 7, limit: 200 });
    const sizes = (["train", "validation", "test"] as const).map((part) => [
      limited[part].length,
      spam(limited[part]),
    ]);
    // 167 ham (117/25/25) and 33 spam (23/5/5).
    expect(sizes).toEqual([
      [140, 23],
      [30, 5],
      [30, 5],
    ]);
  });

  it("draws a subsample's test emails from the full test split only", async () => {
    const limited = await loadSplits("2002", { seed: 7, limit: 200 });
    const fullTest = new Set(ids(full.test));
    expect(limited.test.every((email) => fullTest.has(email.id))).toBe(true);
  });

  it("never trains a subsample on emails of the full test or validation split", async () => {
    const limited = await loadSplits("2002", { seed: 7, limit: 500 });
    const fullTrain = new Set(ids(full.train));
    expect(limited.train.every((email) => fullTrain.has(email.id))).toBe(true);
  });

  it("rejects a limit too small to give both classes a train, validation and test email", async () => {
    await expect(loadSplits("2002", { seed: 7, limit: 5 })).rejects.toThrow(
      "limit 5 is too small for a stratified split",
    );
  });

  it("rejects fractions that leave nothing to train on", () => {
    expect(() => splitEmails(full.train, { seed: 1, validationFraction: 0.5, testFraction: 0.5 })).toThrow(
      RangeError,
    );
  });

  it("summarizes sizes, spam counts and the split seed for the training record", () => {
    const summary = summarizeSplits(full);
    expect({ ...summary, digests: undefined }).toEqual({
      collection: "2002",
      seed: 7,
      validationFraction: 0.15,
      testFraction: 0.15,
      limit: null,
      sizes: { train: 2100, validation: 450, test: 450 },
      spam: { train: 350, validation: 75, test: 75 },
      digests: undefined,
    });
  });
});
