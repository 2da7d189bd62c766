/**
 * `npm run demo`: the whole loop on this machine in a few minutes, for two models. It publishes the
 * shipped spam and weather models into a fresh local simulation, starts the local edge (wrangler dev
 * --test-scheduled), and replays real held-out data through the predict endpoint as the world moves
 * on, sending every true label back as feedback: 2002 then 2003 mail for spam@1, Seattle then New
 * York days of 2015 for weather@1 (trained on Seattle days of 2012 to 2014). It runs the scheduled
 * handler after each phase and prints what happened: traffic, accuracy, drift (per named column for
 * the weather model, with its data-quality shares), each decision and its reasons, with the ops
 * commands an operator would type. Each drift alert brings in the version trained on the new data
 * (spam@2, weather@2) as a shadow candidate, and the next run promotes it; the demo exits non-zero
 * unless both are promoted.
 *
 *   npm run demo                         # ends by stopping the server; the state stays in .wrangler/demo
 *   npm run demo -- --serve              # keeps the server running for the dashboard, until Ctrl-C
 *   npm run demo -- --port 8790 --state /tmp/vane-demo
 *   npm run demo -- --story weather      # one model's story alone (spam or weather)
 */
import { copyFileSync, existsSync } from "node:fs";
import { rm, writeFile } from "node:fs/promises";
import { join, relative, resolve } from "node:path";
import { parseArgs } from "node:util";
import { main as vane } from "../src/cli/main.js";
import { devVarsAdminToken, readDevVars } from "../src/cli/worker-target.js";
import { Prng } from "../src/core/learn/prng.js";
import { LABELS, loadSplits } from "../src/toolchain/data.js";
import { splitRequestLines } from "../src/toolchain/dataset/instances.js";
import { applyLocalMigrations, type LocalEdge, startLocalEdge } from "../src/toolchain/local-edge.js";
import { type LocalBucket, projectRoot, withLocalBucket } from "../src/toolchain/local-r2.js";
import { publishLocal, readBuiltVersionFiles, uploadLocal } from "../src/toolchain/publish.js";
import { type Schemas, sendLabels, WorkerClient } from "../src/toolchain/worker-client.js";
import { type Location, weatherDataset } from "./weather-models.js";

const STORIES = ["spam", "weather"] as const;
type Story = (typeof STORIES)[number];

const { values: options } = parseArgs({
  options: {
    port: { type: "string", default: "8787" },
    state: { type: "string", default: ".wrangler/demo" },
    serve: { type: "boolean", default: false },
    story: { type: "string", default: "both" },
  },
});

const ROOT = projectRoot();
const PORT = Number(options.port);
const STATE = resolve(ROOT, options.state as string);
const stories: readonly Story[] =
  options.story === "both" ? STORIES : STORIES.filter((story) => story === options.story);
if (stories.length === 0) {
  console.error(`--story must be spam, weather or both, got ${JSON.stringify(options.story)}`);
  process.exit(2);
}
/** Requests in flight at once: a handful of callers, as a small service would send. */
const CONCURRENCY = 4;
/**
 * How long the drift pipeline may go without counting one more sample before the demo gives up:
 * generous, for a loaded machine; progress restarts the wait.
 */
const STALL_MS = 180_000;
const started = Date.now();

const elapsed = () => `${((Date.now() - started) / 1000).toFixed(0)} s`;
const say = (line = "") => console.log(line);
const step = (title: string) => say(`\n━━ ${title} (${elapsed()})`);

/** An ops command, run in this process exactly as `npx vane ...` runs it, shown as typed. */
async function ops(args: string[]): Promise<void> {
  say(`\n$ npx vane ${args.join(" ")}`);
  const code = await vane([...args, "--url", edge.url]);
  if (code !== 0) throw new Error(`vane ${args[0]} exited with ${code}`);
}

type Instance = NonNullable<Schemas["PredictRequest"]["instances"]>[number];

/** One request's instance and the true label that comes back for it later. */
interface Labelled {
  instance: Instance;
  label: string;
}

/** The same seeded shuffle for every held-out set, so each run replays the same traffic. */
function shuffled<T>(items: readonly T[]): T[] {
  return Array.from(new Prng(7).permutation(items.length), (i) => items[i]);
}

/** Held-out mail of a collection (its test and validation splits, seed 1 as the shipped models), shuffled. */
async function heldOutMail(collection: "2002" | "2003"): Promise<Labelled[]> {
  const { test, validation } = await loadSplits(collection, { seed: 1 });
  return shuffled([...test, ...validation]).map((mail) => ({
    instance: { text: mail.text },
    label: LABELS[mail.label],
  }));
}

