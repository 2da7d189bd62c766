/** `vane`: the model toolchain. Dispatches to one module per subcommand. */
import { parseArgs } from "node:util";
import {
  ConflictError,
  InvalidInputError,
  NotFoundError,
  UnavailableError,
  UnprocessableError,
} from "../core/errors.js";
import { CliError, type Command, type OptionSpec } from "./command.js";
import { commands } from "./commands/index.js";

const COMMON_OPTIONS = {
  json: { type: "boolean", description: "print the result as one JSON document" },
  help: { type: "boolean", short: "h", description: "show help for this command" },
} as const;

function topLevelHelp(): string {
  const width = Math.max(...commands.map((c) => c.name.length));
  const lines = commands.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`);
  return `vane: train, compress, evaluate, profile and publish models for the edge\n\nUsage: vane <command> [options]\n\nCommands:\n${lines.join("\n")}\n\nRun 'vane <command> --help' for a command's options.`;
}

function commandHelp(command: Command): string {
  const options: Record<string, OptionSpec> = { ...command.options, ...COMMON_OPTIONS };
  const rows = Object.entries(options).map(([name, spec]) => {
    const flag = `--${name}${spec.type === "string" ? " <value>" : ""}`;
    const fallback = spec.default === undefined ? "" : ` (default: ${String(spec.default)})`;
    return `  ${flag.padEnd(28)} ${spec.description}${fallback}`;
  });
  return `${command.summary}\n\nUsage: ${command.usage}\n\nOptions:\n${rows.join("\n")}`;
}

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === "--help" || name === "-h" || name === "help") {
    console.log(topLevelHelp());
    return name === undefined ? EXIT.usage : EXIT.ok;
  }
  const command = commands.find((c) => c.name === name);
  if (!command) {
    console.error(`vane: unknown command '${name}'\n\n${topLevelHelp()}`);
    return EXIT.usage;
  }
  let json = false;
  try {
    const options = Object.fromEntries(
      Object.entries({ ...command.options, ...COMMON_OPTIONS }).map(([key, { description: _, ...spec }]) => [
        key,
        spec,
      ]),
    );
    const { values, positionals } = parseArgs({ args: rest, options, allowPositionals: true, strict: true });
    if (values.help) {
      console.log(commandHelp(command));
      return EXIT.ok;
    }
    json = values.json === true;
    const result = await command.run({
      values,
      positionals,
      json,
      progress: (line) => process.stderr.write(`${line}\n`),
    });
    console.log(json ? JSON.stringify(result.data, null, 2) : result.text);
    return EXIT.ok;
  } catch (error) {
    const code = exitCode(error);
    const message =
      code === EXIT.failure ? String((error as Error).stack ?? error) : (error as Error).message;
    if (json) console.log(JSON.stringify({ error: (error as Error).message }));
    console.error(`vane ${name}: ${message}`);
    return code;
  }
}

/** The exit codes, documented in the README: a script can tell a taken version from a broken file. */
export const EXIT = {
  ok: 0,
  /** Something nobody expected (a bug): the stack is printed. */
  failure: 1,
  /** The command line is wrong: unknown option, missing or malformed value. */
  usage: 2,
  /** An input does not exist or cannot be used (not ONNX, not a training record, nothing to prune). */
  input: 3,
  /** The action conflicts with what is there (the version already exists). */
  conflict: 4,
  /** Storage or the Worker did not answer as needed; the same command may succeed later. */
  unavailable: 5,
} as const;

function exitCode(error: unknown): number {
  if (error instanceof CliError || (error as { code?: string }).code?.startsWith("ERR_PARSE_ARGS")) {
    return EXIT.usage;
  }
  if (error instanceof InvalidInputError || error instanceof NotFoundError) return EXIT.input;
  if (error instanceof UnprocessableError) return EXIT.input;
  if (error instanceof ConflictError) return EXIT.conflict;
  if (error instanceof UnavailableError) return EXIT.unavailable;
  return EXIT.failure;
}
