/**
 * The drift the system must catch, on real mail: the 2002-trained spam model (v1) sees its own
 * collection's held-out mail as familiar and the 2003 mail as shifted. Samples go through the same
 * code the edge runs (features, drift values, sketches on the profile's edges, statistics).
 */
import { readFileSync } from "node:fs";
import { beforeAll, describe, expect, it } from "vitest";
import { driftValues } from "../../src/core/drift-features.js";
import { compareFeature, type FeatureDrift } from "../../src/core/drift-report.js";
import { Manifest } from "../../src/core/manifest.js";
import { emptySketches, Profile, referenceSketches } from "../../src/core/profile.js";
import { updateSketch } from "../../src/core/sketch/feature-sketch.js";
import { type Collection, loadSplits } from "../../src/toolchain/data.js";
import { nodeClassifier } from "../../src/toolchain/onnx-runner.js";
import { textBatch } from "../text-batch.js";

const manifest = Manifest.parse(JSON.parse(readFileSync("models/spam/1/manifest.json", "utf8")));
const profile = Profile.parse(JSON.parse(readFileSync("models/spam/1/profile.json", "utf8")));

async function replay(collection: Collection): Promise<Record<string, FeatureDrift | null>> {
  const { input: spec, drift } = manifest;
  if (spec.kind !== "hashed-text" || !drift) throw new Error("models/spam/1 must be hashed-text with drift");
  const { test } = await loadSplits(collection, { seed: Number(manifest.training.seed) });
  const texts = test.map((email) => email.text);
  const classifier = await nodeClassifier(readFileSync("models/spam/1/model.onnx"), spec);
  const probabilities = await classifier.predict(texts);
  await classifier.release();
  const live = emptySketches(drift, profile);
  const batch = textBatch(manifest, texts);
  texts.forEach((_, i) => {
    const p = { ham: probabilities[2 * i], spam: probabilities[2 * i + 1] };
    const prediction = { label: p.spam > p.ham ? "spam" : "ham", probabilities: p };
    const instance = { index: i, size: texts.length, batch, outputs: {}, prediction };
    const values = driftValues(drift, instance, manifest.task);
    for (const [name, value] of Object.entries(values)) updateSketch(live[name], value);
  });
  const reference = referenceSketches(profile);
  return Object.fromEntries(
    Object.entries(live).map(([name, sketch]) => [name, compareFeature(reference[name], sketch)]),
  );
}

const maxPsi = (report: Record<string, FeatureDrift | null>) =>
  Math.max(...Object.values(report).map((feature) => feature?.psi ?? 0));

describe("replaying real mail against spam v1 (trained on 2002)", () => {
  let mail2002: Record<string, FeatureDrift | null>;
  let mail2003: Record<string, FeatureDrift | null>;
  beforeAll(async () => {
    mail2002 = await replay("2002");
    mail2003 = await replay("2003");
  });

  it("finds low drift on held-out 2002 mail: PSI under 0.1 on every feature", () => {
    expect(maxPsi(mail2002)).toBeLessThan(0.1);
  });

  it("finds high drift on 2003 mail: PSI above 0.2 on at least one feature", () => {
    expect(maxPsi(mail2003)).toBeGreaterThan(0.2);
  });

  it("sees the shift in the predicted spam probability itself: PSI above 0.2, KS p below 0.001", () => {
    expect(mail2003.p_spam?.psi).toBeGreaterThan(0.2);
    expect(mail2003.p_spam?.kind === "numeric" && mail2003.p_spam.ks.pValue).toBeLessThan(0.001);
  });
});
