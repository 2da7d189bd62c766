/** `vane audit <model>`: the model's audit log, newest first: who changed what, when and why. */
import type { Command } from "../command.js";
import { table } from "../table.js";
import { targetOptions, withWorker } from "../worker-target.js";
import { modelName, positionals } from "./ops-arguments.js";
import { integerOption } from "./training-options.js";

const USAGE = "vane audit <model> [--limit 20] [--cursor <from a previous page>] [--url <worker>] [--json]";

export const audit: Command = {
  name: "audit",
  summary: "the model's audit log, newest first: each decision and action with its reason",
  usage: USAGE,
  options: {
    limit: { type: "string", default: "20", description: "records per page, 1 to 100" },
    cursor: { type: "string", description: "the cursor a previous page printed, for older records" },
    ...targetOptions,
  },
  async run(context) {
    const [model] = positionals(context, USAGE, ["model"]);
    const name = modelName(model);
    const limit = integerOption(context, "limit", 1, 100);
    const cursor = typeof context.values.cursor === "string" ? context.values.cursor : undefined;
    const page = await withWorker(context, (worker) => worker.audit(name, { limit, cursor }));
    const rows = page.records.map((record) => [
      record.at,
      record.actor,
      record.action,
      record.version,
      `${record.before.active ?? "-"} -> ${record.after.active ?? "-"}`,
      record.reason,
    ]);
    const more = page.cursor ? `\n\nolder records: vane audit ${name} --cursor ${page.cursor}` : "";
    return {
      data: page,
      text:
        page.records.length === 0
          ? `${name}: no audit records`
          : `${table(["at", "actor", "action", "version", "active", "reason"], rows)}${more}`,
    };
  },
};
