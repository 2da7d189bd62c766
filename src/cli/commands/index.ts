import type { Command } from "../command.js";
import { distill } from "./distill.js";
import { evaluate } from "./evaluate.js";
import { importCommand } from "./import.js";
import { profile } from "./profile.js";
import { prune } from "./prune.js";
import { publish } from "./publish.js";
import { quantize } from "./quantize.js";
import { retrain } from "./retrain.js";
import { train } from "./train.js";

/** Every subcommand, in the order `vane --help` lists them: the path from data to the edge. */
export const commands: Command[] = [
  train,
  distill,
  prune,
  quantize,
  importCommand,
  evaluate,
  profile,
  publish,
  retrain,
];
