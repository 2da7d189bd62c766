/**
 * A version's input kind bound to its assets (e.g. a tokenizer's vocabulary read from R2 and checked
 * against the manifest's sha256), built once per isolate per version, and the one entry point that
 * turns a predict body into feeds for any kind.
 */

import { InvalidInputError, UnsupportedMediaTypeError } from "../core/errors.js";
import { featurizeInstances } from "../core/kinds/instances.js";
import type { FeatureBatch, Featurizer, InputLimits, InstanceCodec } from "../core/kinds/kind.js";
import { type InputSpec, kindOf } from "../core/kinds/registry.js";
import { tensorBatch } from "../core/kinds/tensors/features.js";
import type { TensorInput } from "../core/kinds/tensors/schema.js";
import type { Manifest } from "../core/manifest.js";
import { keys } from "../registry/keys.js";
import { ModelUnavailableError, sha256Hex } from "./model-loader.js";

export interface PredictBody {
  instances?: readonly unknown[];
  inputs?: Readonly<Record<string, TensorInput>>;
  /** A body that is one instance's file (an image), with its media type. */
  file?: { mediaType: string; bytes: Uint8Array };
}

const MAX_CACHED = 32;
const featurizers = new Map<string, Promise<Featurizer<unknown>>>();

async function loadAssets(bucket: R2Bucket, manifest: Manifest): Promise<Map<string, Uint8Array>> {
  const { name, version } = manifest;
  const assets = new Map<string, Uint8Array>();
  const codec = kindOf(manifest.input).instances;
  for (const file of codec?.assets(manifest.input) ?? []) {
    const entry = manifest.assets.find((asset) => asset.file === file);
    if (!entry) throw new ModelUnavailableError(name, version, `the manifest lists no asset ${file}`);
    const object = await bucket.get(keys.artifact(name, version, file));
    if (!object) throw new ModelUnavailableError(name, version, `asset ${file} is missing`);
    const bytes = await object.arrayBuffer();
    if (bytes.byteLength !== entry.bytes || (await sha256Hex(bytes)) !== entry.sha256) {
      throw new ModelUnavailableError(name, version, `asset ${file} does not match the manifest`);
    }
    assets.set(file, new Uint8Array(bytes));
  }
  return assets;
}

function featurizerFor(
  bucket: R2Bucket,
  manifest: Manifest,
  codec: InstanceCodec<InputSpec, unknown>,
): Promise<Featurizer<unknown>> {
  const key = `${manifest.name}@${manifest.version}`;
  let featurizer = featurizers.get(key);
  if (!featurizer) {
    featurizer = loadAssets(bucket, manifest).then((assets) => {
      try {
        return codec.compile(manifest.input, assets, manifest.inputs);
      } catch (error) {
        // A spec its graph or its assets cannot honour (no [CLS] in the vocabulary): not servable.
        const reason = error instanceof Error ? error.message : String(error);
        throw new ModelUnavailableError(manifest.name, manifest.version, reason);
      }
    });
    // A failed load is retried by the next request rather than remembered.
    featurizer.catch(() => featurizers.delete(key));
    if (featurizers.size >= MAX_CACHED) featurizers.delete(featurizers.keys().next().value as string);
    featurizers.set(key, featurizer);
  }
  return featurizer;
}

/** The feeds of one predict body: tensors as sent, or instances through the model's input kind. */
export async function prepareBatch(
  bucket: R2Bucket,
  manifest: Manifest,
  body: PredictBody,
  limits: InputLimits,
): Promise<FeatureBatch> {
  if (body.inputs) return tensorBatch(manifest.inputs, body.inputs, limits);
  const codec = kindOf(manifest.input).instances;
  if (body.file) {
    const { mediaType, bytes } = body.file;
    if (!codec?.body?.mediaTypes.includes(mediaType)) {
      const takes = ["application/json", ...(codec?.body?.mediaTypes ?? [])].join(", ");
      throw new UnsupportedMediaTypeError({
        field: "body",
        message: `model ${manifest.name}@${manifest.version} takes ${takes}, not ${mediaType}`,
      });
    }
    const featurizer = await featurizerFor(bucket, manifest, codec);
    return featurizer.features([codec.body.instance(bytes)], limits);
  }
  if (!body.instances) throw InvalidInputError.field("instances", 'send "instances" or "inputs"');
  if (!codec) {
    throw InvalidInputError.field(
      "instances",
      `model ${manifest.name}@${manifest.version} takes tensors: send "inputs" instead`,
    );
  }
  const featurizer = await featurizerFor(bucket, manifest, codec);
  return featurizeInstances(featurizer, codec.schema, body.instances, limits);
}
