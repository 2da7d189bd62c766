/**
 * Images -> the model's float32 tensor: decoded, converted to the spec's channels, resized (bilinear),
 * scaled and normalised with the manifest's mean and std, laid out NCHW or NHWC. The one function the
 * Worker and the toolchain both run.
 */
import { InvalidInputError, UnprocessableError } from "../../errors.js";
import type { TensorSpec } from "../../tensor.js";
import { checkBatch, type DriftFeatureRef, type FeatureBatch, type InputLimits } from "../kind.js";
import { decodeImage, ImageError, type RgbImage, readHeader } from "./decode.js";
import type { ImageDriftFeature, ImageInstance, ImageSpec } from "./schema.js";

/** ITU-R BT.601 luma weights, as PIL's convert("L") uses them. */
const LUMA = [0.299, 0.587, 0.114] as const;

export function channelCount(spec: ImageSpec): number {
  return spec.channels === "grey" ? 1 : 3;
}

/** The tensor's shape for `batch` images. */
export function imageDims(spec: ImageSpec, batch: number): number[] {
  const c = channelCount(spec);
  return spec.layout === "NCHW" ? [batch, c, spec.height, spec.width] : [batch, spec.height, spec.width, c];
}

/** For each output coordinate: the two source coordinates and the weight of the second. */
interface Taps {
  low: Int32Array;
  high: Int32Array;
  weight: Float64Array;
}

function taps(outSize: number, sourceSize: number, start: number, ratio: number): Taps {
  const low = new Int32Array(outSize);
  const high = new Int32Array(outSize);
  const weight = new Float64Array(outSize);
  for (let i = 0; i < outSize; i++) {
    const source = Math.min(Math.max(start + (i + 0.5) * ratio - 0.5, 0), sourceSize - 1);
    low[i] = Math.floor(source);
    high[i] = Math.min(low[i] + 1, sourceSize - 1);
    weight[i] = source - low[i];
  }
  return { low, high, weight };
}

/** Writes the normalised tensor of `image` at `offset` of `out` (one instance of the batch). */
export function writeImageTensor(image: RgbImage, spec: ImageSpec, out: Float32Array, offset: number): void {
  const { width: w, height: h } = spec;
  let ratioX = image.width / w;
  let ratioY = image.height / h;
  let startX = 0;
  let startY = 0;
  if (spec.resize === "center-crop") {
    const ratio = Math.min(ratioX, ratioY);
    ratioX = ratio;
    ratioY = ratio;
    startX = (image.width - w * ratio) / 2;
    startY = (image.height - h * ratio) / 2;
  }
  const xs = taps(w, image.width, startX, ratioX);
  const ys = taps(h, image.height, startY, ratioY);
  const channels = channelCount(spec);
  const order = spec.channels === "bgr" ? [2, 1, 0] : [0, 1, 2];
  const rgb = image.rgb;
  const sample = (row: number, x: number, band: number) => {
    const a = rgb[(row + xs.low[x]) * 3 + band];
    const b = rgb[(row + xs.high[x]) * 3 + band];
    return a + (b - a) * xs.weight[x];
  };
  const pixel = [0, 0, 0];
  for (let y = 0; y < h; y++) {
    const top = ys.low[y] * image.width;
    const bottom = ys.high[y] * image.width;
    const wy = ys.weight[y];
    for (let x = 0; x < w; x++) {
      for (let band = 0; band < 3; band++) {
        const upper = sample(top, x, band);
        pixel[band] = upper + (sample(bottom, x, band) - upper) * wy;
      }
      for (let c = 0; c < channels; c++) {
        const value =
          spec.channels === "grey"
            ? LUMA[0] * pixel[0] + LUMA[1] * pixel[1] + LUMA[2] * pixel[2]
            : pixel[order[c]];
        const index =
          spec.layout === "NCHW" ? offset + (c * h + y) * w + x : offset + (y * w + x) * channels + c;
        out[index] = (value * spec.scale - spec.mean[c]) / spec.std[c];
      }
    }
  }
}

/** Mean and standard deviation of the luma, 0..1, over every pixel of the image as sent. */
export function lumaMoments(image: RgbImage): { mean: number; std: number } {
  const pixels = image.width * image.height;
  let sum = 0;
  let squares = 0;
  for (let p = 0; p < pixels; p++) {
    const luma =
      (LUMA[0] * image.rgb[p * 3] + LUMA[1] * image.rgb[p * 3 + 1] + LUMA[2] * image.rgb[p * 3 + 2]) / 255;
    sum += luma;
    squares += luma * luma;
  }
  const mean = sum / pixels;
  return { mean, std: Math.sqrt(Math.max(0, squares / pixels - mean * mean)) };
}