/** A location's held-out days (2015), split as the shipped weather models were trained, shuffled. */
async function heldOutDays(location: Location): Promise<Labelled[]> {
  const days = splitRequestLines(await weatherDataset(location), "test");
  return shuffled(days).map((day) => ({
    instance: (day.body.instances as Instance[])[0],
    label: String(day.labels?.[0]),
  }));
}

interface Answered {
  requestId: string;
  token: string;
  truth: string;
  predicted: string;
}

/** Sends each instance as its own predict call, CONCURRENCY at a time. */
async function replay(
  worker: WorkerClient,
  model: string,
  items: readonly Labelled[],
  prefix: string,
): Promise<Answered[]> {
  const answers: Answered[] = [];
  let next = 0;
  const caller = async () => {
    while (next < items.length) {
      const i = next++;
      const requestId = `${prefix}-${i}`;
      const { answer, feedbackToken } = await worker.predict(
        model,
        { instances: [items[i].instance] },
        requestId,
      );
      const [prediction] = answer.predictions ?? [];
      answers.push({
        requestId,
        token: feedbackToken ?? "",
        truth: items[i].label,
        predicted: prediction && "label" in prediction ? prediction.label : "",
      });
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, caller));
  return answers;
}

/**
 * Polls a count every 500 ms until it reaches `goal`: as long as it keeps rising, and up to STALL_MS
 * without a rise (a loaded machine is slow, not stuck).
 */
async function reaches(what: string, goal: number, count: () => Promise<number>): Promise<void> {
  let best = -1;
  let stalledSince = Date.now();
  for (;;) {
    const now = await count();
    if (now >= goal) return;
    if (now > best) {
      best = now;
      stalledSince = Date.now();
    } else if (Date.now() - stalledSince > STALL_MS) {
      throw new Error(`only ${best} of ${goal} ${what}`);
    }
    await new Promise((r) => setTimeout(r, 500));
  }
}

/** Waits until the drift pipeline (Queue, consumer, sketches) has counted `count` samples of a version's role. */
async function settle(
  worker: WorkerClient,
  model: string,
  version: number,
  role: string,
  count: number,
): Promise<void> {
  await reaches(`samples of ${model}@${version} as ${role} counted`, count, async () => {
    const report = await worker.drift(model, { window: "1h", version });
    return report.versions[0]?.byRole[role]?.samples ?? 0;
  });
}

/**
 * A prediction's record reaches the log just after its drift sample, so on a loaded machine a label
 * can come first and count as unknown: the labels are sent again (those matched before count as
 * duplicates) until none is unknown.
 */
async function allMatched(worker: WorkerClient, model: string, answers: readonly Answered[]): Promise<void> {
  const labels = answers.map((a) => ({ requestId: a.requestId, label: a.truth, token: a.token }));
  await reaches(`labels of ${model} matched with their predictions`, labels.length, async () => {
    const { unknown } = await sendLabels(worker, model, labels);
    if (unknown > 0) say(`${unknown} labels came before their predictions were logged: sent again`);
    return labels.length - unknown;
  });
}

const percent = (share: number) => `${(share * 100).toFixed(1)}%`;

/** One phase of traffic: the instances answered, their labels sent back through `vane feedback send`. */
async function phase(
  worker: WorkerClient,
  model: string,
  name: string,
  items: readonly Labelled[],
  counts: Array<{ version: number; role: string; count: number }>,
): Promise<void> {
  const answers = await replay(worker, model, items, name);
  const right = answers.filter((a) => a.predicted === a.truth).length;
  say(
    `${answers.length} predict calls answered; the serving version was right on ${percent(right / answers.length)}`,
  );
  for (const { version, role, count } of counts) await settle(worker, model, version, role, count);
  const file = join(STATE, `labels-${name}.csv`);
  await writeFile(
    file,
    ["requestId,label,token", ...answers.map((a) => `${a.requestId},${a.truth},${a.token}`)].join("\n"),
  );
  say(`the true labels, with each response's feedback token: ${relative(ROOT, file)}`);
  await ops(["feedback", "send", model, relative(ROOT, file)]);
  await allMatched(worker, model, answers);
}

async function scheduledRun(url: string): Promise<void> {
  say(
    "\n$ curl 'localhost:.../__scheduled?cron=*/10+*+*+*+*'     # what the cron trigger runs every 10 minutes",
  );
  const response = await fetch(`${url}/__scheduled?cron=${encodeURIComponent("*/10 * * * *")}`);
  if (!response.ok) throw new Error(`the scheduled handler answered ${response.status}`);
}

