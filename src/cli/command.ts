/**
 * The shape of a `vane` subcommand. Each command lives in its own module under `commands/`, declares
 * its options for `node:util` parseArgs and its help text, and returns a result that is printed as
 * text or, with `--json`, as one JSON document on stdout.
 */
import type { ParseArgsConfig } from "node:util";

export type OptionSpec = NonNullable<ParseArgsConfig["options"]>[string] & { description: string };

export interface CommandContext {
  /** Parsed options (strings and booleans, as parseArgs gives them). */
  values: Record<string, string | boolean | string[] | boolean[] | undefined>;
  positionals: string[];
  json: boolean;
  /** Progress lines (epochs, steps) go to stderr so `--json` output stays clean. */
  progress: (line: string) => void;
}

export interface CommandResult {
  /** Machine-readable result, printed with `--json`. */
  data: unknown;
  /** Human-readable rendering, printed otherwise. */
  text: string;
}

export interface Command {
  name: string;
  summary: string;
  usage: string;
  options: Record<string, OptionSpec>;
  run(context: CommandContext): Promise<CommandResult>;
}

/** A command with subcommands (`vane feedback send`): each subcommand is a command of its own. */
export interface CommandGroup {
  name: string;
  summary: string;
  subcommands: Command[];
}

/** An expected failure (bad input, missing file, existing version): printed without a stack, exit 1. */
export class CliError extends Error {
  override name = "CliError";
}

export function requireString(context: CommandContext, option: string): string {
  const value = context.values[option];
  if (typeof value !== "string" || value.length === 0) throw new CliError(`--${option} is required`);
  return value;
}

export function numberOption(context: CommandContext, option: string, fallback: number): number {
  const value = context.values[option];
  if (value === undefined) return fallback;
  const parsed = Number(value);
  if (typeof value !== "string" || !Number.isFinite(parsed)) {
    throw new CliError(`--${option} must be a number, got ${JSON.stringify(value)}`);
  }
  return parsed;
}
