/**
 * Fetches a version's ONNX bytes from R2 and proves they are the bytes its manifest describes
 * (size and sha256) before anything is built from them.
 */
import type { Manifest } from "../core/manifest.js";
import { keys } from "../registry/keys.js";

export class ModelUnavailableError extends Error {
  override name = "ModelUnavailableError";
  constructor(
    readonly modelName: string,
    readonly version: number,
    readonly reason: string,
  ) {
    super(`${modelName}@${version} is unavailable: ${reason}`);
  }
}

export async function sha256Hex(bytes: ArrayBuffer): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));
  return Array.from(digest, (b) => b.toString(16).padStart(2, "0")).join("");
}

export async function loadVerifiedBytes(bucket: R2Bucket, manifest: Manifest): Promise<ArrayBuffer> {
  const { name, version } = manifest;
  let object: R2ObjectBody | null;
  try {
    object = await bucket.get(keys.artifact(name, version, manifest.model.file));
  } catch (error) {
    throw new ModelUnavailableError(name, version, `model object could not be read (${String(error)})`);
  }
  if (!object) throw new ModelUnavailableError(name, version, "model object is missing");
  const bytes = await object.arrayBuffer();
  if (bytes.byteLength !== manifest.model.bytes) {
    throw new ModelUnavailableError(
      name,
      version,
      `model object has ${bytes.byteLength} bytes, manifest says ${manifest.model.bytes}`,
    );
  }
  const digest = await sha256Hex(bytes);
  if (digest !== manifest.model.sha256) {
    throw new ModelUnavailableError(name, version, "model object does not match the manifest's sha256");
  }
  return bytes;
}
