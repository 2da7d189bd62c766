/** `vane profile`: the drift reference profile of a model, written beside it. */
import { join } from "node:path";
import { type DriftSpec, MAX_EXAMPLE_CHARS, MAX_EXAMPLES_PER_WINDOW } from "../../core/drift-features.js";
import { MODEL_NAME } from "../../core/manifest.js";
import { writeJsonAtomic } from "../../toolchain/files.js";
import { loadModelDir } from "../../toolchain/model-dir.js";
import { MANIFEST_FILE, readManifestDir } from "../../toolchain/model-manifest.js";
import { buildDriftArtifacts } from "../../toolchain/profile.js";
import { DRIFT_FILE, PROFILE_FILE } from "../../toolchain/publish.js";
import { buildReferenceProfile } from "../../toolchain/reference-profile.js";
import {
  CliError,
  type Command,
  type CommandContext,
  type CommandResult,
  requireString,
} from "../command.js";
import { whereOption } from "./dataset-options.js";
import { integerOption } from "./training-options.js";

const DEFAULT_EXAMPLE_CHARS = 280;

/** Examples are opt-in: only `--keep-examples` turns them on. */
function examplesOption(context: CommandContext): DriftSpec["examples"] {
  if (context.values["keep-examples"] === undefined) {
    if (context.values["example-chars"] !== undefined)
      throw new CliError("--example-chars needs --keep-examples");
    return undefined;
  }
  return {
    keep: integerOption(context, "keep-examples", 1, MAX_EXAMPLES_PER_WINDOW),
    maxChars:
      context.values["example-chars"] === undefined
        ? DEFAULT_EXAMPLE_CHARS
        : integerOption(context, "example-chars", 1, MAX_EXAMPLE_CHARS),
  };
}

/** Any model directory with a manifest: the reference from requests, the drift spec into the manifest. */
async function profileFromReference(
  dir: string,
  reference: string,
  examples: DriftSpec["examples"],
  where: Record<string, string> | undefined,
): Promise<CommandResult> {
  const { manifest, model } = await readManifestDir(dir);
  const built = await buildReferenceProfile(dir, manifest, model, reference, examples, where);
  await writeJsonAtomic(join(dir, PROFILE_FILE), built.profile);
  await writeJsonAtomic(join(dir, MANIFEST_FILE), { ...manifest, drift: built.drift, profile: PROFILE_FILE });
  const features = built.drift.features.map((feature) => feature.name);
  return {
    data: {
      profile: join(dir, PROFILE_FILE),
      manifest: join(dir, MANIFEST_FILE),
      count: built.instances,
      features,
    },
    text: `profiled ${manifest.name}@${manifest.version} on ${built.instances} reference instances: ${features.join(", ")}\nwrote ${join(dir, PROFILE_FILE)} and the drift spec into ${join(dir, MANIFEST_FILE)}`,
  };
}

export const profile: Command = {
  name: "profile",
  summary:
    "build a model's drift reference profile (sketches of its drift features on reference data or the training data)",
  usage:
    "vane profile <model dir> --reference <requests.jsonl|dataset.csv> [--where column=value] | <trained model dir> --name <model> --version <n> [--training training.json]; [--keep-examples <n> [--example-chars <n>]]",
  options: {
    reference: {
      type: "string",
      description:
        'JSONL of requests ({"inputs": ...}, {"instances": [...]} or one instance a line), or for a tabular model a CSV dataset (each row an instance), run through the model for its reference; writes the drift spec into manifest.json',
    },
    name: { type: "string", description: "model name the profile belongs to (required without --reference)" },
    version: {
      type: "string",
      description: "model version the profile belongs to (required without --reference)",
    },
    training: { type: "string", description: "training.json, when the directory has none" },
    where: {
      type: "string",
      multiple: true,
      description:
        "with a CSV --reference: only rows whose column holds this value, column=value (repeatable)",
    },
    "keep-examples": {
      type: "string",
      description: `raw input texts each drift window keeps as examples, 1 to ${MAX_EXAMPLES_PER_WINDOW} (default: none; inputs may be personal data)`,
    },
    "example-chars": {
      type: "string",
      description: `longest kept example, 1 to ${MAX_EXAMPLE_CHARS} characters (default ${DEFAULT_EXAMPLE_CHARS})`,
    },
  },
  async run(context) {
    if (context.positionals.length !== 1) throw new CliError("name one model directory or .onnx file");
    const examples = examplesOption(context);
    if (typeof context.values.reference === "string") {
      return profileFromReference(
        context.positionals[0],
        context.values.reference,
        examples,
        whereOption(context),
      );
    }
    if (context.values.where !== undefined) throw new CliError("--where needs --reference <dataset.csv>");
    const name = requireString(context, "name");
    if (!MODEL_NAME.test(name))
      throw new CliError(`--name must match ${MODEL_NAME}, got ${JSON.stringify(name)}`);
    const version = integerOption(context, "version", 1);
    const training = typeof context.values.training === "string" ? context.values.training : undefined;
    const model = await loadModelDir(context.positionals[0], training);
    context.progress(`profiling ${name}@${version} on ${model.record.data.collection}/train`);
    const { drift, profile: built } = await buildDriftArtifacts(model.onnx, model.record, {
      name,
      version,
      examples,
    });
    await writeJsonAtomic(join(model.dir, DRIFT_FILE), drift);
    await writeJsonAtomic(join(model.dir, PROFILE_FILE), built);
    const features = Object.keys(built.features);
    return {
      data: {
        profile: join(model.dir, PROFILE_FILE),
        drift: join(model.dir, DRIFT_FILE),
        count: built.count,
        features,
      },
      text: `profiled ${name}@${version} on ${built.count} training emails: ${features.join(", ")}\nwrote ${join(model.dir, PROFILE_FILE)} and ${join(model.dir, DRIFT_FILE)}`,
    };
  },
};
