/**
 * Texts through a hashed-text model's own input kind, exactly as the Worker featurizes a request:
 * the batch that drift sampling and profiles read.
 */
import { hashedText } from "../src/core/kinds/hashed-text/index.js";
import type { FeatureBatch } from "../src/core/kinds/kind.js";
import type { Manifest } from "../src/core/manifest.js";

export function textBatch(manifest: Manifest, texts: readonly string[]): FeatureBatch {
  const spec = manifest.input;
  if (spec.kind !== "hashed-text") throw new Error(`${manifest.name} is not a hashed-text model`);
  return hashedText.instances.compile(spec, new Map(), manifest.inputs).features(
    texts.map((text) => ({ text })),
    { maxBatch: texts.length, maxTextChars: Number.MAX_SAFE_INTEGER, maxImagePixels: 0 },
  );
}
