/** `vane feedback`: labels for a model's predictions, to and from a Worker. */
import { readLabels } from "../../toolchain/feedback-file.js";
import { sendLabels } from "../../toolchain/worker-client.js";
import type { Command, CommandGroup } from "../command.js";
import { targetOptions, withWorker } from "../worker-target.js";
import { modelName, positionals } from "./ops-arguments.js";

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
      text: `sent ${totals.labels} labels for ${name} from ${file} in ${totals.calls} call(s): ${totals.matched} matched a logged prediction, ${totals.unknown} unknown (not sampled, expired or never seen), ${totals.duplicates} counted before`,
    };
  },
};

export const feedback: CommandGroup = {
  name: "feedback",
  summary: "labels for a model's predictions: send them to a Worker",
  subcommands: [send],
};
