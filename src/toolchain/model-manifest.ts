/**
 * A model directory described by its manifest.json (what `vane import` writes, and `vane profile`
 * extends): the manifest parsed with its fields named when wrong, and the files it lists read back
 * only if they are the bytes it describes.
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { InvalidInputError, NotFoundError } from "../core/errors.js";
import { Manifest } from "../core/manifest.js";
import { readInputFile, readJsonFile } from "./files.js";
import { sha256Hex } from "./manifest.js";
import { TRAINING_FILE } from "./model-dir.js";

export const MANIFEST_FILE = "manifest.json";

/** The manifest.json of a model directory, parsed; a bad one names its fields. */
export async function readManifestFile(dir: string): Promise<Manifest> {
  const path = join(dir, MANIFEST_FILE);
  if (!existsSync(path)) {
    throw new NotFoundError(
      `${dir} has neither ${MANIFEST_FILE} nor ${TRAINING_FILE}: make it with vane import or vane train`,
    );
  }
  const parsed = Manifest.safeParse(await readJsonFile(path, "manifest"));
  if (!parsed.success) {
    throw new InvalidInputError(
      parsed.error.issues.map((issue) => ({
        field: `${path}: ${issue.path.join(".")}`,
        message: issue.message,
      })),
    );
  }
  return parsed.data;
}

/** A file of the version folder, checked against the size and sha256 the manifest gives it. */
export async function verifiedFile(
  dir: string,
  entry: Manifest["model"],
  field: string,
): Promise<Uint8Array> {
  const bytes = await readInputFile(join(dir, entry.file), field);
  if (bytes.byteLength !== entry.bytes || sha256Hex(bytes) !== entry.sha256) {
    throw InvalidInputError.field(
      field,
      `${join(dir, entry.file)} is not the file the manifest describes (${entry.bytes} bytes, sha256 ${entry.sha256.slice(0, 12)}…): import it again`,
    );
  }
  return bytes;
}

/** The manifest of a model directory and its model's bytes, verified. */
export async function readManifestDir(dir: string): Promise<{ manifest: Manifest; model: Uint8Array }> {
  const manifest = await readManifestFile(dir);
  return { manifest, model: await verifiedFile(dir, manifest.model, "model") };
}
