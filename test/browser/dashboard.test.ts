/**
 * The dashboard in real headless Chromium (Debian's `chromium`, installed by
 * scripts/install-chromium.sh, driven by playwright-core) against the local Worker after a replay of
 * real mail with feedback: its charts show the series and counts the JSON API answers, a promote
 * clicked through with the admin token lands in the audit timeline, and every model kind renders.
 * Screenshots at desktop and phone sizes go to build/screenshots/.
 */
import { existsSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { type Browser, chromium, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Collection, LABELS, loadSplits } from "../../src/toolchain/data.js";
import type { VersionFiles } from "../../src/toolchain/publish.js";
import { imageFixture, wordpieceFixture } from "../worker/kind-fixtures.js";
import { tabularFixture } from "../worker/tabular-setup.js";
import { zooVersions } from "../worker/zoo-setup.js";
import { ADMIN_TOKEN, type BrowserEdge, shippedVersion, startBrowserEdge } from "./local-edge.js";

const SCREENSHOTS = "build/screenshots";
const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
/** Mails replayed per collection, four to a request: under the policy's 200 samples, so no run promotes. */
const MAILS_PER_COLLECTION = 48;
const BATCH = 4;
const DESKTOP = { width: 1280, height: 900 };
const PHONE = { width: 390, height: 844 };

let edge: BrowserEdge;
let browser: Browser;
const seeded: Record<string, { kind: string; request: unknown }> = {};

const fromBase64 = (files: Record<string, string>) =>
  Object.fromEntries(
    Object.entries(files)
      .filter(([file]) => file !== "manifest.json")
      .map(([file, b64]) => [file, new Uint8Array(Buffer.from(b64, "base64"))]),
  );

async function api<T>(
  path: string,
  init: { method?: string; body?: unknown; admin?: boolean } = {},
): Promise<T> {
  const response = await fetch(`${edge.url}${path}`, {
    method: init.method ?? "GET",
    headers: {
      ...(init.body === undefined ? {} : { "content-type": "application/json" }),
      ...(init.admin ? { authorization: `Bearer ${ADMIN_TOKEN}` } : {}),
    },
    body: init.body === undefined ? undefined : JSON.stringify(init.body),
  });
  if (!response.ok)
    throw new Error(`${init.method ?? "GET"} ${path} answered ${response.status}: ${await response.text()}`);
  return response.json() as Promise<T>;
}

async function eventually<T>(what: string, read: () => Promise<T>, done: (value: T) => boolean): Promise<T> {
  const deadline = Date.now() + 180_000;
  for (;;) {
    const value = await read();
    if (done(value)) return value;
    if (Date.now() > deadline) throw new Error(`${what}: still ${JSON.stringify(value)} after 180 s`);
    await new Promise((resolve) => setTimeout(resolve, 1_000));
  }
}

interface Labelled {
  requestId: string;
  index: number;
  label: string;
}

/** Replays held-out mail of `collection` through predict, four to a request; returns the true labels. */
async function replayMail(collection: Collection): Promise<Labelled[]> {
  const { test } = await loadSplits(collection, { seed: 1 });
  const mails = test.filter((mail) => mail.text.length <= 20_000).slice(0, MAILS_PER_COLLECTION);
  const labelled: Labelled[] = [];
  for (let start = 0; start < mails.length; start += BATCH) {
    const chunk = mails.slice(start, start + BATCH);
    const requestId = `mail-${collection}-${start / BATCH}`;
    const response = await fetch(`${edge.url}/v1/models/spam/predict`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-request-id": requestId },
      body: JSON.stringify({ instances: chunk.map((mail) => ({ text: mail.text })) }),
    });
    if (response.status !== 200) throw new Error(`predict answered ${response.status}`);
    for (const [index, mail] of chunk.entries())
      labelled.push({ requestId, index, label: LABELS[mail.label] });
  }
  return labelled;
}

