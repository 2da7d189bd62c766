/**
 * Cold start inside workerd, before and after, in one run: vane built from the working tree and from
 * a baseline git ref (bench/workerd.ts), each started afresh per measurement (a new workerd process:
 * a fresh isolate) with its state kept, and its very first request a predict. Per model:
 * - the fresh isolate's first predict (whatever the isolate has not done yet, it does now);
 * - then the first predict of a second copy of the model under another name, in the now warm isolate:
 *   the model's own cost of loading (R2 read, sha256, session creation) plus a warm predict, which is
 *   the floor a first predict can reach;
 * - then warm predicts (median).
 * For the shipped int8 spam model and the ~10 MB embedding model of the zoo (models/zoo/large,
 * imported with `vane import`). Writes its section of bench/RESULTS.md.
 * Run: npx tsx bench/cold.ts [--baseline <ref>]
 */
import { readdir, readFile } from "node:fs/promises";
import { loadavg } from "node:os";
import { join } from "node:path";
import { loadSplits } from "../src/toolchain/data.js";
import { importModel } from "../src/toolchain/import.js";
import { baselineRef } from "./baseline.js";
import { median } from "./median.js";
import { writeSection } from "./results-section.js";
import { type Bundle, buildBundle, LocalWorker, removeScratch, scratchDir } from "./workerd.js";

const ROUNDS = 3;
const WARM_CALLS = 7;
const before = baselineRef();

interface Model {
  name: string;
  label: string;
  /** A version directory as `vane import` or `npm run models` writes it. */
  dir: string;
  body: string;
}

/** Wall times, and the workerd process's CPU time for the same spans (the `Cpu` keys). */
interface Cold {
  startMs: number;
  firstMs: number;
  secondModelMs: number;
  warmMs: number;
  startCpu: number;
  firstCpu: number;
  secondModelCpu: number;
  warmCpu: number;
}

async function seed(worker: LocalWorker, models: readonly Model[]): Promise<void> {
  const bucket = await worker.bucket();
  for (const model of models) {
    for (const name of [model.name, `${model.name}-second`]) {
      for (const file of await readdir(model.dir)) {
        const bytes = new Uint8Array(await readFile(join(model.dir, file)));
        const value =
          file === "manifest.json"
            ? JSON.stringify({ ...JSON.parse(Buffer.from(bytes).toString()), name })
            : bytes;
        await bucket.put(`models/${name}/1/${file}`, value);
      }
      const state = { name, active: 1, previous: [], candidate: null, updatedAt: new Date().toISOString() };
      await bucket.put(`registry/${name}/state.json`, JSON.stringify(state));
    }
  }
}

async function timedPredict(url: string, name: string, body: string): Promise<number> {
  const start = performance.now();
  const response = await fetch(`${url}/v1/models/${name}/predict`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body,
  });
  await response.arrayBuffer();
  if (response.status !== 200) throw new Error(`${name} answered ${response.status}`);
  return performance.now() - start;
}

async function coldOnce(bundle: Bundle, persist: string, model: Model): Promise<Cold> {
  const start = performance.now();
  const worker = await LocalWorker.start({ bundle, persist });
  const startMs = performance.now() - start;
  try {
    const startCpu = await worker.cpuMs();
    const firstMs = await timedPredict(worker.url, model.name, model.body);
    const firstDone = await worker.cpuMs();
    const secondModelMs = await timedPredict(worker.url, `${model.name}-second`, model.body);
    const secondDone = await worker.cpuMs();
    const warm: number[] = [];
    for (let i = 0; i < WARM_CALLS; i++) warm.push(await timedPredict(worker.url, model.name, model.body));
    return {
      startMs,
      firstMs,
      secondModelMs,
      warmMs: median(warm),
      startCpu,
      firstCpu: firstDone - startCpu,
      secondModelCpu: secondDone - firstDone,
      // Over all warm calls: one call is about a tick of the kernel's CPU clock.
      warmCpu: ((await worker.cpuMs()) - secondDone) / WARM_CALLS,
    };
  } finally {
    await worker.dispose();
  }
}

const started = performance.now();
const loadAtStart = loadavg();
const scratch = await scratchDir();
const results = new Map<string, Cold[]>();
let models: Model[] = [];
try {
  const imported = await importModel({
    source: "models/zoo/large/model.onnx",
    // Inside the scratch directory, which goes at the end.
    out: join(scratch, "zoo-large"),
    name: "zoo-large",
    version: 1,
    task: {},
  });
  const { test } = await loadSplits("2002", { seed: 1 });
  const mail = test.find((email) => email.label === 1)?.text ?? "";
  models = [
    {
      name: "spam",
      label: "spam (int8, 8.7 KB), one 2002 mail",
      dir: "models/spam/1",
      body: JSON.stringify({ instances: [{ text: mail }] }),
    },
    {
      name: "zoo-large",
      label: `zoo large (embedding, ${(imported.manifest.model.bytes / 1e6).toFixed(1)} MB), its sample.json`,
      dir: imported.dir,
      body: await readFile("models/zoo/large/sample.json", "utf8"),
    },
  ];
  const bundles = [await buildBundle(scratch, before), await buildBundle(scratch)];
  const persists = new Map<Bundle, string>();
  for (const bundle of bundles) {
    const persist = join(scratch, `state-${persists.size}`);
    const worker = await LocalWorker.start({ bundle, persist });
    await worker.migrate(bundle);
    await seed(worker, models);
    await worker.dispose();
    persists.set(bundle, persist);
  }
  for (let round = 0; round < ROUNDS; round++) {
    const order = round % 2 === 0 ? bundles : [...bundles].reverse();
    for (const bundle of order) {
      for (const model of models) {
        const key = `${bundle.label}|${model.name}`;
        results.set(key, [
          ...(results.get(key) ?? []),
          await coldOnce(bundle, persists.get(bundle) ?? "", model),
        ]);
      }
    }
  }
} finally {
  await removeScratch(scratch);
}

