import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { Manifest } from "../../src/core/manifest.js";
import { type ScoredBatch, samplesOf } from "../../src/drift/sampling.js";
import { lowestExamples, sampleIdHash, type TextExample, unseen } from "../../src/drift/window-format.js";
import { textBatch } from "../text-batch.js";

const shipped = Manifest.parse(JSON.parse(readFileSync("models/spam/1/manifest.json", "utf8")));
const texts = ["Subject: meeting moved to Tuesday, see agenda attached", "Subject: CHEAP MEDS act now!!!"];

function batch(manifest: Manifest): ScoredBatch {
  return {
    manifest,
    role: "active",
    requestId: "req-1",
    time: 1_795_875_000_000,
    latencyMs: 3,
    sampleRate: 1,
    batch: textBatch(manifest, texts),
    outputs: {},
    predictions: [
      { label: "ham", probabilities: { ham: 0.9, spam: 0.1 } },
      { label: "spam", probabilities: { ham: 0.2, spam: 0.8 } },
    ],
  };
}

describe("samplesOf", () => {
  it("keeps no input text when the drift spec does not ask for examples", () => {
    const samples = samplesOf(batch(shipped));
    expect(samples.map((s) => s.id)).toEqual(["req-1#0", "req-1#1"]);
    expect(samples.every((s) => s.text === undefined)).toBe(true);
  });

  it("keeps each input text, cut to maxChars, when the drift spec asks for examples", () => {
    const drift = shipped.drift;
    if (!drift) throw new Error("the shipped spam model declares drift features");
    const asking = { ...shipped, drift: { ...drift, examples: { keep: 10, maxChars: 16 } } };
    expect(samplesOf(batch(asking)).map((s) => s.text)).toEqual(["Subject: meeting", "Subject: CHEAP M"]);
  });
});

describe("lowestExamples", () => {
  const examples: TextExample[] = Array.from({ length: 40 }, (_, i) => ({
    hash: sampleIdHash(`r${i}#0`),
    id: `r${i}#0`,
    time: i,
    text: `mail ${i}`,
  }));
  const lowest = (list: TextExample[], keep: number) => lowestExamples(list, keep).map((e) => e.id);

  it("keeps the examples with the lowest sample-id hashes", () => {
    const expected = [...examples].sort((a, b) => a.hash - b.hash).slice(0, 5);
    expect(lowest(examples, 5)).toEqual(expected.map((e) => e.id));
  });

  it("keeps the same examples whatever the order and grouping of the folds", () => {
    const folded = (order: TextExample[]) => {
      let kept: TextExample[] = [];
      for (let i = 0; i < order.length; i += 7) kept = lowestExamples([...kept, ...order.slice(i, i + 7)], 5);
      return kept.map((e) => e.id);
    };
    expect(folded([...examples].reverse())).toEqual(lowest(examples, 5));
    expect(folded(examples)).toEqual(lowest(examples, 5));
  });

  it("does not change when the kept examples are offered again", () => {
    const kept = lowestExamples(examples, 5);
    expect(lowestExamples([...kept, ...kept], 5)).toEqual(kept);
  });
});

describe("unseen", () => {
  const items = (...ids: string[]) => ids.map((id) => ({ id }));

  it("keeps every item of an empty window, the first of each id only", () => {
    const { fresh } = unseen("", items("caller-1#0", "caller-1#1", "caller-1#0"));
    expect(fresh).toEqual(items("caller-1#0", "caller-1#1"));
  });

  it("drops the items a window has folded before, by the seen hashes it returns", () => {
    const { seen } = unseen("", items("caller-1#0", "caller-1#1"));
    expect(unseen(seen, items("caller-1#1", "caller-2#0")).fresh).toEqual(items("caller-2#0"));
  });

  it("returns the seen hashes unchanged when every item was folded before", () => {
    const { seen } = unseen("", items("user-17#0"));
    expect(unseen(seen, items("user-17#0"))).toEqual({ fresh: [], seen });
  });
});
