/**
 * A model on disk as the toolchain lays it out: a directory with `model.onnx` and the `training.json`
 * that describes its preprocessing and data split (written by `vane train`, kept by compression).
 * Commands accept the directory or the .onnx file inside it.
 */
import { stat } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import { type LoadedModel, loadModel, ModelFileError } from "./onnx/load.js";
import { OnnxFormatError } from "./onnx/model.js";
import { readTrainingRecord } from "./train/pipeline.js";
import type { TrainingRecord } from "./train/record.js";

export const TRAINING_FILE = "training.json";

export interface ModelDir {
  dir: string;
  modelPath: string;
  onnx: Uint8Array;
  record: TrainingRecord;
}

/** loadModel whose errors name the file: a ModelFileError does already, other format errors get the path. */
export async function loadModelFile(path: string): Promise<LoadedModel> {
  try {
    return await loadModel(path);
  } catch (error) {
    if (error instanceof OnnxFormatError && !(error instanceof ModelFileError)) {
      throw new OnnxFormatError(`${path}: ${error.message}`, { cause: error });
    }
    throw error;
  }
}

export async function loadModelDir(path: string, trainingPath?: string): Promise<ModelDir> {
  const isDirectory = await stat(path).then(
    (s) => s.isDirectory(),
    () => false,
  );
  const modelPath = isDirectory ? join(path, "model.onnx") : path;
  const dir = isDirectory ? path : dirname(path);
  const { bytes: onnx } = await loadModelFile(modelPath);
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
