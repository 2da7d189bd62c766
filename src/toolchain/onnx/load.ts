/**
 * Reading a model the way users export it: the .onnx file, any external data files beside it
 * (inlined), and weights held in Constant nodes (moved into initializers). Every toolchain command
 * that reads a model goes through here, so all of them accept the same files.
 */
import { readFile, stat } from "node:fs/promises";
import { dirname, resolve } from "node:path";
import { liftConstants } from "./constants.js";
import { inlineExternalData } from "./external-data.js";
import { decodeModel, encodeModel, type ModelProto, OnnxFormatError } from "./model.js";

export interface LoadedModel {
  path: string;
  model: ModelProto;
  /** The model as one self-contained file: external data inlined, Constant weights lifted. */
  bytes: Uint8Array;
  /** Size of the .onnx file plus its external data files, as found on disk. */
  bytesOnDisk: number;
  /** External data files read, relative to the model's folder. */
  externalDataFiles: string[];
  /** Tensors moved from Constant nodes into initializers. */
  liftedConstants: string[];
}

/** A model file that cannot be read at all (missing, a directory, unreadable). */
export class ModelFileError extends OnnxFormatError {}

async function readModelFile(path: string): Promise<Uint8Array> {
  try {
    const buffer = await readFile(path);
    return new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const reason =
      code === "ENOENT" ? "does not exist" : code === "EISDIR" ? "is a directory" : "cannot be read";
    throw new ModelFileError(`model ${path} ${reason}`);
  }
}

/** Decodes self-contained ONNX bytes and lifts Constant weights (no external data possible without a folder). */
export function normalizeModel(bytes: Uint8Array): { model: ModelProto; liftedConstants: string[] } {
  const model = decodeModel(bytes);
  return { model, liftedConstants: liftConstants(model) };
}

/**
 * Loads `path` with its external data and normalises it. Throws OnnxFormatError (or its subclasses
 * ModelFileError and ExternalDataError) for anything that is not a readable, complete model.
 */
export async function loadModel(path: string): Promise<LoadedModel> {
  const file = await readModelFile(path);
  const model = decodeModel(file);
  const folder = dirname(resolve(path));
  const externalDataFiles = await inlineExternalData(model, folder);
  let bytesOnDisk = file.byteLength;
  for (const location of externalDataFiles) bytesOnDisk += (await stat(resolve(folder, location))).size;
  const liftedConstants = liftConstants(model);
  const changed = externalDataFiles.length > 0 || liftedConstants.length > 0;
  return {
    path,
    model,
    bytes: changed ? encodeModel(model) : file,
    bytesOnDisk,
    externalDataFiles,
    liftedConstants,
  };
}
