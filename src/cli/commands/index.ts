import type { Command, CommandGroup } from "../command.js";
import { canary, pin, promote, rollback, shadow, unpin } from "./actions.js";
import { audit } from "./audit.js";
import { distill } from "./distill.js";
import { drift } from "./drift.js";
import { evaluate } from "./evaluate.js";
import { feedback } from "./feedback.js";
import { importCommand } from "./import.js";
import { models } from "./models.js";
import { profile } from "./profile.js";
import { prune } from "./prune.js";
import { publish } from "./publish.js";
import { quantize } from "./quantize.js";
import { retrain } from "./retrain.js";
import { status } from "./status.js";
import { train } from "./train.js";

/**
 * Every subcommand, in the order `vane --help` lists them: the path from data to the edge, then
 * the operator's commands against a running Worker.
 */
export const commands: Array<Command | CommandGroup> = [
  train,
  distill,
  prune,
  quantize,
  importCommand,
  evaluate,
  profile,
  publish,
  retrain,
  status,
  models,
  drift,
  audit,
  promote,
  rollback,
  canary,
  shadow,
  pin,
  unpin,
  feedback,
];