interface DriftBody {
  versions: Array<{ version: number; byRole: Record<string, { samples: number }> }>;
}

const samplesOf = async (model: string) =>
  (await api<DriftBody>(`/v1/models/${model}/drift?window=1h`)).versions.reduce(
    (sum, v) => sum + Object.values(v.byRole).reduce((s, r) => s + r.samples, 0),
    0,
  );

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`no Chromium at ${CHROMIUM}: run scripts/install-chromium.sh (or set CHROMIUM_PATH)`);
  }
  const { test: mails2002 } = await loadSplits("2002", { seed: 1 });
  const [image, wordpiece, tabular, zoo] = await Promise.all([
    imageFixture(),
    wordpieceFixture(mails2002.slice(0, 2).map((mail) => mail.text)),
    tabularFixture(),
    zooVersions(["mlp", "multi"]),
  ]);
  const versions: VersionFiles[] = [
    shippedVersion("spam", 1),
    shippedVersion("spam", 2),
    { manifest: image.manifest, files: fromBase64(image.files) },
    { manifest: wordpiece.manifest, files: fromBase64(wordpiece.files) },
    { manifest: tabular.manifest, files: fromBase64(tabular.files) },
    ...Object.values(zoo).map((z) => ({ manifest: z.manifest, files: fromBase64(z.files) })),
  ];
  seeded["zoo-cnn"] = { kind: "image", request: { instances: image.requests.batch } };
  seeded["zoo-encoder"] = { kind: "wordpiece-text", request: { instances: wordpiece.requests.mails } };
  seeded[tabular.manifest.name] = { kind: "tabular", request: { instances: tabular.instances } };
  for (const z of Object.values(zoo))
    seeded[z.manifest.name] = { kind: "tensors", request: { inputs: z.sample } };

  // Published as `vane publish` does: spam v1 active, v2 its shadow candidate on half the traffic...
  edge = await startBrowserEdge(versions, { mode: "shadow", share: 0.5 });
  // ...then scored beside every mail, by an operator (the first record of the audit timeline).
  await api("/v1/admin/models/spam/candidate", {
    method: "PUT",
    admin: true,
    body: { share: 1, reason: "score every mail beside v1" },
  });
  const labelled = [...(await replayMail("2002")), ...(await replayMail("2003"))];
  for (const [model, { request }] of Object.entries(seeded)) {
    for (let i = 0; i < 3; i++) await api(`/v1/models/${model}/predict`, { method: "POST", body: request });
  }
  // Predictions are logged after each answer: labels are sent until every one finds its prediction
  // (a resend counts the ones matched before as duplicates, so only `unknown` tells when all are in).
  await eventually(
    "feedback matched",
    () =>
      api<{ matched: number; unknown: number }>("/v1/models/spam/feedback", {
        method: "POST",
        admin: true,
        body: { labels: labelled },
      }),
    (answer) => answer.unknown === 0 && answer.matched === labelled.length,
  );
  const expected = 2 * labelled.length;
  await eventually(
    "spam samples folded",
    () => samplesOf("spam"),
    (n) => n === expected,
  );
  // Every model with drift features samples its predictions (the tabular one here has none).
  for (const { manifest } of versions.filter((v) => v.manifest.drift && v.manifest.name !== "spam")) {
    await eventually(
      `${manifest.name} samples folded`,
      () => samplesOf(manifest.name),
      (n) => n > 0,
    );
  }
  await edge.scheduled();
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ["--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu"],
  });
  mkdirSync(SCREENSHOTS, { recursive: true });
}, 900_000);

afterAll(async () => {
  await browser?.close();
  await edge?.dispose();
});

interface Page_ {
  page: Page;
  problems: string[];
}

