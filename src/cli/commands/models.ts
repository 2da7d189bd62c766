/** `vane models`: what a Worker serves, a line per model with its versions' kinds and tasks. */
import type { Schemas } from "../../toolchain/worker-client.js";
import type { Command } from "../command.js";
import { percent, table } from "../table.js";
import { targetOptions, withWorker } from "../worker-target.js";
import { positionals } from "./ops-arguments.js";

const USAGE = "vane models [--url <worker>] [--json]";

export function candidateText(candidate: Schemas["ModelSummary"]["candidate"]): string | null {
  return candidate ? `${candidate.version} (${candidate.mode} ${percent(candidate.share, 0)})` : null;
}

export const models: Command = {
  name: "models",
  summary: "list the models a Worker serves: active, candidate and previous versions",
  usage: USAGE,
  options: targetOptions,
  async run(context) {
    positionals(context, USAGE, []);
    const details = await withWorker(context, async (worker) => {
      const { models: list } = await worker.listModels();
      return Promise.all(list.map((model) => worker.getModel(model.name)));
    });
    const rows = details.map((model) => {
      const kinds = [...new Set(model.versions.map((v) => [v.input, v.task].filter(Boolean).join("/")))];
      return [
        model.name,
        model.active,
        candidateText(model.candidate),
        model.previous.length > 0 ? model.previous.join(", ") : null,
        model.versions.map((v) => v.version).join(", "),
        kinds.join(", ") || null,
      ];
    });
    return {
      data: { models: details },
      text:
        details.length === 0
          ? "no models: publish one with vane publish"
          : table(["model", "active", "candidate", "previous", "versions", "input/task"], rows),
    };
  },
};
