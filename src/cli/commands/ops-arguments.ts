/** Positional arguments the ops commands share: a model name, a version number, a traffic share. */
import { MODEL_NAME } from "../../core/manifest.js";
import { CliError, type CommandContext } from "../command.js";

/** The positionals, exactly `names` of them, or a usage error naming what is missing. */
export function positionals(context: CommandContext, usage: string, names: readonly string[]): string[] {
  const given = context.positionals;
  if (given.length !== names.length) {
    throw new CliError(
      `expected ${names.map((n) => `<${n}>`).join(" ")}, got ${given.length} argument(s): ${usage}`,
    );
  }
  return given;
}

export function modelName(value: string): string {
  if (!MODEL_NAME.test(value))
    throw new CliError(`<model> must match ${MODEL_NAME}, got ${JSON.stringify(value)}`);
  return value;
}

export function versionNumber(value: string, what = "<version>"): number {
  const parsed = Number(value);
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(parsed) || parsed < 1) {
    throw new CliError(`${what} must be a whole number from 1, got ${JSON.stringify(value)}`);
  }
  return parsed;
}

/** A share of traffic: `0.2` or `20%`, from 0 to 1. */
export function shareArgument(value: string): number {
  const match = /^(\d+(?:\.\d+)?|\.\d+)(%?)$/.exec(value.trim());
  const share = match ? Number(match[1]) / (match[2] ? 100 : 1) : Number.NaN;
  if (!(share >= 0 && share <= 1)) {
    throw new CliError(`<share> must be from 0 to 1 (or 0% to 100%), got ${JSON.stringify(value)}`);
  }
  return share;
}

/** The optional `--reason` every admin action records in the audit log. */
export function reasonOption(context: CommandContext): { reason?: string } {
  const reason = context.values.reason;
  return typeof reason === "string" && reason.length > 0 ? { reason } : {};
}