/** A page of the dashboard at `size`, recording every script error and refused resource. */
async function openDashboard(
  size: { width: number; height: number },
  model: string,
  token = true,
): Promise<Page_> {
  const context = await browser.newContext({ viewport: size, deviceScaleFactor: 1 });
  const page = await context.newPage();
  const problems: string[] = [];
  page.on("pageerror", (error) => problems.push(`page error: ${error.message}`));
  page.on("console", (message) => {
    if (message.type() === "error") problems.push(`console: ${message.text()}`);
  });
  // Generous: a loaded 2-core machine may take long to answer, never to answer wrongly.
  page.setDefaultTimeout(180_000);
  await page.goto(`${edge.url}/dashboard#${model}`);
  await page.waitForSelector(`body[data-loaded="${model}"]`);
  if (token) {
    await page.fill("#token", ADMIN_TOKEN);
    await page.click("#token-use");
    await page.waitForSelector(`body[data-loaded="${model}"][data-admin="true"]`);
  }
  return { page, problems };
}

interface History {
  versions: Array<{
    version: number;
    byRole: Record<
      string,
      { samples: number; labels: number; correct: number; errors: { count: number; rate: number | null } }
    >;
  }>;
  policy: { driftPsi: number; maxErrorRate: number };
}

function seriesOf(history: History) {
  return history.versions.flatMap((v) =>
    Object.entries(v.byRole).map(([role, data]) => ({ label: `v${v.version} · ${role}`, ...data })),
  );
}

const share = (part: number, whole: number) => `${Math.round((part / whole) * 1000) / 10}%`;

const texts = (page: Page, selector: string) => page.locator(selector).allTextContents();
const legend = (page: Page, chart: string) =>
  texts(page, `figure[data-chart="${chart}"] .u-legend .u-series:not(:first-child) .u-label`);

/** What of a canvas the pixel count reads (typed here: this file is checked without DOM types). */
interface CanvasLike {
  width: number;
  height: number;
  getContext(
    kind: "2d",
  ): { getImageData(x: number, y: number, w: number, h: number): { data: ArrayLike<number> } } | null;
}

/** Pixels a chart's canvas has drawn (not transparent). */
const drawnPixels = (page: Page, chart: string) =>
  page.$eval(`figure[data-chart="${chart}"] canvas`, (element) => {
    const canvas = element as unknown as CanvasLike;
    const context = canvas.getContext("2d");
    if (!context) return 0;
    const { data } = context.getImageData(0, 0, canvas.width, canvas.height);
    let drawn = 0;
    for (let i = 3; i < data.length; i += 4) if (data[i] > 0) drawn++;
    return drawn;
  });

