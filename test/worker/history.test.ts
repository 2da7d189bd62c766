import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { foldFeedback } from "../../src/drift/feedback.js";
import type { DriftSample, ServingRole } from "../../src/drift/sample.js";
import { windowStart } from "../../src/drift/window-format.js";
import { foldIntoWindow } from "../../src/drift/windows.js";
import { readManifest } from "../../src/registry/manifests.js";
import { readProfile } from "../../src/registry/profiles.js";
import { publishWithDrift } from "./drift-fixture.js";
import { fixtures, putShippedVersion, putState } from "./fixtures.js";
import { call, type ProblemBody } from "./request.js";

const WINDOW_MS = 600_000;
const texts = fixtures.emails.map((mail) => mail.text);

interface Errors {
  count: number;
  rate: number | null;
  byKind: Record<string, number>;
}

interface Bucket {
  start: string;
  samples: number;
  errors: Errors;
  latencyMs: { p50: number; p90: number; p99: number } | null;
  labels: number;
  correct: number;
  features: Record<
    string,
    {
      count: number;
      psi: number | null;
      ks: number | null;
      mean: number | null;
      categories: Record<string, number> | null;
    }
  >;
}

interface History {
  from: string;
  bucketSeconds: number;
  policy: { driftPsi: number; maxErrorRate: number };
  versions: Array<{
    role: string;
    version: number;
    features: Array<{ name: string; kind: string; dataQuality: boolean }>;
    byRole: Record<
      string,
      {
        samples: number;
        errors: Errors;
        labels: number;
        correct: number;
        buckets: Bucket[];
        distributions: Record<
          string,
          { kind: string; reference: number[] | null; live: number[]; categories?: string[] }
        >;
      }
    >;
  }>;
}

async function historyOf(model: string, query = "window=1h&bucket=10m"): Promise<History> {
  const response = await call(`/v1/models/${model}/history?${query}`);
  expect(response.status).toBe(200);
  return response.json();
}

/** Folds samples of `model@1` into the window holding `time`, as the queue consumer does. */
async function fold(model: string, role: ServingRole, time: number, samples: Array<Partial<DriftSample>>) {
  const manifest = await readManifest(env.MODELS, model, 1);
  if (!manifest?.drift) throw new Error(`${model}@1 has no drift spec`);
  const profile = await readProfile(env.MODELS, manifest);
  const full = samples.map(
    (s, i): DriftSample => ({
      model,
      version: 1,
      role,
      time,
      id: `${role}-${time}-${i}`,
      features: { tokens: 120, unseen: 0.1, label: "ham" },
      latencyMs: 4,
      ...s,
    }),
  );
  await foldIntoWindow(
    env.MODELS,
    { model, version: 1, role, start: windowStart(time, 600) },
    600,
    full,
    manifest.drift,
    profile,
  );
}

/** Two whole windows back from now: inside a 1h lookback however the clock moves during the test. */
const earlier = () => windowStart(Date.now(), 600) - 2 * WINDOW_MS + 1_000;
const later = () => windowStart(Date.now(), 600) - WINDOW_MS + 1_000;

