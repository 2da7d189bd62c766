/**
 * PNG and JPEG files -> 8-bit RGB pixels, with pure-JS decoders that run in workerd and in Node alike.
 * The size is read from the header first, so the caller can refuse an image over its pixel limit
 * before any memory is spent on it.
 */
import { convertIndexedToRgb, type DecodedPng, decode as decodePng } from "fast-png";
import { decode as decodeJpeg } from "jpeg-js";

export interface RgbImage {
  width: number;
  height: number;
  /** Row-major, 3 bytes a pixel. */
  rgb: Uint8Array;
}

/** Why a file is not an image vane can read; the featurizer names the field. */
export class ImageError extends Error {}

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

export type ImageFormat = "png" | "jpeg";

export function formatOf(bytes: Uint8Array): ImageFormat | null {
  if (PNG_SIGNATURE.every((byte, i) => bytes[i] === byte)) return "png";
  if (bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) return "jpeg";
  return null;
}

/** Width and height from the PNG IHDR chunk or the JPEG frame header, without decoding. */
export function imageSize(bytes: Uint8Array, format: ImageFormat): { width: number; height: number } {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (format === "png") {
    if (bytes.length < 24) throw new ImageError("the PNG ends before its header");
    return { width: view.getUint32(16), height: view.getUint32(20) };
  }
  let offset = 2;
  while (offset + 9 <= bytes.length) {
    if (bytes[offset] !== 0xff) throw new ImageError("the JPEG's markers are corrupt");
    const marker = bytes[offset + 1];
    if (marker === 0xff) {
      offset++;
      continue;
    }
    // SOF0..SOF15 carry the frame size; C4 (DHT), C8 (JPG) and CC (DAC) share the range.
    if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) {
      return { width: view.getUint16(offset + 7), height: view.getUint16(offset + 5) };
    }
    offset += 2 + view.getUint16(offset + 2);
  }
  throw new ImageError("the JPEG has no frame header");
}

/** 16-bit samples to 8 (the high byte), and 1/2/4-bit grey unpacked and stretched to 0..255. */
function eightBit(png: DecodedPng): Uint8Array {
  const { data, depth, width, height, channels } = png;
  if (depth === 8) return data as Uint8Array;
  const samples = width * height * channels;
  const out = new Uint8Array(samples);
  if (depth === 16) {
    for (let i = 0; i < samples; i++) out[i] = (data[i] as number) >> 8;
    return out;
  }
  const perByte = 8 / depth;
  const rowBytes = Math.ceil((width * channels) / perByte);
  const maxValue = (1 << depth) - 1;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width * channels; x++) {
      const byte = data[y * rowBytes + Math.floor(x / perByte)] as number;
      const shift = 8 - depth * ((x % perByte) + 1);
      out[y * width * channels + x] = Math.round((((byte >> shift) & maxValue) * 255) / maxValue);
    }
  }
  return out;
}

/** Grey, grey+alpha, RGB or RGBA samples to RGB (alpha dropped). */
function toRgb(samples: Uint8Array, channels: number, pixels: number): Uint8Array {
  if (channels === 3) return samples;
  const rgb = new Uint8Array(pixels * 3);
  for (let p = 0; p < pixels; p++) {
    if (channels >= 3) {
      rgb[p * 3] = samples[p * channels];
      rgb[p * 3 + 1] = samples[p * channels + 1];
      rgb[p * 3 + 2] = samples[p * channels + 2];
    } else {
      const grey = samples[p * channels];
      rgb[p * 3] = grey;
      rgb[p * 3 + 1] = grey;
      rgb[p * 3 + 2] = grey;
    }
  }
  return rgb;
}

function decodePngRgb(bytes: Uint8Array): RgbImage {
  const png = decodePng(bytes);
  const pixels = png.width * png.height;
  if (png.palette) {
    const entry = png.palette[0]?.length ?? 3;
    return { width: png.width, height: png.height, rgb: toRgb(convertIndexedToRgb(png), entry, pixels) };
  }
  return { width: png.width, height: png.height, rgb: toRgb(eightBit(png), png.channels, pixels) };
}

function decodeJpegRgb(bytes: Uint8Array, pixels: number): RgbImage {
  const jpeg = decodeJpeg(bytes, {
    useTArray: true,
    formatAsRGBA: false,
    // A truncated or damaged file is refused rather than served half grey.
    tolerantDecoding: false,
    maxResolutionInMP: pixels / 1e6,
  });
  return { width: jpeg.width, height: jpeg.height, rgb: jpeg.data };
}

/** A file's format and size, from its first bytes. */
export interface ImageHeader {
  format: ImageFormat;
  width: number;
  height: number;
}

export function readHeader(bytes: Uint8Array): ImageHeader {
  const format = formatOf(bytes);
  if (!format) throw new ImageError("is not a PNG or JPEG file");
  const { width, height } = imageSize(bytes, format);
  if (width === 0 || height === 0) throw new ImageError(`the image is ${width}x${height} pixels`);
  return { format, width, height };
}

/** The RGB pixels of a PNG or JPEG file whose header was read (and its size accepted). */
export function decodeImage(bytes: Uint8Array, header: ImageHeader): RgbImage {
  const { format, width, height } = header;
  const name = format.toUpperCase();
  let image: RgbImage;
  try {
    image = format === "png" ? decodePngRgb(bytes) : decodeJpegRgb(bytes, width * height);
  } catch (error) {
    throw new ImageError(`the ${name} is corrupt (${(error as Error).message})`);
  }
  if (image.width !== width || image.height !== height || image.rgb.length !== width * height * 3) {
    throw new ImageError(`the ${name} is corrupt (its pixels do not fill its size)`);
  }
  return image;
}