describe("the dashboard in Chromium", () => {
  it("charts each version and serving role the history answers, with its sample and label counts", async () => {
    const history = await api<History>("/v1/models/spam/history?window=24h");
    const series = seriesOf(history);
    expect(series.map((s) => s.label)).toEqual(["v1 · active", "v2 · shadow"]);
    const { page, problems } = await openDashboard(DESKTOP, "spam");
    expect(await legend(page, "samples")).toEqual(series.map((s) => s.label));
    expect(await texts(page, 'figure[data-chart="samples"] .totals li')).toEqual(
      series.map((s) => `${s.label}: ${s.samples} predictions`),
    );
    expect(await texts(page, 'figure[data-chart="accuracy"] .totals li')).toEqual(
      series.map((s) => `${s.label}: ${share(s.correct, s.labels)} of ${s.labels} labels`),
    );
    expect(await texts(page, 'figure[data-chart="labels"] .totals li')).toEqual(
      series.map((s) => `${s.label}: ${s.labels} labels`),
    );
    expect(await texts(page, 'figure[data-chart="errors"] .totals li')).toEqual(
      series.map(
        (s) =>
          `${s.label}: ${s.errors.count} errors (${s.errors.rate === null ? "–" : share(s.errors.count, s.errors.count + s.samples)})`,
      ),
    );
    expect(await legend(page, "psi")).toEqual([
      ...series.map((s) => s.label),
      `threshold ${history.policy.driftPsi}`,
    ]);
    for (const chart of ["samples", "latency", "accuracy", "psi", "ks", "distribution", "classes"]) {
      expect(await drawnPixels(page, chart), chart).toBeGreaterThan(0);
    }
    await page.screenshot({ path: join(SCREENSHOTS, "dashboard-desktop.png"), fullPage: true });
    expect(problems).toEqual([]);
    await page.context().close();
  });

  it("overlays the chosen feature's live distribution on the reference, and the predicted classes", async () => {
    const { page, problems } = await openDashboard(DESKTOP, "spam", false);
    await page.selectOption("#series", "v1 · active");
    const history = await api<{
      versions: Array<{ byRole: Record<string, { distributions: Record<string, { live: number[] }> }> }>;
    }>("/v1/models/spam/history?window=24h");
    const feature = await page.inputValue("#feature");
    const live = history.versions[0].byRole.active.distributions[feature].live.reduce((a, b) => a + b, 0);
    expect(await legend(page, "distribution")).toEqual(["reference", "live v1 · active"]);
    expect((await texts(page, 'figure[data-chart="distribution"] .totals li'))[1]).toBe(
      `live v1 · active: ${live} values`,
    );
    expect(await legend(page, "classes")).toEqual(["reference", "live v1 · active"]);
    expect(problems).toEqual([]);
    await page.context().close();
  });

  it("promotes the candidate with the admin token after a confirmation, and shows it in the audit timeline", async () => {
    const { page, problems } = await openDashboard(DESKTOP, "spam");
    await page.selectOption("#action-version", "2");
    await page.click('[data-action="promote"]');
    await page.waitForSelector("#confirm[open]");
    expect(await page.textContent("#confirm-text")).toBe(
      "Promote v2 of spam to active? It serves all traffic at once, on probation.",
    );
    await page.fill("#confirm-reason", "v2 answers 2003 mail better");
    await page.click("#confirm-ok");
    const first = page.locator("#audit-list li").first();
    await first.locator('xpath=self::li[@data-action="promote"]').waitFor();
    const audit = await api<{
      records: Array<{ id: string; action: string; version: number; reason: string }>;
    }>("/v1/admin/models/spam/audit?limit=1", { admin: true });
    expect(audit.records[0]).toMatchObject({
      action: "promote",
      version: 2,
      reason: "v2 answers 2003 mail better",
    });
    expect(await first.getAttribute("data-audit")).toBe(audit.records[0].id);
    expect(await first.locator(".audit-reason").textContent()).toBe("v2 answers 2003 mail better");
    expect(await page.textContent('#model-list button[data-model="spam"] .model-meta')).toBe("active v2");
    await page.screenshot({ path: join(SCREENSHOTS, "dashboard-promoted-desktop.png"), fullPage: true });
    await page.setViewportSize(PHONE);
    await page.screenshot({ path: join(SCREENSHOTS, "dashboard-phone.png"), fullPage: true });
    expect(problems).toEqual([]);
    await page.context().close();
  });

  it("renders every model kind with its input kind and sample counts", async () => {
    for (const [model, { kind }] of Object.entries(seeded)) {
      const { page, problems } = await openDashboard(PHONE, model, false);
      const history = await api<History>(`/v1/models/${model}/history?window=24h`);
      const series = seriesOf(history);
      expect(await page.textContent('#versions tbody tr[data-version="1"] td:nth-child(3)'), model).toBe(
        kind,
      );
      expect(await texts(page, 'figure[data-chart="samples"] .totals li'), model).toEqual(
        series.map((s) => `${s.label}: ${s.samples} predictions`),
      );
      if (series.length > 0) expect(await drawnPixels(page, "samples"), model).toBeGreaterThan(0);
      else
        expect(await texts(page, 'figure[data-chart="samples"] .empty'), model).toEqual([
          "No data in this span.",
        ]);
      await page.screenshot({ path: join(SCREENSHOTS, `${model}-phone.png`), fullPage: true });
      expect(problems, model).toEqual([]);
      await page.context().close();
    }
  });
});
