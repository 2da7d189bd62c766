/** Input and output handling shared by the model compression commands (quantize, prune). */
import { UnprocessableError } from "../../core/errors.js";
import { writeFileAtomic } from "../../toolchain/files.js";
import { CliError, type CommandContext } from "../command.js";

/** The single positional argument: the input model. */
export function modelPathArgument(context: CommandContext): string {
  if (context.positionals.length !== 1) {
    throw new CliError(`expected one input model, got ${context.positionals.length} arguments`);
  }
  return context.positionals[0];
}

/** Writes atomically (an existing file is replaced whole or not at all) with a readable error. */
export async function writeModel(path: string, bytes: Uint8Array): Promise<void> {
  try {
    await writeFileAtomic(path, bytes);
  } catch (error) {
    throw new CliError(`cannot write ${path}: ${(error as Error).message}`);
  }
}

/** A toolchain error about the input model, prefixed with its path; its kind (and exit code) is kept. */
export function aboutInput(input: string, error: UnprocessableError): UnprocessableError {
  return new UnprocessableError(`${input}: ${error.message}`, { cause: error });
}

export function formatBytes(bytes: number): string {
  return bytes < 1024 ? `${bytes} B` : `${(bytes / 1024).toFixed(1)} KiB`;
}
