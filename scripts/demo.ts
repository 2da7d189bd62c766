/**
 * `npm run demo`: the whole loop on this machine in a few minutes. It publishes the shipped spam
 * model into a fresh local simulation, starts the local edge (wrangler dev --test-scheduled), and
 * replays real held-out mail through the predict endpoint as the world moves from 2002 to 2003 mail,
 * sending every true label back as feedback; it runs the scheduled handler after each phase and
 * prints what happened: traffic, accuracy, drift, each decision and its reasons, with the ops
 * commands an operator would type. The drift alert brings spam@2 (trained on 2003 mail) in as a
 * shadow candidate, and the next run promotes it.
 *
 *   npm run demo                         # ends by stopping the server; the state stays in .wrangler/demo
 *   npm run demo -- --serve              # keeps the server running for the dashboard, until Ctrl-C
 *   npm run demo -- --port 8790 --state /tmp/vane-demo
 */
import { copyFileSync, existsSync } from "node:fs";
import { rm, writeFile } from "node:fs/promises";
import { join, relative, resolve } from "node:path";
import { parseArgs } from "node:util";
import { main as vane } from "../src/cli/main.js";
import { devVarsAdminToken } from "../src/cli/worker-target.js";
import { Prng } from "../src/core/learn/prng.js";
import { LABELS, loadSplits } from "../src/toolchain/data.js";
import { applyLocalMigrations, type LocalEdge, startLocalEdge } from "../src/toolchain/local-edge.js";
import { projectRoot, withLocalBucket } from "../src/toolchain/local-r2.js";
import { publishLocal, readBuiltVersionFiles, uploadLocal } from "../src/toolchain/publish.js";
import { WorkerClient } from "../src/toolchain/worker-client.js";

const { values: options } = parseArgs({
  options: {
    port: { type: "string", default: "8787" },
    state: { type: "string", default: ".wrangler/demo" },
    serve: { type: "boolean", default: false },
  },
});

const ROOT = projectRoot();
const PORT = Number(options.port);
const STATE = resolve(ROOT, options.state as string);
const MODEL = "spam";
/** Requests in flight at once: a handful of callers, as a small service would send. */
const CONCURRENCY = 4;
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

interface Mail {
  text: string;
  label: (typeof LABELS)[number];
}

/** Held-out mail of a collection (its test and validation splits, seed 1 as the shipped models), shuffled. */
async function heldOut(collection: "2002" | "2003"): Promise<Mail[]> {
  const { test, validation } = await loadSplits(collection, { seed: 1 });
  const mails = [...test, ...validation];
  const order = new Prng(7).permutation(mails.length);
  return Array.from(order, (i) => ({ text: mails[i].text, label: LABELS[mails[i].label] }));
}

interface Answered {
  requestId: string;
  token: string;
  truth: string;
  predicted: string;
}

/** Sends each mail as its own predict call, CONCURRENCY at a time. */
async function replay(worker: WorkerClient, mails: readonly Mail[], prefix: string): Promise<Answered[]> {
  const answers: Answered[] = [];
  let next = 0;
  const caller = async () => {
    while (next < mails.length) {
      const i = next++;
      const requestId = `${prefix}-${i}`;
      const { answer, feedbackToken } = await worker.predict(
        MODEL,
        { instances: [{ text: mails[i].text }] },
        requestId,
      );
      const [prediction] = answer.predictions ?? [];
      answers.push({
        requestId,
        token: feedbackToken ?? "",
        truth: mails[i].label,
        predicted: prediction && "label" in prediction ? prediction.label : "",
      });
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, caller));
  return answers;
}