/** Registers the new version as the shadow candidate on every request, as `vane publish --remote` registers it. */
async function shadowCandidate(worker: WorkerClient, model: string, reason: string): Promise<void> {
  const registered = await worker.registerCandidate(model, { version: 2, mode: "shadow", share: 1, reason });
  say(
    `registered ${model}@2 as the shadow candidate (share 100%), as vane publish --remote registers: audit ${registered.audit.id}`,
  );
}

/** Whether version 2 serves now, said as the step that ends a story. */
async function promoted(worker: WorkerClient, model: string): Promise<boolean> {
  const { state } = await worker.adminModel(model);
  const done = state.active === 2;
  step(done ? `${model}@2 was promoted` : `${model}@2 was NOT promoted`);
  return done;
}

/** Version 1 published active, version 2 uploaded beside it for later (not yet registered). */
async function publishModel(bucket: LocalBucket, model: Story, trainedOn: [string, string]): Promise<void> {
  const dir = (version: number) => join(ROOT, "models", model, String(version));
  const v1 = await readBuiltVersionFiles(dir(1), { name: model, version: 1 });
  await publishLocal(bucket, v1, { mode: "shadow", share: 1 });
  say(`published ${model}@1 (trained on ${trainedOn[0]}): the model's first version, active`);
  await uploadLocal(bucket, await readBuiltVersionFiles(dir(2), { name: model, version: 2 }));
  say(`uploaded ${model}@2 (trained on ${trainedOn[1]}) to R2, not yet registered`);
}

async function spamStory(worker: WorkerClient): Promise<boolean> {
  const model = "spam";
  const [old, next] = await Promise.all([heldOutMail("2002"), heldOutMail("2003")]);

  step("Spam, phase 1: the mail spam@1 was trained for (300 held-out 2002 mails)");
  await phase(worker, model, "2002", old.slice(0, 300), [{ version: 1, role: "active", count: 300 }]);
  await scheduledRun(edge.url);
  await ops(["status", model]);

  step("Spam, phase 2: the world moves on (400 held-out 2003 mails)");
  await phase(worker, model, "2003-a", next.slice(0, 400), [{ version: 1, role: "active", count: 700 }]);
  await ops(["drift", model, "--window", "1h"]);
  await scheduledRun(edge.url);
  await ops(["status", model]);

  step("Spam, phase 3: spam@2, trained on 2003 mail, shadows every request");
  await shadowCandidate(worker, model, "retrained on 2003 mail after the drift alert");
  await phase(worker, model, "2003-b", next.slice(400, 800), [
    { version: 1, role: "active", count: 1100 },
    { version: 2, role: "shadow", count: 400 },
  ]);
  await scheduledRun(edge.url);
  await ops(["status", model]);
  await ops(["audit", model]);
  return promoted(worker, model);
}

async function weatherStory(worker: WorkerClient): Promise<boolean> {
  const model = "weather";
  const [seattle, newYork] = await Promise.all([heldOutDays("Seattle"), heldOutDays("New York")]);
  // The shadow phase must reach the policy's 200 candidate samples; the New York days before it show
  // the drift. The run's 24 h lookback holds both cities' days, so the drift it measures is that of
  // the mix: fewer Seattle days than New York ones, as when a service has moved most of its traffic.
  const seattleDays = seattle.slice(0, 120);
  const shadowDays = newYork.slice(-200);
  const driftDays = newYork.slice(0, newYork.length - shadowDays.length);
  const example = JSON.stringify({ instances: [seattle[0].instance] });

  step(`Weather, phase 1: the city weather@1 was trained for (${seattleDays.length} Seattle days of 2015)`);
  say(`each day one predict call, its columns as the model takes them: ${example}`);
  await phase(worker, model, "seattle", seattleDays, [
    { version: 1, role: "active", count: seattleDays.length },
  ]);
  await ops(["drift", model, "--window", "1h"]);
  await scheduledRun(edge.url);
  await ops(["status", model]);

  step(`Weather, phase 2: the same model now serves New York (${driftDays.length} days of 2015)`);
  await phase(worker, model, "new-york-a", driftDays, [
    { version: 1, role: "active", count: seattleDays.length + driftDays.length },
  ]);
  await ops(["drift", model, "--window", "1h"]);
  await scheduledRun(edge.url);
  await ops(["status", model]);

  step(
    `Weather, phase 3: weather@2, trained on New York days, shadows every request (${shadowDays.length} more days)`,
  );
  await shadowCandidate(worker, model, "trained on New York days after the drift alert");
  await phase(worker, model, "new-york-b", shadowDays, [
    { version: 1, role: "active", count: seattleDays.length + newYork.length },
    { version: 2, role: "shadow", count: shadowDays.length },
  ]);
  await ops(["drift", model, "--window", "1h"]);
  await scheduledRun(edge.url);
  await ops(["status", model]);
  await ops(["audit", model]);
  return promoted(worker, model);
}

