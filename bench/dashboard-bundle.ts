/**
 * What the dashboard adds to the Worker bundle: `npm run build`'s bundling (wrangler deploy --dry-run)
 * writes each text module as its own file, so the dashboard's files and uPlot's are measured exactly,
 * raw and gzip -9, beside the Worker script and the whole upload. Writes its section of RESULTS.md.
 */
import { spawnSync } from "node:child_process";
import { readdirSync, readFileSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { writeSection } from "./results-section.js";

const OUTDIR = "/tmp/vane-dashboard-bundle";
/** The text modules the dashboard route imports (wrangler names them `<sha1>-<file>`). */
const DASHBOARD_FILES = ["index.html", "app.js", "charts.js", "dashboard.css"];
const UPLOT_FILES = ["uPlot.iife.min.js", "uPlot.min.css"];

rmSync(OUTDIR, { recursive: true, force: true });
const wrangler = createRequire(import.meta.url).resolve("wrangler/bin/wrangler.js");
const built = spawnSync(process.execPath, [wrangler, "deploy", "--dry-run", "--outdir", OUTDIR], {
  stdio: ["ignore", "ignore", "inherit"],
  env: { ...process.env, WRANGLER_SEND_METRICS: "false" },
});
if (built.status !== 0) throw new Error("wrangler deploy --dry-run failed");

const files = readdirSync(OUTDIR)
  .filter((file) => !file.endsWith(".map") && file !== "README.md")
  .map((file) => {
    const bytes = readFileSync(join(OUTDIR, file));
    return { file, raw: bytes.length, gzip: gzipSync(bytes, { level: 9 }).length };
  });
const named = (names: string[]) => files.filter((f) => names.some((name) => f.file.endsWith(`-${name}`)));
const sum = (rows: typeof files) => ({
  raw: rows.reduce((s, r) => s + r.raw, 0),
  gzip: rows.reduce((s, r) => s + r.gzip, 0),
});
const total = sum(files);
const dashboard = sum(named(DASHBOARD_FILES));
const uplot = sum(named(UPLOT_FILES));
const added = { raw: dashboard.raw + uplot.raw, gzip: dashboard.gzip + uplot.gzip };
const pct = (part: number, whole: number) => `${((part / whole) * 100).toFixed(2)}%`;
const row = (label: string, s: { raw: number; gzip: number }) =>
  `| ${label} | ${s.raw.toLocaleString("en-US")} | ${s.gzip.toLocaleString("en-US")} |`;

await writeSection(
  "dashboard-bundle",
  [
    "## Dashboard in the Worker bundle",
    "",
    `Command: \`npx tsx bench/dashboard-bundle.ts\` (\`wrangler deploy --dry-run --outdir ${OUTDIR}\`, what \`npm run build\` runs; gzip -9 per file). ${new Date().toISOString()}.`,
    "",
    "| files | raw bytes | gzip -9 bytes |",
    "|---|---:|---:|",
    ...named(DASHBOARD_FILES).map((f) => row(`dashboard: ${f.file.replace(/^[0-9a-f]{40}-/, "")}`, f)),
    ...named(UPLOT_FILES).map((f) => row(`uPlot 1.6.32: ${f.file.replace(/^[0-9a-f]{40}-/, "")}`, f)),
    row("**dashboard and uPlot**", added),
    row("Worker script (index.js)", sum(files.filter((f) => f.file === "index.js"))),
    row("**whole upload**", total),
    "",
    `The dashboard's own files and uPlot add ${added.raw.toLocaleString("en-US")} bytes raw and ${added.gzip.toLocaleString("en-US")} gzip: ${pct(added.raw, total.raw)} of the upload raw, ${pct(added.gzip, total.gzip)} gzip (uPlot alone ${uplot.gzip.toLocaleString("en-US")} gzip). Their routes and the history endpoint are in index.js: built at main 11f8b98 without them and with them on top, index.js went from 1,448,788 to 1,463,823 bytes raw (+15,035) and 280,579 to 284,274 gzip -9 (+3,695), measured the same way on both trees.`,
  ].join("\n"),
);
console.log(
  `dashboard + uPlot: ${added.raw} raw, ${added.gzip} gzip; upload ${total.raw} raw, ${total.gzip} gzip`,
);
