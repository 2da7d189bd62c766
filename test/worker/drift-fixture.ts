/**
 * A spam model published with a drift spec and a reference profile built in the test itself, from
 * the same shared code the CLI uses (tokenizer, drift features, sketches).
 */
import { env } from "cloudflare:workers";
import { BloomFilter } from "../../src/core/bloom.js";
import { type DriftSpec, driftValues } from "../../src/core/drift-features.js";
import { textFeatures } from "../../src/core/kinds/hashed-text/features.js";
import { buildProfile } from "../../src/core/profile.js";
import { textBatch } from "../text-batch.js";
import { putShippedVersion, putState } from "./fixtures.js";

export async function publishWithDrift(
  name: string,
  referenceTexts: readonly string[],
  examples?: DriftSpec["examples"],
): Promise<void> {
  const base = await putShippedVersion("spam", 1, name);
  const textSpec = base.input;
  if (textSpec.kind !== "hashed-text") throw new Error("the shipped spam model must be hashed-text");
  const vocabulary = BloomFilter.forCapacity(50_000, 0.01);
  const tokenized = referenceTexts.map((text) => textFeatures(textSpec, text));
  for (const { tokenHashes } of tokenized) for (const token of tokenHashes) vocabulary.add(token);
  const drift: DriftSpec = {
    features: [
      { kind: "token-count", name: "tokens" },
      { kind: "unseen-token-share", name: "unseen" },
      { kind: "predicted-label", name: "label" },
    ],
    vocabulary: vocabulary.serialize(),
    ...(examples ? { examples } : {}),
  };
  const batch = textBatch(base, referenceTexts);
  const prediction = { label: "ham", probabilities: { ham: 1, spam: 0 } };
  const rows = referenceTexts.map((_, index) =>
    driftValues(drift, { index, size: referenceTexts.length, batch, outputs: {}, prediction }, base.task),
  );
  const profile = buildProfile(drift, rows, { name, version: 1, source: { texts: referenceTexts.length } });
  await env.MODELS.put(`models/${name}/1/profile.json`, JSON.stringify(profile));
  await env.MODELS.put(
    `models/${name}/1/manifest.json`,
    JSON.stringify({ ...base, drift, profile: "profile.json" }),
  );
  await putState({ name, active: 1 });
}