/** Waits until the drift pipeline (Queue, consumer, sketches) has counted `count` samples of a version's role. */
async function settle(worker: WorkerClient, version: number, role: string, count: number): Promise<void> {
  const deadline = Date.now() + 120_000;
  for (;;) {
    const report = await worker.drift(MODEL, { window: "1h", version });
    const counted = report.versions[0]?.byRole[role]?.samples ?? 0;
    if (counted >= count) return;
    if (Date.now() > deadline)
      throw new Error(`only ${counted} of ${count} samples of ${MODEL}@${version} counted`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

const percent = (share: number) => `${(share * 100).toFixed(1)}%`;

/** One phase of traffic: the mails answered, their labels sent back through `vane feedback send`. */
async function phase(
  worker: WorkerClient,
  name: string,
  mails: readonly Mail[],
  counts: Array<{ version: number; role: string; count: number }>,
): Promise<void> {
  const answers = await replay(worker, mails, name);
  const right = answers.filter((a) => a.predicted === a.truth).length;
  say(
    `${answers.length} predict calls answered; the serving version was right on ${percent(right / answers.length)}`,
  );
  for (const { version, role, count } of counts) await settle(worker, version, role, count);
  const file = join(STATE, `labels-${name}.csv`);
  await writeFile(
    file,
    ["requestId,label,token", ...answers.map((a) => `${a.requestId},${a.truth},${a.token}`)].join("\n"),
  );
  say(
    `the true labels, as the mail's readers reported them, with each response's feedback token: ${relative(ROOT, file)}`,
  );
  await ops(["feedback", "send", MODEL, relative(ROOT, file)]);
}

async function scheduledRun(url: string): Promise<void> {
  say(
    "\n$ curl 'localhost:.../__scheduled?cron=*/10+*+*+*+*'     # what the cron trigger runs every 10 minutes",
  );
  const response = await fetch(`${url}/__scheduled?cron=${encodeURIComponent("*/10 * * * *")}`);
  if (!response.ok) throw new Error(`the scheduled handler answered ${response.status}`);
}

let edge: LocalEdge;
let stopping = false;
async function stop(code: number): Promise<never> {
  if (!stopping) {
    stopping = true;
    await edge?.stop();
  }
  process.exit(code);
}
process.on("SIGINT", () => {
  say("\ninterrupted: stopping the local edge");
  void stop(130);
});

try {
  step(`A fresh local simulation in ${relative(ROOT, STATE) || STATE}`);
  await rm(STATE, { recursive: true, force: true });
  if (!existsSync(join(ROOT, ".dev.vars")))
    copyFileSync(join(ROOT, ".dev.vars.example"), join(ROOT, ".dev.vars"));
  await withLocalBucket(STATE, async (bucket) => {
    const v1 = await readBuiltVersionFiles(join(ROOT, "models/spam/1"), { name: MODEL, version: 1 });
    await publishLocal(bucket, v1, { mode: "shadow", share: 1 });
    say("published spam@1 (trained on 2002 mail): the model's first version, active");
    const v2 = await readBuiltVersionFiles(join(ROOT, "models/spam/2"), { name: MODEL, version: 2 });
    await uploadLocal(bucket, v2);
    say("uploaded spam@2 (trained on 2003 mail) to R2, not yet registered");
  });
  await applyLocalMigrations(STATE);
  edge = await startLocalEdge({
    port: PORT,
    persistTo: STATE,
    testScheduled: true,
    logFile: join(STATE, "wrangler.log"),
  });
  say(
    `the local edge answers on ${edge.url} (wrangler dev, log in ${relative(ROOT, join(STATE, "wrangler.log"))})`,
  );
  process.env.VANE_ADMIN_TOKEN ??= devVarsAdminToken();
  const worker = new WorkerClient({ url: edge.url, token: process.env.VANE_ADMIN_TOKEN });
  await ops(["models"]);

  const [old, next] = await Promise.all([heldOut("2002"), heldOut("2003")]);

  step("Phase 1: the mail spam@1 was trained for (300 held-out 2002 mails)");
  await phase(worker, "2002", old.slice(0, 300), [{ version: 1, role: "active", count: 300 }]);
  await scheduledRun(edge.url);
  await ops(["status", MODEL]);

  step("Phase 2: the world moves on (400 held-out 2003 mails)");
  await phase(worker, "2003-a", next.slice(0, 400), [{ version: 1, role: "active", count: 700 }]);
  await ops(["drift", MODEL, "--window", "1h"]);
  await scheduledRun(edge.url);
  await ops(["status", MODEL]);

  step("Phase 3: spam@2, trained on 2003 mail, shadows every request");
  const registered = await worker.registerCandidate(MODEL, {
    version: 2,
    mode: "shadow",
    share: 1,
    reason: "retrained on 2003 mail after the drift alert",
  });
  say(
    `registered spam@2 as the shadow candidate (share 100%), as vane publish --remote registers: audit ${registered.audit.id}`,
  );
  await phase(worker, "2003-b", next.slice(400, 800), [
    { version: 1, role: "active", count: 1100 },
    { version: 2, role: "shadow", count: 400 },
  ]);
  await scheduledRun(edge.url);
  await ops(["status", MODEL]);
  await ops(["audit", MODEL]);

  const state = await worker.adminModel(MODEL);
  const promoted = state.state.active === 2;
  step(promoted ? "spam@2 was promoted" : "spam@2 was NOT promoted");
  const dashboard = await fetch(`${edge.url}/dashboard`).then(
    (r) => r.ok,
    () => false,
  );
  say(`dashboard: ${edge.url}/dashboard${dashboard ? "" : " (not in this build of the Worker yet)"}`);
  say(
    `state kept in ${relative(ROOT, STATE) || STATE}: npx wrangler dev --persist-to ${relative(ROOT, STATE) || STATE} --port ${PORT} serves it again`,
  );
  say(`done in ${elapsed()}`);
  if (!promoted) await stop(1);
  if (options.serve) {
    say(`serving ${edge.url} until Ctrl-C`);
    await new Promise(() => undefined);
  }
  await stop(0);
} catch (error) {
  console.error(`demo failed: ${(error as Error).stack ?? error}`);
  await stop(1);
}
