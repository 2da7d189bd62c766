/** `vane import`: any ONNX file -> a vane model directory, checked under both runtimes and measured. */
import { basename } from "node:path";
import { readInputFile, readJsonFile } from "../../toolchain/files.js";
import { type ImportReport, importModel, TASK_KINDS } from "../../toolchain/import.js";
import type { RequestBody } from "../../toolchain/requests.js";
import { CliError, type Command, type CommandContext, requireString } from "../command.js";
import { choiceOption, integerOption } from "./training-options.js";

const MIB = 1024 * 1024;

function labelsOption(context: CommandContext): Promise<string[] | undefined> | string[] | undefined {
  const inline = context.values.labels;
  const file = context.values["labels-file"];
  if (typeof inline === "string" && typeof file === "string")
    throw new CliError("give --labels or --labels-file, not both");
  if (typeof inline === "string") return inline.split(",").map((label) => label.trim());
  if (typeof file !== "string") return undefined;
  return readInputFile(file, "labels file").then((bytes) =>
    new TextDecoder()
      .decode(bytes)
      .split("\n")
      .map((line) => line.trim())
      .filter((line) => line.length > 0),
  );
}

async function inputOption(context: CommandContext): Promise<unknown> {
  const kind = context.values["input-kind"];
  const specFile = context.values["input-spec"];
  if (typeof kind !== "string") {
    if (typeof specFile === "string") throw new CliError("--input-spec needs --input-kind");
    return undefined;
  }
  const spec = typeof specFile === "string" ? await readJsonFile(specFile, "input spec") : {};
  if (typeof spec !== "object" || spec === null || Array.isArray(spec)) {
    throw new CliError(`--input-spec ${specFile} must hold a JSON object`);
  }
  return { ...spec, kind };
}

/** The model's name: --name, else the output directory's, lower-cased to what a name may hold. */
function nameOption(context: CommandContext, out: string): string {
  const given = context.values.name;
  if (typeof given === "string") return given;
  return basename(out)
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, "-")
    .replace(/^-+|-+$/g, "");
}

function render(report: ImportReport): string {
  const { manifest, memory } = report;
  const tensor = (t: { name: string; dtype: string; shape: Array<number | string> }) =>
    `${t.name} ${t.dtype} [${t.shape.join(", ")}]`;
  const lines = [
    `imported ${report.source.path} -> ${report.dir} as ${manifest.name}@${manifest.version} (${manifest.model.bytes} bytes, opsets ${Object.entries(
      report.opsets,
    )
      .map(([d, v]) => `${d} ${v}`)
      .join(", ")})`,
  ];
  if (report.source.externalDataFiles.length > 0)
    lines.push(`  external data inlined: ${report.source.externalDataFiles.join(", ")}`);
  if (report.source.liftedConstants.length > 0)
    lines.push(`  Constant weights lifted into initializers: ${report.source.liftedConstants.length}`);
  lines.push(`  inputs:  ${manifest.inputs.map(tensor).join("; ")}`);
  lines.push(`  outputs: ${manifest.outputs.map(tensor).join("; ")}`);
  lines.push(
    `  input kind: ${manifest.input.kind}; task: ${manifest.task.kind}${"output" in manifest.task ? ` (${manifest.task.output})` : ""}`,
  );
  lines.push(
    `  onnxruntime-web vs onnxruntime-node on a sample (${Object.entries(report.sample)
      .map(([n, d]) => `${n} [${d.join(", ")}]`)
      .join(
        ", ",
      )}): ${report.agreement.map((a) => `${a.output} max |diff| ${a.maxAbsDifference.toExponential(2)}`).join(", ")}`,
  );
  lines.push(
    `  onnxruntime-web session: ${(memory.sessionBytes / MIB).toFixed(1)} MB measured (+ ${(memory.runtimeBytes / MIB).toFixed(1)} MB for the runtime, of a Worker's ${(memory.limitBytes / MIB).toFixed(0)} MB)`,
  );
  for (const note of report.notes) lines.push(`  note: ${note}`);
  return lines.join("\n");
}

export const importCommand: Command = {
  name: "import",
  summary: "turn any ONNX model into a vane model directory, run under both runtimes and measured",
  usage:
    "vane import <model.onnx> --out <dir> [--name <model>] [--task classification|regression|embedding|raw] [--output <name>] [--labels a,b,c | --labels-file <file>] [--softmax] [--normalize] [--input-kind <kind> [--input-spec spec.json] [--asset <file>]...] [--sample request.json]",
  options: {
    out: {
      type: "string",
      description: "the model directory to write (required; must not hold a model yet)",
    },
    name: { type: "string", description: "model name (default: the output directory's name)" },
    version: { type: "string", default: "1", description: "version number the manifest records" },
    description: { type: "string", description: "a line on what the model does" },
    task: {
      type: "string",
      description: `what the outputs mean: ${TASK_KINDS.join(" | ")} (default: classification with --labels, else raw)`,
    },
    output: { type: "string", description: "the output the task reads (default: the only output)" },
    labels: { type: "string", description: "class labels in output order, comma-separated" },
    "labels-file": { type: "string", description: "class labels, one per line" },
    softmax: { type: "boolean", description: "the classification output holds logits: answer their softmax" },
    normalize: { type: "boolean", description: "scale embeddings to unit length" },
    "input-kind": {
      type: "string",
      description: "how requests' instances become inputs (default: tensors only)",
    },
    "input-spec": { type: "string", description: "JSON file with the input kind's spec" },
    asset: {
      type: "string",
      multiple: true,
      description: "a file the input kind reads (e.g. vocab.txt), copied beside the model",
    },
    sample: {
      type: "string",
      description: "request body (JSON, as POST /predict takes) to check the model with",
    },
  },
  async run(context) {
    if (context.positionals.length !== 1) throw new CliError("name one .onnx file to import");
    const out = requireString(context, "out");
    const task =
      typeof context.values.task === "string" ? choiceOption(context, "task", TASK_KINDS) : undefined;
    const sample =
      typeof context.values.sample === "string"
        ? await readJsonFile<RequestBody>(context.values.sample, "sample")
        : undefined;
    const report = await importModel({
      source: context.positionals[0],
      out,
      name: nameOption(context, out),
      version: integerOption(context, "version", 1),
      description: typeof context.values.description === "string" ? context.values.description : undefined,
      task: {
        kind: task,
        output: typeof context.values.output === "string" ? context.values.output : undefined,
        labels: await labelsOption(context),
        softmax: context.values.softmax === true ? true : undefined,
        normalize: context.values.normalize === true ? true : undefined,
      },
      input: await inputOption(context),
      assets: (context.values.asset as string[] | undefined) ?? [],
      sample,
      progress: context.progress,
    });
    return { data: report, text: render(report) };
  },
};
