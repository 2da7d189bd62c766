/** `vane`: the model toolchain. Dispatches to one module per subcommand. */
import { parseArgs } from "node:util";
import {
  ConflictError,
  InvalidInputError,
  NotFoundError,
  UnavailableError,
  UnprocessableError,
} from "../core/errors.js";
import { UnauthorizedError } from "../toolchain/worker-client.js";
import { CliError, type Command, type CommandGroup, type OptionSpec } from "./command.js";
import { commands } from "./commands/index.js";

const COMMON_OPTIONS = {
  json: { type: "boolean", description: "print the result as one JSON document" },
  help: { type: "boolean", short: "h", description: "show help for this command" },
} as const;

function listing(entries: ReadonlyArray<{ name: string; summary: string }>): string {
  const width = Math.max(...entries.map((c) => c.name.length));
  return entries.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`).join("\n");
}

function topLevelHelp(): string {
  return `vane: train, compress, evaluate, profile and publish models for the edge, and operate the Worker that serves them\n\nUsage: vane <command> [options]\n\nCommands:\n${listing(commands)}\n\nRun 'vane <command> --help' for a command's options.`;
}

function groupHelp(group: CommandGroup): string {
  return `${group.summary}\n\nUsage: vane ${group.name} <subcommand> [options]\n\nSubcommands:\n${listing(group.subcommands)}\n\nRun 'vane ${group.name} <subcommand> --help' for its options.`;
}

/** The command an argument list names, with the arguments left for it; or the exit code of a help or usage answer. */
function resolve(argv: string[]): { command: Command; rest: string[] } | number {
  const [name, ...rest] = argv;
  if (name === undefined || name === "--help" || name === "-h" || name === "help") {
    console.log(topLevelHelp());
    return name === undefined ? EXIT.usage : EXIT.ok;
  }
  const entry = commands.find((c) => c.name === name);
  if (!entry) {
    console.error(`vane: unknown command '${name}'\n\n${topLevelHelp()}`);
    return EXIT.usage;
  }
  if (!("subcommands" in entry)) return { command: entry, rest };
  const [sub, ...subRest] = rest;
  if (sub === undefined || sub === "--help" || sub === "-h") {
    (sub === undefined ? console.error : console.log)(groupHelp(entry));
    return sub === undefined ? EXIT.usage : EXIT.ok;
  }
  const command = entry.subcommands.find((c) => c.name === sub);
  if (!command) {
    console.error(`vane ${name}: unknown subcommand '${sub}'\n\n${groupHelp(entry)}`);
    return EXIT.usage;
  }
  return { command: { ...command, name: `${name} ${command.name}` }, rest: subRest };
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
  const resolved = resolve(argv);
  if (typeof resolved === "number") return resolved;
  const { command, rest } = resolved;
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
    console.error(`vane ${command.name}: ${message}`);
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
  /** The Worker refused the admin token (or a label's feedback token). */
  unauthorized: 6,
} as const;

function exitCode(error: unknown): number {
  if (error instanceof CliError || (error as { code?: string }).code?.startsWith("ERR_PARSE_ARGS")) {
    return EXIT.usage;
  }
  if (error instanceof InvalidInputError || error instanceof NotFoundError) return EXIT.input;
  if (error instanceof UnprocessableError) return EXIT.input;
  if (error instanceof ConflictError) return EXIT.conflict;
  if (error instanceof UnavailableError) return EXIT.unavailable;
  if (error instanceof UnauthorizedError) return EXIT.unauthorized;
  return EXIT.failure;
}
