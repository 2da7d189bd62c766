/** `vane publish`: uploads a model version to R2 and registers it as a candidate. */
import { MODEL_NAME } from "../../core/manifest.js";
import {
  DEFAULT_PERSIST_TO,
  LOCAL_BUCKET,
  resolvePersistTo,
  withLocalBucket,
} from "../../toolchain/local-r2.js";
import { publishLocal, publishRemote, readVersionFiles } from "../../toolchain/publish.js";
import { CliError, type Command, requireString } from "../command.js";
import { choiceOption, fractionOption, integerOption } from "./training-options.js";

export const publish: Command = {
  name: "publish",
  summary: "upload a model version (ONNX, manifest, profile) to R2 and register it as a candidate",
  usage:
    "vane publish <model dir> [--name <model>] [--version <n>] [--mode shadow|canary] [--share 0.1] [--remote --url <worker> --token <admin token>]",
  options: {
    name: {
      type: "string",
      description: "model name (default: the manifest's; required for a model vane trained)",
    },
    version: {
      type: "string",
      description:
        "version number, never reused (default: the manifest's; required for a model vane trained)",
    },
    mode: { type: "string", default: "shadow", description: "candidate traffic mode: shadow | canary" },
    share: { type: "string", default: "0.1", description: "share of requests the candidate sees" },
    "persist-to": {
      type: "string",
      description: `local state directory, as wrangler dev --persist-to takes it; relative to the project root, the directory of wrangler.toml (default: ${DEFAULT_PERSIST_TO})`,
    },
    remote: { type: "boolean", description: "publish to the real bucket instead of the local simulation" },
    url: {
      type: "string",
      description: "with --remote: the deployed Worker's URL (registers the version)",
    },
    token: { type: "string", description: "with --remote: the admin token (or VANE_ADMIN_TOKEN)" },
    bucket: { type: "string", default: LOCAL_BUCKET, description: "with --remote: the R2 bucket name" },
  },
  async run(context) {
    if (context.positionals.length !== 1) throw new CliError("name one model directory");
    const name = typeof context.values.name === "string" ? context.values.name : undefined;
    if (name !== undefined && !MODEL_NAME.test(name))
      throw new CliError(`--name must match ${MODEL_NAME}, got ${JSON.stringify(name)}`);
    const version = context.values.version === undefined ? undefined : integerOption(context, "version", 1);
    const candidate = {
      mode: choiceOption(context, "mode", ["shadow", "canary"] as const),
      share: fractionOption(context, "share", "a share from 0 to 1"),
    };
    const files = await readVersionFiles(context.positionals[0], { name, version });
    const { name: published, version: number } = files.manifest;
    let registration: string;
    let where = "R2";
    if (context.values.remote) {
      const token = (context.values.token as string | undefined) ?? process.env.VANE_ADMIN_TOKEN;
      if (!token) throw new CliError("--remote needs --token or VANE_ADMIN_TOKEN");
      const url = requireString(context, "url").replace(/\/$/, "");
      registration = await publishRemote(
        { url, token, bucket: context.values.bucket as string },
        files,
        candidate,
      );
    } else {
      const persistTo = resolvePersistTo(context.values["persist-to"] as string | undefined);
      registration = await withLocalBucket(persistTo, (bucket) => publishLocal(bucket, files, candidate));
      where = `the local R2 simulation in ${persistTo}`;
    }
    const role =
      registration === "active" ? "its first version, now active" : `a ${candidate.mode} candidate`;
    return {
      data: { name: published, version: number, registration, where, manifest: files.manifest },
      text: `published ${published}@${number} (${files.manifest.model.bytes} bytes, sha256 ${files.manifest.model.sha256.slice(0, 12)}…) to ${where} as ${role}`,
    };
  },
};