/** What drift measures of an image as sent: kept instead of its pixels until the sample is built. */
export interface ImageStats {
  width: number;
  height: number;
  brightness: number;
  contrast: number;
}

export function imageStats(image: RgbImage): ImageStats {
  const { mean, std } = lumaMoments(image);
  return { width: image.width, height: image.height, brightness: mean, contrast: std };
}

function imageDrift(stats: ImageStats, features: readonly DriftFeatureRef[]) {
  const values: Record<string, number> = {};
  for (const ref of features) {
    const feature = ref as ImageDriftFeature;
    switch (feature.kind) {
      case "image-width":
        values[feature.name] = stats.width;
        break;
      case "image-height":
        values[feature.name] = stats.height;
        break;
      case "brightness":
        values[feature.name] = stats.brightness;
        break;
      case "contrast":
        values[feature.name] = stats.contrast;
        break;
    }
  }
  return values;
}

function fromBase64(base64: string, field: string): Uint8Array {
  let binary: string;
  try {
    binary = atob(base64);
  } catch {
    throw InvalidInputError.field(field, "is not valid base64");
  }
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

/** `read()`, with an unreadable image's reason as an error naming `field`. */
function named<T>(field: string, read: () => T): T {
  try {
    return read();
  } catch (error) {
    if (error instanceof ImageError) throw InvalidInputError.field(field, error.message);
    throw error;
  }
}

/** The graph input the spec feeds, checked: float32, rank 4, fixed sides equal to the spec's. */
function checkInput(spec: ImageSpec, inputs: readonly TensorSpec[]): void {
  const input = inputs.find((candidate) => candidate.name === spec.input);
  if (!input) throw new UnprocessableError(`the model has no input named ${spec.input}`);
  if (input.dtype !== "float32") {
    throw new UnprocessableError(`input ${spec.input} is ${input.dtype}: images are fed as float32`);
  }
  const expected = imageDims(spec, 1);
  const fits =
    input.shape.length === 4 &&
    input.shape.every((dim, axis) => axis === 0 || typeof dim === "string" || dim === expected[axis]);
  if (!fits) {
    throw new UnprocessableError(
      `input ${spec.input} has shape [${input.shape.join(", ")}]; the spec feeds [batch, ${expected.slice(1).join(", ")}] (${spec.layout})`,
    );
  }
}

export function imageFeaturizer(spec: ImageSpec, inputs: readonly TensorSpec[]) {
  checkInput(spec, inputs);
  return {
    features(instances: readonly ImageInstance[], limits: InputLimits): FeatureBatch {
      checkBatch("instances", instances.length, limits);
      const files = instances.map(({ image }, i) => {
        const field = typeof image === "string" ? `instances[${i}].image` : "body";
        return { field, bytes: typeof image === "string" ? fromBase64(image, field) : image };
      });
      // Every size is read and checked before any image is decoded.
      let total = 0;
      const headers = files.map(({ field, bytes }) => {
        const header = named(field, () => readHeader(bytes));
        const pixels = header.width * header.height;
        total += pixels;
        if (pixels > limits.maxImagePixels) {
          throw InvalidInputError.field(
            field,
            `the image is ${header.width}x${header.height} (${pixels} pixels), the limit is ${limits.maxImagePixels} pixels`,
          );
        }
        if (total > limits.maxImagePixels) {
          throw InvalidInputError.field(
            field,
            `the images up to this one have ${total} pixels, the limit for one request is ${limits.maxImagePixels}`,
          );
        }
        return header;
      });
      const dims = imageDims(spec, files.length);
      const perImage = dims[1] * dims[2] * dims[3];
      const data = new Float32Array(files.length * perImage);
      const stats = files.map(({ field, bytes }, i) => {
        const image = named(field, () => decodeImage(bytes, headers[i]));
        writeImageTensor(image, spec, data, i * perImage);
        return imageStats(image);
      });
      return {
        feeds: { [spec.input]: { dtype: "float32", dims, data } },
        size: files.length,
        drift: (index, features) => imageDrift(stats[index], features),
      };
    },
  };
}
