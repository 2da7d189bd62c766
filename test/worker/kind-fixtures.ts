/**
 * Runs in Node (from global-setup.ts): zoo models as versions of an input kind, each with requests in
 * the kind's instance form, the feeds the shared kind code makes of them (also as a tensors request),
 * onnxruntime-node's outputs on those feeds, and a reference profile built with the same drift
 * functions the Worker runs.
 */
import { createHash } from "node:crypto";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { encode as encodeJpeg } from "jpeg-js";
import * as ortNode from "onnxruntime-node";
import { type DriftSpec, driftValues } from "../../src/core/drift-features.js";
import { decodeImage, type RgbImage, readHeader } from "../../src/core/kinds/image/decode.js";
import { featurizeInstances } from "../../src/core/kinds/instances.js";
import type { FeatureBatch, InputLimits } from "../../src/core/kinds/kind.js";
import { kindOf } from "../../src/core/kinds/registry.js";
import { Manifest } from "../../src/core/manifest.js";
import { buildProfile } from "../../src/core/profile.js";
import { answer } from "../../src/core/tasks/answer.js";
import type { HostTensor, TensorSpec } from "../../src/core/tensor.js";
import { loadModel } from "../../src/toolchain/onnx/load.js";
import type { KindFixture } from "./fixtures.js";

const ZOO = "models/zoo";
/** Roomier than the Worker tests' limits: these only build references. */
const LIMITS: InputLimits = { maxBatch: 64, maxTextChars: 1_000_000, maxImagePixels: 1 << 24 };

interface ZooEntry {
  fixture: string;
  inputs: Array<{ name: string; dtype: string; dims: Array<number | string> }>;
  outputs: Array<{ name: string; dtype: string; dims: Array<number | string> }>;
}

function tensorSpecs(entries: ZooEntry["inputs"]): TensorSpec[] {
  return entries.map((e) => ({
    name: e.name,
    dtype: (e.dtype === "float" ? "float32" : e.dtype) as TensorSpec["dtype"],
    shape: e.dims,
  }));
}

const sha256 = (bytes: Uint8Array) => createHash("sha256").update(bytes).digest("hex");
const base64 = (bytes: Uint8Array) => Buffer.from(bytes).toString("base64");

function asTensorRequest(batch: FeatureBatch): KindFixture["tensors"][string] {
  return Object.fromEntries(
    Object.entries(batch.feeds).map(([name, tensor]) => [
      name,
      {
        dims: [...tensor.dims],
        dtype: tensor.dtype,
        b64: base64(new Uint8Array(tensor.data.buffer, tensor.data.byteOffset, tensor.data.byteLength)),
      },
    ]),
  );
}

/** The version of zoo model `fixture` under `fields`, with references for each named request. */
export async function kindFixture(
  fixture: string,
  fields: Pick<Manifest, "name" | "input" | "task"> & { drift: DriftSpec },
  assets: Record<string, Uint8Array>,
  requests: Record<string, unknown[]>,
): Promise<KindFixture> {
  const zoo = JSON.parse(await readFile(join(ZOO, "fixtures.json"), "utf8")) as ZooEntry[];
  const entry = zoo.find((e) => e.fixture === fixture);
  if (!entry) throw new Error(`models/zoo has no ${fixture}`);
  const { bytes: model } = await loadModel(join(ZOO, fixture, "model.onnx"));
  const manifest = Manifest.parse({
    ...fields,
    version: 1,
    createdAt: new Date().toISOString(),
    model: { file: "model.onnx", sha256: sha256(model), bytes: model.length },
    assets: Object.entries(assets).map(([file, bytes]) => ({
      file,
      sha256: sha256(bytes),
      bytes: bytes.length,
    })),
    inputs: tensorSpecs(entry.inputs),
    outputs: tensorSpecs(entry.outputs),
    profile: "profile.json",
  });
  const codec = kindOf(manifest.input).instances;
  if (!codec) throw new Error(`${manifest.input.kind} takes no instances`);
  const featurizer = codec.compile(manifest.input, new Map(Object.entries(assets)), manifest.inputs);
  const session = await ortNode.InferenceSession.create(model, { graphOptimizationLevel: "basic" });
  const reference: KindFixture["reference"] = {};
  const tensors: KindFixture["tensors"] = {};
  const rows = [];
  for (const [name, instances] of Object.entries(requests)) {
    const batch = featurizeInstances(featurizer, codec.schema, instances, LIMITS);
    const feeds = Object.fromEntries(
      Object.entries(batch.feeds).map(([input, t]) => [
        input,
        new ortNode.Tensor(t.dtype, t.data as Float32Array, t.dims),
      ]),
    );
    const results = await session.run(feeds);
    const outputs: Record<string, HostTensor> = Object.fromEntries(
      Object.entries(results).map(([output, t]) => [
        output,
        { dtype: "float32", dims: t.dims, data: t.data as Float32Array },
      ]),
    );
    reference[name] = Object.fromEntries(
      Object.entries(outputs).map(([output, t]) => [output, Array.from(t.data as Float32Array)]),
    );
    tensors[name] = asTensorRequest(batch);
    const predictions = answer(manifest.task, outputs, batch.size);
    for (let index = 0; index < batch.size; index++) {
      const instance = { index, size: batch.size, batch, outputs, prediction: predictions?.[index] };
      rows.push(driftValues(fields.drift, instance, manifest.task));
    }
  }
  const profile = buildProfile(fields.drift, rows, {
    name: manifest.name,
    version: 1,
    source: { fixture, requests: Object.keys(requests) },
  });
  const files = {
    [manifest.model.file]: base64(model),
    ...Object.fromEntries(Object.entries(assets).map(([file, bytes]) => [file, base64(bytes)])),
    "profile.json": base64(new TextEncoder().encode(JSON.stringify(profile))),
  };
  return { manifest, files, requests, reference, tensors };
}

