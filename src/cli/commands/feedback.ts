/** `vane feedback`: labels for a model's predictions, to and from a Worker. */

import { readLabels } from "../../toolchain/feedback-file.js";
import { writeFileAtomic } from "../../toolchain/files.js";
import { parseFeedbackData } from "../../toolchain/retrain/feedback-data.js";
import { sendLabels } from "../../toolchain/worker-client.js";
import { CliError, type Command, type CommandContext, type CommandGroup } from "../command.js";
import { targetOptions, withWorker } from "../worker-target.js";
import { modelName, positionals, versionNumber } from "./ops-arguments.js";
import { integerOption } from "./training-options.js";

const SEND_USAGE = "vane feedback send <model> <labels.csv|labels.jsonl> [--url <worker>] [--json]";

const send: Command = {
  name: "send",
  summary: "send true labels for earlier predictions from a CSV or JSONL file",
  usage: `${SEND_USAGE}\n\nEach line names a prediction by its request id (the x-request-id of the predict call) and gives its\nlabel: CSV with a header row requestId,label[,token][,index], or JSONL {"requestId","label","token"?,"index"?}.\nA label without its vane-feedback-token is sent under the admin token.`,
  options: targetOptions,
  async run(context) {
    const [model, file] = positionals(context, SEND_USAGE, ["model", "file"]);
    const name = modelName(model);
    const labels = await readLabels(file);
    const totals = await withWorker(context, (worker) =>
      sendLabels(worker, name, labels, (sent) => {
        if (labels.length > sent) context.progress(`sent ${sent} of ${labels.length} labels`);
      }),
    );
    return {
      data: { model: name, file, ...totals },
      text: `sent ${totals.labels} labels for ${name} from ${file} in ${totals.calls} call(s): ${totals.matched} matched a logged prediction, ${totals.unknown} unknown (${totals.unlogged} outside the prediction log's share, the others expired or never seen), ${totals.duplicates} counted before`,
    };
  },
};

const EXPORT_USAGE =
  "vane feedback export <model> [--since <ISO time>] [--until <ISO time>] [--version <n>] [--limit <n>] [--out <file.jsonl>] [--url <worker>]";

function timeOption(context: CommandContext, option: string): string | undefined {
  const value = context.values[option];
  if (value === undefined) return undefined;
  if (typeof value !== "string" || Number.isNaN(Date.parse(value))) {
    throw new CliError(`--${option} must be an ISO 8601 time, got ${JSON.stringify(value)}`);
  }
  return new Date(value).toISOString();
}

const exportData: Command = {
  name: "export",
  summary: "download the labelled training data a Worker kept for a model (the input of vane retrain)",
  usage: `${EXPORT_USAGE}\n\nOne JSON line per labelled instance (docs/feedback-data.md); models keep it when their manifest has feedbackData.`,
  options: {
    ...targetOptions,
    since: { type: "string", description: "predictions made at or after this time" },
    until: { type: "string", description: "predictions made before this time" },
    version: { type: "string", description: "only rows of this version" },
    limit: { type: "string", description: "at most this many rows, the oldest first" },
    out: { type: "string", description: "write the JSON lines to this file (default: standard output)" },
  },
  async run(context) {
    const [model] = positionals(context, EXPORT_USAGE, ["model"]);
    const name = modelName(model);
    const query = {
      since: timeOption(context, "since"),
      until: timeOption(context, "until"),
      version:
        typeof context.values.version === "string"
          ? versionNumber(context.values.version, "--version")
          : undefined,
      limit: context.values.limit === undefined ? undefined : integerOption(context, "limit", 1, 100_000),
    };
    const body = await withWorker(context, (worker) => worker.feedbackData(name, query));
    // Checked as vane retrain will read it, so a bad export fails here and not after a download.
    const rows = body.trim() === "" ? [] : parseFeedbackData(body, `the export of ${name}`);
    const out = typeof context.values.out === "string" ? context.values.out : undefined;
    if (out) await writeFileAtomic(out, body);
    const labels = [...new Set(rows.map((row) => row.label))].sort();
    const span = rows.length ? ` predicted ${rows[0].time} .. ${rows[rows.length - 1].time}` : "";
    return {
      data: { model: name, rows: rows.length, labels, out: out ?? null, ...query },
      text: out
        ? `exported ${rows.length} labelled rows of ${name}${span} (labels ${labels.join(", ") || "none"}) to ${out}`
        : body.replace(/\n$/, ""),
    };
  },
};

export const feedback: CommandGroup = {
  name: "feedback",
  summary: "labels for a model's predictions: send them to a Worker, export what it kept for retraining",
  subcommands: [send, exportData],
};
