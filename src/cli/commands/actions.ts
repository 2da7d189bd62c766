/**
 * The operator's hand on the registry, each through its admin route and audited with actor "admin":
 * `vane promote`, `rollback`, `canary <share>`, `shadow <share>`, `pin`, `unpin`. Each prints the
 * model's state after the change and the audit record that tells it.
 */
import type { Schemas, WorkerClient } from "../../toolchain/worker-client.js";
import type { Command, CommandContext, OptionSpec } from "../command.js";
import { targetOptions, withWorker } from "../worker-target.js";
import { candidateText } from "./models.js";
import { modelName, positionals, reasonOption, shareArgument, versionNumber } from "./ops-arguments.js";

type ActionResult = Schemas["AdminActionResult"];

const reason: Record<string, OptionSpec> = {
  reason: { type: "string", description: "why, for the audit log (default: requested by an admin)" },
};

/** One line of the state after an action: what serves, what is evaluated, what the scheduler may do. */
export function stateLine(state: ActionResult["state"]): string {
  const parts = [
    `active ${state.active ?? "none"}`,
    `candidate ${candidateText(state.candidate ?? null) ?? "none"}`,
    `previous ${state.previous?.length ? state.previous.join(", ") : "none"}`,
  ];
  if (state.pinned) parts.push("pinned");
  if (state.probation)
    parts.push(`${state.probation.version} on probation since ${state.probation.promotedAt}`);
  return parts.join(", ");
}

function rendered(result: ActionResult, done: string) {
  return {
    data: result,
    text: `${result.model}: ${done}\n  now: ${stateLine(result.state)}\n  audit ${result.audit.id}: ${result.audit.reason}`,
  };
}

interface ActionSpec {
  name: string;
  summary: string;
  /** The positionals after <model>. */
  arguments: string[];
  options?: Record<string, OptionSpec>;
  act(
    worker: WorkerClient,
    model: string,
    args: string[],
    context: CommandContext,
  ): Promise<{ result: ActionResult; done: string }>;
}

function action(spec: ActionSpec): Command {
  const usage = `vane ${spec.name} <model>${spec.arguments.map((a) => ` <${a}>`).join("")}${spec.options ? " [--version <n>]" : ""} [--reason <why>] [--url <worker>] [--json]`;
  return {
    name: spec.name,
    summary: spec.summary,
    usage,
    options: { ...spec.options, ...reason, ...targetOptions },
    async run(context) {
      const [model, ...args] = positionals(context, usage, ["model", ...spec.arguments]);
      const name = modelName(model);
      const { result, done } = await withWorker(context, (worker) => spec.act(worker, name, args, context));
      return rendered(result, done);
    },
  };
}

export const promote = action({
  name: "promote",
  summary: "make the candidate (or --version) the active version, on probation",
  arguments: [],
  options: { version: { type: "string", description: "the version to promote (default: the candidate)" } },
  async act(worker, name, _, context) {
    const version =
      typeof context.values.version === "string"
        ? versionNumber(context.values.version, "--version")
        : undefined;
    const result = await worker.promote(name, { version, ...reasonOption(context) });
    return { result, done: `promoted ${result.state.active} (was ${result.audit.before.active ?? "none"})` };
  },
});

export const rollback = action({
  name: "rollback",
  summary: "restore the version the last promotion replaced (or the most recent previous one)",
  arguments: [],
  async act(worker, name, _, context) {
    const result = await worker.rollback(name, reasonOption(context));
    return { result, done: `rolled back from ${result.audit.before.active} to ${result.state.active}` };
  },
});

function traffic(mode: "canary" | "shadow", summary: string): Command {
  return action({
    name: mode,
    summary,
    arguments: ["share"],
    async act(worker, name, [share], context) {
      const result = await worker.setCandidateTraffic(name, {
        mode,
        share: shareArgument(share),
        ...reasonOption(context),
      });
      return { result, done: `candidate ${candidateText(result.state.candidate ?? null)}` };
    },
  });
}

export const canary = traffic("canary", "let the candidate answer a share of requests (0.05 or 5%)");
export const shadow = traffic(
  "shadow",
  "let the candidate score a share of requests beside the active one, never answering",
);

export const pin = action({
  name: "pin",
  summary: "make a version active and keep the scheduler from changing it until unpinned",
  arguments: ["version"],
  async act(worker, name, [version], context) {
    const result = await worker.pin(name, { version: versionNumber(version), ...reasonOption(context) });
    return { result, done: `pinned ${result.state.active}` };
  },
});

export const unpin = action({
  name: "unpin",
  summary: "hand the model back to the scheduler",
  arguments: [],
  async act(worker, name, _, context) {
    const result = await worker.unpin(name, reasonOption(context));
    return { result, done: `unpinned (active ${result.state.active})` };
  },
});