const ms = (value: number) => (value < 10 ? value.toFixed(1) : value.toFixed(0));
const of = (ref: string, model: string, key: keyof Cold) =>
  median((results.get(`${ref}|${model}`) ?? []).map((r) => r[key]));
const rows = models.flatMap((model) =>
  [before, "working tree"].map((ref) => {
    const get = (key: keyof Cold) => of(ref, model.name, key);
    const within = (first: number, floor: number) =>
      `${(first / floor).toFixed(2)}x${first / floor <= 2 ? "" : " (**over 2x**)"}`;
    return `| ${model.label} | ${ref === before ? `before (${ref})` : "after (working tree)"} | ${ms(get("startMs"))} / ${ms(get("startCpu"))} | ${ms(get("firstMs"))} / ${ms(get("firstCpu"))} | ${ms(get("secondModelMs"))} / ${ms(get("secondModelCpu"))} | ${ms(get("warmMs"))} / ${ms(get("warmCpu"))} | ${within(get("firstMs"), get("secondModelMs"))} | ${within(get("firstCpu"), get("secondModelCpu"))} |`;
  }),
);
const load = (l: number[]) => l.map((v) => v.toFixed(2)).join(" / ");
const section = [
  "## Cold start in workerd: before and after",
  "",
  `Command: \`npx tsx bench/cold.ts\` (part of \`npm run bench\`); ${new Date().toISOString()}, ${((performance.now() - started) / 1000).toFixed(0)} s; load average at start ${load(loadAtStart)}, at the end ${load(loadavg())} (2 cores shared with other jobs). Each measurement starts a new workerd process (bench/workerd.ts: the \`wrangler deploy --dry-run\` bundle on the Worker's own socket) on state seeded once, so its isolate is fresh and its first request is the predict; ${ROUNDS} rounds, before and after alternating, medians. "Floor" is the first predict of a second copy of the same model right after: its R2 read, sha256 check and session creation plus a warm predict, in an isolate whose runtime is up, i.e. what the model itself costs; the target is a first predict within 2x of it. "Start" is the time until workerd serves (module scope included: the after bundle sets the runtime up there; Workers start an isolate as the TLS handshake begins, so part of it overlaps the handshake, the rest delays the first answer).`,
  "",
  "miniflare starts its own isolates (the storage simulators, its entry worker) after vane's, and V8 then drops the wasm code Liftoff compiled while vane's module scope warmed the runtime, so the first predict here compiles it again. A process where no isolate starts after vane's keeps that code; the section \"First session of a fresh isolate, in plain workerd\" (bench/first-session.ts) measures both layouts, with the functions compiled and the CPU each costs.",
  "",
  "Each cell gives wall ms / CPU ms: the time the client waited, then the CPU time the workerd process spent in that span (from /proc, at the kernel's 10 ms tick; the warm figure is the mean over the warm calls). On 2 cores shared with other jobs the wall time includes the wait for a core; the CPU time does not, and it is what Workers' CPU limits count.",
  "",
  "| model | bundle | start | first predict | floor (load + session + warm predict) | warm predict | first / floor, wall | first / floor, CPU |",
  "|---|---|---:|---:|---:|---:|---:|---:|",
  ...rows,
  "",
  ...models.map((model) => {
    const at = (ref: string, key: keyof Cold) => of(ref, model.name, key);
    const after = "working tree";
    const firstOverFloor = at(after, "firstCpu") / at(after, "secondModelCpu");
    return `- ${model.name}: the first predict's CPU went from ${ms(at(before, "firstCpu"))} to ${ms(at(after, "firstCpu"))} ms and its wall time from ${ms(at(before, "firstMs"))} to ${ms(at(after, "firstMs"))} ms; the start's CPU from ${ms(at(before, "startCpu"))} to ${ms(at(after, "startCpu"))} ms (start and first predict together: ${ms(at(before, "startCpu") + at(before, "firstCpu"))} before, ${ms(at(after, "startCpu") + at(after, "firstCpu"))} ms after). Target, a first predict within 2x of the floor: ${firstOverFloor <= 2 ? "met" : `**not met** (${firstOverFloor.toFixed(1)}x in CPU)`}.`;
  }),
].join("\n");
await writeSection("cold", section);
console.log(section);
