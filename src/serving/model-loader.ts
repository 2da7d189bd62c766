/**
 * Fetches a version's ONNX bytes from R2 and proves they are the bytes its manifest describes
 * (size and sha256) before anything is built from them.
 */
import { UnavailableError } from "../core/errors.js";
import type { Manifest } from "../core/manifest.js";
import { keys } from "../registry/keys.js";

/** A version that cannot serve (missing, corrupt, unreadable files): a 503 wherever it surfaces. */
export class ModelUnavailableError extends UnavailableError {
  constructor(
    readonly modelName: string,
    readonly version: number,
    readonly reason: string,
  ) {
    super(`${modelName}@${version} is unavailable: ${reason}`, { title: "Model version unavailable" });
  }
}

export async function sha256Hex(bytes: ArrayBuffer): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));
  return Array.from(digest, (b) => b.toString(16).padStart(2, "0")).join("");
}

/** The model object's bytes, or why they could not be had. */
async function readModelObject(bucket: R2Bucket, manifest: Manifest): Promise<ArrayBuffer> {
  const { name, version } = manifest;
  let object: R2ObjectBody | null;
  try {
    object = await bucket.get(keys.artifact(name, version, manifest.model.file));
    if (object) return await object.arrayBuffer();
  } catch (error) {
    throw new ModelUnavailableError(name, version, `model object could not be read (${String(error)})`);
  }
  throw new ModelUnavailableError(name, version, "model object is missing");
}

/** A storage read that hangs must not hold a request (or the load of a version) forever. */
function withinTime(read: Promise<ArrayBuffer>, manifest: Manifest, timeoutMs: number): Promise<ArrayBuffer> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () =>
        reject(
          new ModelUnavailableError(
            manifest.name,
            manifest.version,
            `model object did not arrive within ${timeoutMs} ms`,
          ),
        ),
      timeoutMs,
    );
  });
  return Promise.race([read, expired]).finally(() => clearTimeout(timer));
}

export async function loadVerifiedBytes(
  bucket: R2Bucket,
  manifest: Manifest,
  timeoutMs: number,
): Promise<ArrayBuffer> {
  const { name, version } = manifest;
  const bytes = await withinTime(readModelObject(bucket, manifest), manifest, timeoutMs);
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
