/**
 * `vane status`: is the Worker up, and for each model (or the ones named) which version serves, how
 * the candidate is routed, whether it is pinned or on probation, and what the last scheduled run
 * decided and on which numbers.
 */
import { z } from "zod";
import type { Schemas } from "../../toolchain/worker-client.js";
import type { Command } from "../command.js";
import { percent, table } from "../table.js";
import { targetOptions, withWorker } from "../worker-target.js";
import { candidateText } from "./models.js";
import { modelName } from "./ops-arguments.js";

const USAGE = "vane status [<model>...] [--url <worker>] [--json]";

/** What status reads of a side of the last evaluation (the scheduler's report keeps more). */
const Side = z.object({
  version: z.number(),
  samples: z.number(),
  maxPsi: z.number().nullable(),
  feedback: z.object({ labels: z.number(), accuracy: z.number().nullable() }),
});

const LastRun = z.object({
  at: z.string(),
  decision: z.object({ action: z.string(), version: z.number().nullable(), reason: z.string() }),
  active: Side.nullable().optional(),
  candidate: Side.nullable().optional(),
});
type LastRun = z.infer<typeof LastRun>;

const sideText = (role: string, side: z.infer<typeof Side> | null | undefined) =>
  side
    ? `${role} ${side.version}: ${side.samples} samples, max PSI ${side.maxPsi === null ? "-" : side.maxPsi.toFixed(3)}, accuracy ${percent(side.feedback.accuracy) ?? "-"} on ${side.feedback.labels} labels`
    : null;

type Decision = NonNullable<Schemas["AdminModel"]["state"]["decisions"]>[number];

/** The last change (a run's promotion, an admin's action) and the last run, which may have waited since. */
function lastRunLines(name: string, run: LastRun | null, last: Decision | undefined): string[] {
  const change = last
    ? [
        `${name}: last change ${last.at} by the ${last.actor}: ${last.action}${last.version === null ? "" : ` ${last.version}`}: ${last.reason}`,
      ]
    : [];
  if (!run) return [...change, `${name}: no scheduled run yet`];
  const { action, version, reason } = run.decision;
  return [
    ...change,
    `${name}: last run ${run.at} decided ${action}${version === null ? "" : ` ${version}`}: ${reason}`,
    ...[sideText("active", run.active), sideText("candidate", run.candidate)].flatMap((line) =>
      line ? [`  ${line}`] : [],
    ),
  ];
}

function probationText(state: Schemas["AdminModel"]["state"], hours: number): string | null {
  if (!state.probation) return null;
  const until = new Date(Date.parse(state.probation.promotedAt) + hours * 3_600_000).toISOString();
  return `${state.probation.version} until ${until}`;
}

export const status: Command = {
  name: "status",
  summary: "is the Worker up, which version serves each model, and what the last scheduled run decided",
  usage: USAGE,
  options: targetOptions,
  async run(context) {
    const named = context.positionals.map(modelName);
    const { url, health, details } = await withWorker(context, async (worker) => {
      const answered = await worker.health();
      const names = named.length > 0 ? named : (await worker.listModels()).models.map((m) => m.name);
      return {
        url: worker.url,
        health: answered,
        details: await Promise.all(names.map((name) => worker.adminModel(name))),
      };
    });
    const runs = details.map((model) => {
      const parsed = LastRun.safeParse(model.evaluation);
      return parsed.success ? parsed.data : null;
    });
    const rows = details.map(({ model, state, policy }) => [
      model,
      state.active,
      candidateText(state.candidate ?? null),
      state.previous?.length ? state.previous.join(", ") : null,
      state.pinned ? "pinned" : null,
      probationText(state, policy.probationHours),
      state.alert ? `drift on ${state.alert.features.join(", ")}` : null,
    ]);
    const header = `${url}: up (Worker time ${health.time})`;
    return {
      data: { url, health, models: details },
      text: [
        header,
        details.length === 0
          ? "no models: publish one with vane publish"
          : table(["model", "active", "candidate", "previous", "pinned", "probation", "alert"], rows),
        ...details.map(({ model, state }, i) =>
          lastRunLines(model, runs[i], state.decisions?.at(-1)).join("\n"),
        ),
      ].join("\n\n"),
    };
  },
};
