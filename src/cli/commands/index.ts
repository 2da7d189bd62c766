import type { Command } from "../command.js";

/** Every subcommand, in the order `vane --help` lists them. */
export const commands: Command[] = [];
