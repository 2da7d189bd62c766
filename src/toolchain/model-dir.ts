/**
 * A model on disk as the toolchain lays it out: a directory with `model.onnx` and the `training.json`
 * that describes its preprocessing and data split (written by `vane train`, kept by compression).
 * Commands accept the directory or the .onnx file inside it.
 */
import { stat } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import { CliError } from "../cli/command.js";
import { readInputFile } from "./files.js";
import { decodeModel, OnnxFormatError } from "./onnx/model.js";
import { readTrainingRecord } from "./train/pipeline.js";
import type { TrainingRecord } from "./train/record.js";

export const TRAINING_FILE = "training.json";

export interface ModelDir {
  dir: string;
  modelPath: string;
  onnx: Uint8Array;
  record: TrainingRecord;
}

export async function loadModelDir(path: string, trainingPath?: string): Promise<ModelDir> {
  const isDirectory = await stat(path).then(
    (s) => s.isDirectory(),
    () => false,
  );
  const modelPath = isDirectory ? join(path, "model.onnx") : path;
  const dir = isDirectory ? path : dirname(path);
  const onnx = await readInputFile(modelPath, "model");
  try {
    decodeModel(onnx);
  } catch (error) {
    if (error instanceof OnnxFormatError) throw new CliError(`${modelPath}: ${error.message}`);
    throw error;
  }
  const record = await readTrainingRecord(trainingPath ?? join(dir, TRAINING_FILE));
  return { dir, modelPath, onnx, record };
}

/** `label=path` or just `path` (labelled by its directory name). */
export function labelledPath(argument: string): { label: string; path: string } {
  const at = argument.indexOf("=");
  if (at > 0) return { label: argument.slice(0, at), path: argument.slice(at + 1) };
  const name = basename(argument) === "model.onnx" ? basename(dirname(argument)) : basename(argument);
  return { label: name, path: argument };
}