describe("GET /v1/models/{name}/history", () => {
  it("answers each drift window as a bucket of 10m, per serving role, oldest first", async () => {
    await publishWithDrift("hist-buckets", texts);
    const [first, second] = [earlier(), later()];
    await fold("hist-buckets", "active", first, [{}, {}, {}]);
    await fold("hist-buckets", "active", second, [{}, {}]);
    await fold("hist-buckets", "shadow", second, [{ latencyMs: 30 }]);
    const body = await historyOf("hist-buckets");
    const active = body.versions[0].byRole.active;
    expect(active.buckets.map((b) => [b.start, b.samples])).toEqual([
      [new Date(windowStart(first, 600)).toISOString(), 3],
      [new Date(windowStart(second, 600)).toISOString(), 2],
    ]);
    expect(active.samples).toBe(5);
    expect(body.versions[0].byRole.shadow.buckets.map((b) => b.samples)).toEqual([1]);
    expect(body.versions[0].byRole.shadow.buckets[0].latencyMs).toEqual({ p50: 30, p90: 30, p99: 30 });
  });

  it("merges the drift windows of a longer bucket, aligned on the span's first window", async () => {
    await publishWithDrift("hist-merge", texts);
    const [first, second] = [earlier(), later()];
    await fold("hist-merge", "active", first, [{}, {}, {}]);
    await fold("hist-merge", "active", second, [{}, {}]);
    const body = await historyOf("hist-merge", "window=1h&bucket=20m");
    const from = Date.parse(body.from);
    const bucketOf = (t: number) => from + Math.floor((windowStart(t, 600) - from) / 1_200_000) * 1_200_000;
    const expected = new Map<number, number>();
    expected.set(bucketOf(first), 3);
    expected.set(bucketOf(second), (expected.get(bucketOf(second)) ?? 0) + 2);
    expect(body.bucketSeconds).toBe(1200);
    expect(body.versions[0].byRole.active.buckets.map((b) => [Date.parse(b.start), b.samples])).toEqual([
      ...expected.entries(),
    ]);
  });

  it("gives a bucket the PSI and KS the drift report gives the same window", async () => {
    await publishWithDrift("hist-psi", texts);
    await fold(
      "hist-psi",
      "active",
      later(),
      [5, 40, 300, 2000].map((tokens) => ({ features: { tokens, unseen: 0.5, label: "spam" } })),
    );
    const body = await historyOf("hist-psi");
    const drift = await (await call("/v1/models/hist-psi/drift?window=1h")).json<{
      versions: Array<{
        byRole: Record<string, { features: Record<string, { psi: number; ks?: { statistic: number } }> }>;
      }>;
    }>();
    const report = drift.versions[0].byRole.active.features;
    const bucket = body.versions[0].byRole.active.buckets[0];
    expect(bucket.features.tokens.psi).toBe(report.tokens.psi);
    expect(bucket.features.tokens.ks).toBe(report.tokens.ks?.statistic);
    expect(bucket.features.label.psi).toBe(report.label.psi);
    expect(bucket.features.label.ks).toBeNull();
    expect(bucket.features.tokens.mean).toBeCloseTo((5 + 40 + 300 + 2000) / 4, 9);
    expect(bucket.features.tokens.categories).toBeNull();
    // "spam" is not in the reference's vocabulary, which the live windows keep.
    expect(bucket.features.label.categories).toEqual({ ham: 0, __other__: 4 });
  });

  it("counts each bucket's labels from the feedback windows of the predictions made in it", async () => {
    await publishWithDrift("hist-labels", texts);
    const time = later();
    await fold("hist-labels", "active", time, [{}, {}, {}]);
    await foldFeedback(
      env.MODELS,
      { model: "hist-labels", version: 1, role: "active", start: windowStart(time, 600) },
      600,
      [
        { id: "user-17#0", time, correct: true, confidence: 0.9 },
        { id: "user-18#0", time, correct: false, confidence: 0.6 },
        { id: "user-19#0", time, correct: true, confidence: 0.8 },
      ],
    );
    const role = (await historyOf("hist-labels")).versions[0].byRole.active;
    expect(role.buckets.map((b) => [b.samples, b.labels, b.correct])).toEqual([[3, 3, 2]]);
    expect([role.labels, role.correct]).toEqual([3, 2]);
  });

  it("counts each bucket's errors beside its answered samples, and draws the policy's error threshold", async () => {
    await publishWithDrift("hist-errors", texts);
    await fold("hist-errors", "active", later(), [{}, {}, {}, { error: "run-failed", features: {} }]);
    const body = await historyOf("hist-errors");
    const role = body.versions[0].byRole.active;
    expect(role.buckets.map((b) => [b.samples, b.errors])).toEqual([
      [3, { count: 1, rate: 0.25, byKind: { "non-finite-output": 0, "run-failed": 1 } }],
    ]);
    expect(role.errors).toEqual({
      count: 1,
      rate: 0.25,
      byKind: { "non-finite-output": 0, "run-failed": 1 },
    });
    expect(body.policy).toEqual({ driftPsi: 0.2, maxErrorRate: 0.01 });
  });

  it("overlays each feature's live counts on the reference's bins and categories", async () => {
    await publishWithDrift("hist-dist", texts);
    await fold("hist-dist", "active", later(), [
      { features: { tokens: 1_000_000, unseen: 0, label: "spam" } },
      { features: { tokens: 1_000_000, unseen: 0, label: "spam" } },
      { features: { tokens: 1_000_000, unseen: 0, label: "ham" } },
    ]);
    const manifest = await readManifest(env.MODELS, "hist-dist", 1);
    const profile = manifest ? await readProfile(env.MODELS, manifest) : null;
    const tokensReference = profile?.features.tokens;
    if (tokensReference?.kind !== "numeric") throw new Error("tokens must be numeric in the profile");
    const { distributions } = (await historyOf("hist-dist")).versions[0].byRole.active;
    const tokens = distributions.tokens;
    expect(tokens.reference).toEqual(tokensReference.histogram.counts);
    // A million tokens is past the reference's last edge: all three land in the overflow count.
    expect(tokens.live).toEqual([...tokensReference.histogram.counts.map(() => 0).slice(1), 3]);
    // Live windows keep the reference's categories: "spam", which it never saw, counts as other.
    expect(distributions.label.categories).toEqual(["ham", "__other__"]);
    expect(distributions.label.reference).toEqual([texts.length, 0]);
    expect(distributions.label.live).toEqual([1, 2]);
  });

  it("lists the active, candidate and previous versions with their drift features", async () => {
    await publishWithDrift("hist-versions", texts);
    await putShippedVersion("spam", 2, "hist-versions");
    await putState({
      name: "hist-versions",
      active: 2,
      previous: [1],
      candidate: { version: 1, mode: "shadow", share: 1, since: new Date().toISOString() },
    });
    const body = await historyOf("hist-versions");
    expect(body.versions.map((v) => [v.role, v.version])).toEqual([
      ["active", 2],
      ["candidate", 1],
    ]);
    expect(body.versions[1].features).toEqual([
      { name: "tokens", kind: "token-count", dataQuality: false },
      { name: "unseen", kind: "unseen-token-share", dataQuality: false },
      { name: "label", kind: "predicted-label", dataQuality: false },
    ]);
  });

  it("reports a previous version that is not the candidate", async () => {
    await publishWithDrift("hist-prev", texts);
    await putShippedVersion("spam", 2, "hist-prev");
    await putState({ name: "hist-prev", active: 2, previous: [1] });
    const body = await historyOf("hist-prev");
    expect(body.versions.map((v) => [v.role, v.version])).toEqual([
      ["active", 2],
      ["previous", 1],
    ]);
  });

  it("draws the model's own drift threshold when its policy overrides the default", async () => {
    await publishWithDrift("hist-policy", texts);
    await putState({ name: "hist-policy", active: 1, policy: { driftPsi: 0.35 } });
    expect((await historyOf("hist-policy")).policy).toEqual({ driftPsi: 0.35, maxErrorRate: 0.01 });
  });

  it("chooses buckets of whole drift windows, at most 96 over the span, when none is asked for", async () => {
    await publishWithDrift("hist-default", texts);
    expect((await historyOf("hist-default", "window=24h")).bucketSeconds).toBe(1200);
    expect((await historyOf("hist-default", "window=1h")).bucketSeconds).toBe(600);
  });

  it.each([
    ["bucket=5m", "a whole number of drift windows of 600 s"],
    ["bucket=15m", "a whole number of drift windows of 600 s"],
    ["window=30d&bucket=10m", "at most 1000 buckets over the window: ask for longer ones"],
    ["bucket=1x", "a span such as 10m, 1h or 1d"],
  ])("refuses %s with 400 naming bucket", async (query, message) => {
    await publishWithDrift("hist-bad", texts);
    const response = await call(`/v1/models/hist-bad/history?${query}`);
    expect(response.status).toBe(400);
    const body = await response.json<ProblemBody>();
    expect(body.errors).toEqual([{ field: "bucket", message }]);
  });

  it("answers 404 for a model that is not registered", async () => {
    const response = await call("/v1/models/hist-nobody/history");
    expect(response.status).toBe(404);
  });
});
