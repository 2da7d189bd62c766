/**
 * Publishing a model version: the files of an immutable version folder in R2, then a registry state
 * that names it as a candidate (or as active, for a model's first version). A version that exists is
 * never overwritten, and the manifest is uploaded last, so a reader never sees a manifest whose model
 * bytes are not there yet.
 */

import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { promisify } from "node:util";
import { DriftSpec } from "../core/drift-features.js";
import {
  ConflictError,
  InvalidInputError,
  NotFoundError,
  UnavailableError,
  UnprocessableError,
} from "../core/errors.js";
import { Manifest } from "../core/manifest.js";
import { keys } from "../registry/keys.js";
import { readInputFile, readJsonFile, writeJsonAtomic } from "./files.js";
import type { LocalBucket } from "./local-r2.js";
import { buildManifest, MODEL_FILE } from "./manifest.js";
import { checkManifestAgainstGraph } from "./manifest-check.js";
import { loadModelDir, TRAINING_FILE } from "./model-dir.js";
import { MANIFEST_FILE, readManifestFile, verifiedFile } from "./model-manifest.js";
import { decodeModel } from "./onnx/model.js";
import { graphSignature } from "./onnx/signature.js";
import { type CandidateOptions, type Registration, registerRemote } from "./remote-registry.js";
import { WorkerClient, type WorkerTarget } from "./worker-client.js";

export const PROFILE_FILE = "profile.json";
export const DRIFT_FILE = "drift.json";

export interface VersionFiles {
  manifest: Manifest;
  /** File name to bytes, the manifest excluded. */
  files: Record<string, Uint8Array>;
}

export type { CandidateOptions, Registration };

/** Versions are immutable: a version number is never published twice. */
export class VersionExistsError extends ConflictError {
  constructor(manifest: Manifest) {
    super(`${manifest.name}@${manifest.version} already exists: versions are immutable, publish a new one`);
  }
}

/** What `vane publish` is told on its command line; an imported directory's manifest has the rest. */
export interface VersionIdentity {
  name?: string;
  version?: number;
}

/**
 * The version folder for a model directory. A directory `vane train` made (training.json beside
 * model.onnx, and profile.json with the drift spec once `vane profile` ran) gets its manifest built
 * and written beside it; any other directory (`vane import`) brings its manifest.json, whose model
 * and assets must be the files beside it. Either way the manifest is checked against the graph.
 */
export async function readVersionFiles(
  dir: string,
  identity: VersionIdentity,
  compression?: Record<string, unknown>,
): Promise<VersionFiles> {
  const version = existsSync(join(dir, TRAINING_FILE))
    ? await trainedVersionFiles(dir, identity, compression)
    : await importedVersionFiles(dir, identity);
  checkAgainstGraph(version);
  return version;
}

/** The version's manifest against its graph and its asset files, as serving will read them. */
function checkAgainstGraph(version: VersionFiles): void {
  const assets = new Map(version.manifest.assets.map(({ file }) => [file, version.files[file]]));
  checkManifestAgainstGraph(version.manifest, graphSignature(decodeModel(version.files[MODEL_FILE])), assets);
}

/**
 * The version folder of a directory whose manifest is built already (a shipped `models/<name>/<n>`,
 * or what `vane import` wrote), published as it is: its manifest is not rebuilt or rewritten.
 */
export async function readBuiltVersionFiles(dir: string, identity: VersionIdentity): Promise<VersionFiles> {
  const version = await importedVersionFiles(dir, identity);
  checkAgainstGraph(version);
  return version;
}

async function trainedVersionFiles(
  dir: string,
  identity: VersionIdentity,
  compression?: Record<string, unknown>,
): Promise<VersionFiles> {
  if (identity.name === undefined || identity.version === undefined) {
    throw InvalidInputError.field("name", "a model vane trained is published under a --name and --version");
  }
  const model = await loadModelDir(dir);
  const files: Record<string, Uint8Array> = {
    [MODEL_FILE]: model.onnx,
    [TRAINING_FILE]: await readInputFile(join(model.dir, TRAINING_FILE), "training record"),
  };
  let drift: DriftSpec | undefined;
  if (existsSync(join(model.dir, DRIFT_FILE))) {
    const parsed = DriftSpec.safeParse(await readJsonFile(join(model.dir, DRIFT_FILE), "drift spec"));
    if (!parsed.success) throw new UnprocessableError(`${join(model.dir, DRIFT_FILE)} is not a drift spec`);
    drift = parsed.data;
    files[PROFILE_FILE] = await readInputFile(join(model.dir, PROFILE_FILE), "profile");
  }
  const manifest = buildManifest({
    name: identity.name,
    version: identity.version,
    onnx: model.onnx,
    record: model.record,
    drift,
    profile: drift ? PROFILE_FILE : undefined,
    compression,
  });
  await writeJsonAtomic(join(model.dir, MANIFEST_FILE), manifest);
  return { manifest, files };
}