const TRAINED_ON: Record<Story, [string, string]> = {
  spam: ["2002 mail", "2003 mail"],
  weather: ["Seattle days of 2012 to 2014", "New York days of 2012 to 2014"],
};
const STORY_RUNS: Record<Story, (worker: WorkerClient) => Promise<boolean>> = {
  spam: spamStory,
  weather: weatherStory,
};

let edge: LocalEdge;
/** The first stop decides the exit code; the story it cut short fails after it and waits for it. */
let stopping: Promise<never> | undefined;
function stop(code: number): Promise<never> {
  stopping ??= (async () => {
    await edge?.stop();
    process.exit(code);
  })();
  return stopping;
}
// Ctrl-C, or a supervisor's (or test's) termination: wrangler and workerd go down with the demo.
for (const [signal, code] of [
  ["SIGINT", 130],
  ["SIGTERM", 143],
] as const) {
  process.on(signal, () => {
    say(`\n${signal === "SIGINT" ? "interrupted" : "terminated"}: stopping the local edge`);
    void stop(code);
  });
}

try {
  step(`A fresh local simulation in ${relative(ROOT, STATE) || STATE}`);
  await rm(STATE, { recursive: true, force: true });
  // The Worker's secrets come from .dev.vars, made from the example when missing so that `npx vane`
  // finds the admin token afterwards; with VANE_ADMIN_TOKEN set the Worker takes that token (and the
  // example's other secrets where .dev.vars has none), and .dev.vars is left as it is.
  const givenToken = process.env.VANE_ADMIN_TOKEN;
  if (!givenToken && !existsSync(join(ROOT, ".dev.vars")))
    copyFileSync(join(ROOT, ".dev.vars.example"), join(ROOT, ".dev.vars"));
  const vars = givenToken
    ? { ...readDevVars(join(ROOT, ".dev.vars.example")), ...readDevVars(), ADMIN_TOKEN: givenToken }
    : {};
  await withLocalBucket(STATE, async (bucket) => {
    for (const story of stories) await publishModel(bucket, story, TRAINED_ON[story]);
  });
  await applyLocalMigrations(STATE);
  edge = await startLocalEdge({
    port: PORT,
    persistTo: STATE,
    testScheduled: true,
    // A few hundred predictions: every one sampled and logged, as for any model with little traffic
    // (the shipped tenths are for production volumes; docs/drift.md, "Sampling").
    vars: { ...vars, DRIFT_SAMPLE_RATE: "1", PREDICTION_LOG_RATE: "1" },
    logFile: join(STATE, "wrangler.log"),
    // wrangler's first start bundles the Worker: slow on a loaded machine, and the edge is polled.
    startTimeoutMs: 300_000,
  });
  say(
    `the local edge answers on ${edge.url} (wrangler dev, log in ${relative(ROOT, join(STATE, "wrangler.log"))})`,
  );
  process.env.VANE_ADMIN_TOKEN ??= devVarsAdminToken();
  const worker = new WorkerClient({ url: edge.url, token: process.env.VANE_ADMIN_TOKEN });
  await ops(["models"]);

  const outcomes: Array<[Story, boolean]> = [];
  for (const story of stories) outcomes.push([story, await STORY_RUNS[story](worker)]);

  const missing = outcomes.filter(([, done]) => !done).map(([story]) => `${story}@2`);
  step(missing.length === 0 ? "Every new version was promoted" : `NOT promoted: ${missing.join(", ")}`);
  const dashboard = await fetch(`${edge.url}/dashboard`).then(
    (r) => r.ok,
    () => false,
  );
  say(
    `dashboard: ${edge.url}/dashboard${dashboard ? ` (${stories.join(" and ")}: drift, accuracy, the audit timeline)` : " (not in this build of the Worker yet)"}`,
  );
  say(
    `state kept in ${relative(ROOT, STATE) || STATE}: npx wrangler dev --persist-to ${relative(ROOT, STATE) || STATE} --port ${PORT} serves it again`,
  );
  say(`done in ${elapsed()}`);
  if (missing.length > 0) await stop(1);
  if (options.serve) {
    say(`serving ${edge.url} until Ctrl-C`);
    await new Promise(() => undefined);
  }
  await stop(0);
} catch (error) {
  if (!stopping) console.error(`demo failed: ${(error as Error).stack ?? error}`);
  await stop(1);
}
