/**
 * The Worker side of kind-fixtures.ts: a kind's zoo version published under a test's own name, its
 * answers held to onnxruntime-node's outputs on the same feeds, and the drift its samples folded.
 */
import { expect } from "vitest";
import type { Manifest } from "../../src/core/manifest.js";
import { decode, type KindFixture, maxAbsDifference, putState, putVersion } from "./fixtures.js";
import { call } from "./request.js";

/** Publishes the fixture's version 1 as `name` (with `manifest` fields changed) and makes it active. */
export async function publishKind(
  fixture: KindFixture,
  name: string,
  manifest: Partial<Manifest> = {},
): Promise<void> {
  const files = Object.fromEntries(Object.entries(fixture.files).map(([file, b64]) => [file, decode(b64)]));
  await putVersion({ ...fixture.manifest, ...manifest, name }, files);
  await putState({ name, active: 1 });
}

export interface KindAnswer {
  predictions: Array<{ label: string; probabilities: Record<string, number> }>;
  outputs?: Record<string, { dims: number[]; data: number[] }>;
}

function softmax(logits: readonly number[]): number[] {
  const top = Math.max(...logits);
  const exps = logits.map((v) => Math.exp(v - top));
  const sum = exps.reduce((a, b) => a + b, 0);
  return exps.map((v) => v / sum);
}

/**
 * A 200 with one prediction per instance of `request`, each one's probabilities (in label order)
 * within 1e-4 of the softmax of onnxruntime-node's logits. Returns the answer.
 */
export async function expectReferenceAnswer(
  fixture: KindFixture,
  response: Response,
  request: string,
): Promise<KindAnswer> {
  expect(response.status).toBe(200);
  const answer = (await response.json()) as KindAnswer;
  const task = fixture.manifest.task;
  const labels = task.kind === "classification" ? task.labels : [];
  const logits = fixture.reference[request].logits;
  expect(answer.predictions).toHaveLength(logits.length / labels.length);
  answer.predictions.forEach((prediction, row) => {
    const expected = softmax(logits.slice(row * labels.length, (row + 1) * labels.length));
    const actual = labels.map((label) => prediction.probabilities[label]);
    expect(maxAbsDifference(actual, expected)).toBeLessThan(1e-4);
  });
  return answer;
}

/** The active version's drift features over the last hour, as GET /drift reports them. */
export async function activeDriftFeatures(model: string): Promise<Record<string, { count: number } | null>> {
  const drift = (await (await call(`/v1/models/${model}/drift?window=1h`)).json()) as {
    versions: Array<{ byRole: Record<string, { features: Record<string, { count: number } | null> }> }>;
  };
  return drift.versions[0].byRole.active.features;
}