/**
 * The zoo's encoder as a wordpiece-text model (its vocab.txt and tokenizer settings), asked mails
 * (the longest truncated to 64 ids), a text pair and accented text.
 */
export async function wordpieceFixture(mails: readonly string[]): Promise<KindFixture> {
  const labels = (await readFile(join(ZOO, "encoder", "labels.txt"), "utf8")).trim().split("\n");
  const vocab = new Uint8Array(await readFile(join(ZOO, "encoder", "vocab.txt")));
  return kindFixture(
    "encoder",
    {
      name: "zoo-encoder",
      input: {
        kind: "wordpiece-text",
        vocab: "vocab.txt",
        inputs: { inputIds: "input_ids", attentionMask: "attention_mask", tokenTypeIds: "token_type_ids" },
        lowercase: true,
        stripAccents: true,
        splitCjk: true,
        maxLength: 64,
        padding: "longest",
        maxWordChars: 100,
        tokens: { cls: "[CLS]", sep: "[SEP]", pad: "[PAD]", unknown: "[UNK]" },
        continuationPrefix: "##",
      },
      task: { kind: "classification", output: "logits", labels, softmax: true },
      drift: {
        features: [
          { kind: "wordpiece-count", name: "wordpieces" },
          { kind: "unknown-wordpiece-share", name: "unknown_share" },
          { kind: "truncated", name: "truncated" },
          { kind: "predicted-label", name: "label" },
        ],
      },
    },
    { "vocab.txt": vocab },
    {
      mails: [
        { text: "Win a FREE vacation!!! Click here." },
        { text: mails[0] },
        { text: "Is this spam?", pair: mails[1] },
      ],
      accents: [{ text: "Café déjà vu: naïve résumé, São Paulo, Ångström — «quoted» 中文" }],
    },
  );
}

/** `image` (RGB) scaled by nearest neighbour to `width` x `height`, as RGBA for jpeg-js. */
function nearestRgba(image: RgbImage, width: number, height: number): Uint8Array {
  const rgba = new Uint8Array(width * height * 4);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const source =
        Math.floor((y * image.height) / height) * image.width + Math.floor((x * image.width) / width);
      rgba.set(image.rgb.subarray(source * 3, source * 3 + 3), (y * width + x) * 4);
      rgba[(y * width + x) * 4 + 3] = 255;
    }
  }
  return rgba;
}

/**
 * The zoo's cnn as an image model (its preprocessing.json's mean, std and layout), asked its sample
 * PNG, a 48x40 JPEG of it (resized to 32x32 by the kind) and both in one batch.
 */
export async function imageFixture(): Promise<KindFixture> {
  const folder = join(ZOO, "cnn");
  const labels = (await readFile(join(folder, "labels.txt"), "utf8")).trim().split("\n");
  const preprocessing = JSON.parse(await readFile(join(folder, "preprocessing.json"), "utf8"));
  const png = new Uint8Array(await readFile(join(folder, "sample.png")));
  const jpeg = encodeJpeg(
    { width: 48, height: 40, data: nearestRgba(decodeImage(png, readHeader(png)), 48, 40) },
    90,
  );
  const pngInstance = { image: base64(png) };
  const jpegInstance = { image: base64(new Uint8Array(jpeg.data)) };
  return kindFixture(
    "cnn",
    {
      name: "zoo-cnn",
      input: {
        kind: "image",
        input: "pixel_values",
        width: 32,
        height: 32,
        channels: "rgb",
        layout: preprocessing.layout,
        resize: "stretch",
        scale: 1 / 255,
        mean: preprocessing.mean,
        std: preprocessing.std,
      },
      task: { kind: "classification", output: "logits", labels, softmax: true },
      drift: {
        features: [
          { kind: "image-width", name: "image_width" },
          { kind: "image-height", name: "image_height" },
          { kind: "brightness", name: "brightness" },
          { kind: "contrast", name: "contrast" },
          { kind: "confidence", name: "confidence" },
          { kind: "predicted-label", name: "label" },
        ],
      },
    },
    {},
    { png: [pngInstance], jpeg: [jpegInstance], batch: [pngInstance, jpegInstance] },
  );
}