async function importedVersionFiles(dir: string, identity: VersionIdentity): Promise<VersionFiles> {
  const stored = await readManifestFile(dir);
  const manifest = Manifest.parse({
    ...stored,
    name: identity.name ?? stored.name,
    version: identity.version ?? stored.version,
    createdAt: new Date().toISOString(),
  });
  const files: Record<string, Uint8Array> = {
    [MODEL_FILE]: await verifiedFile(dir, manifest.model, "model"),
  };
  for (const [i, asset] of manifest.assets.entries()) {
    files[asset.file] = await verifiedFile(dir, asset, `assets[${i}]`);
  }
  if (manifest.profile) files[manifest.profile] = await readInputFile(join(dir, manifest.profile), "profile");
  return { manifest, files };
}

export async function publishLocal(
  bucket: LocalBucket,
  version: VersionFiles,
  candidate: CandidateOptions,
): Promise<Registration> {
  await uploadLocal(bucket, version);
  return registerLocally(bucket, version.manifest, candidate);
}

/**
 * Puts a version's files in the local bucket without registering it (it is registered later, as a
 * deployed Worker's versions are, through the admin API), refusing to overwrite an existing one.
 */
export async function uploadLocal(bucket: LocalBucket, version: VersionFiles): Promise<void> {
  const { manifest } = version;
  const manifestKey = keys.manifest(manifest.name, manifest.version);
  if (await bucket.head(manifestKey)) {
    throw new VersionExistsError(manifest);
  }
  for (const [file, bytes] of Object.entries(version.files))
    await bucket.put(keys.artifact(manifest.name, manifest.version, file), bytes);
  const written = await bucket.put(manifestKey, JSON.stringify(manifest, null, 2), {
    onlyIf: { etagDoesNotMatch: "*" },
  });
  if (!written)
    throw new ConflictError(`${manifest.name}@${manifest.version} was published by someone else meanwhile`);
}

async function registerLocally(
  bucket: LocalBucket,
  manifest: Manifest,
  candidate: CandidateOptions,
): Promise<Registration> {
  const now = new Date().toISOString();
  for (let attempt = 0; attempt < 8; attempt++) {
    const stored = await bucket.get(keys.state(manifest.name));
    const state = stored ? (JSON.parse(await stored.text()) as Record<string, unknown>) : null;
    const registration: Registration = state && state.active !== null ? "candidate" : "active";
    const next =
      registration === "active"
        ? {
            ...(state ?? { name: manifest.name, previous: [], candidate: null }),
            active: manifest.version,
            updatedAt: now,
          }
        : { ...state, candidate: { version: manifest.version, ...candidate, since: now }, updatedAt: now };
    const onlyIf = stored ? { etagMatches: stored.etag } : { etagDoesNotMatch: "*" };
    if (await bucket.put(keys.state(manifest.name), JSON.stringify(next), { onlyIf })) return registration;
  }
  throw new UnavailableError(`the registry state of ${manifest.name} kept changing; try again`);
}

export interface RemoteTarget extends WorkerTarget {
  bucket: string;
}

const run = promisify(execFile);

async function wranglerPut(bucket: string, key: string, bytes: Uint8Array): Promise<void> {
  const { mkdtemp, rm, writeFile } = await import("node:fs/promises");
  const { tmpdir } = await import("node:os");
  const { join } = await import("node:path");
  const scratch = await mkdtemp(join(tmpdir(), "vane-publish-"));
  try {
    const file = join(scratch, "object");
    await writeFile(file, bytes);
    const wrangler = createRequire(import.meta.url).resolve("wrangler/bin/wrangler.js");
    await run(process.execPath, [
      wrangler,
      "r2",
      "object",
      "put",
      `${bucket}/${key}`,
      "--file",
      file,
      "--remote",
    ]);
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}

/**
 * Uploads to a real bucket with wrangler, then registers the version through the Worker's admin API:
 * as the candidate, or as the first version of a model the Worker has never seen.
 */
export async function publishRemote(
  target: RemoteTarget,
  version: VersionFiles,
  candidate: CandidateOptions,
): Promise<Registration> {
  const { manifest } = version;
  const worker = new WorkerClient(target);
  const existing = await worker.getModel(manifest.name).catch((error) => {
    if (error instanceof NotFoundError) return null;
    throw error;
  });
  if (existing?.versions.some((v) => v.version === manifest.version)) throw new VersionExistsError(manifest);
  for (const [file, bytes] of Object.entries(version.files)) {
    await wranglerPut(target.bucket, keys.artifact(manifest.name, manifest.version, file), bytes);
  }
  await wranglerPut(
    target.bucket,
    keys.manifest(manifest.name, manifest.version),
    new TextEncoder().encode(JSON.stringify(manifest)),
  );
  return registerRemote(worker, manifest, candidate);
}
