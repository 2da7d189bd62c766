/**
 * The image kind: PNG and JPEG files decoded, converted, resized (bilinear, half-pixel centres),
 * normalised and laid out as the spec says, with the drift measures of the image as sent and every
 * unreadable file refused naming its field. The zoo's cnn sample is matched against the tensor its
 * Python preprocessing made.
 */
import { readFileSync } from "node:fs";
import { encode as encodePng } from "fast-png";
import { encode as encodeJpeg } from "jpeg-js";
import { describe, expect, it } from "vitest";
import { readHeader } from "../../src/core/kinds/image/decode.js";
import { imageFeaturizer } from "../../src/core/kinds/image/features.js";
import { type ImageInstance, ImageSpec } from "../../src/core/kinds/image/schema.js";
import type { TensorSpec } from "../../src/core/tensor.js";

const LIMITS = { maxBatch: 4, maxTextChars: 100, maxImagePixels: 4096 };

function spec(fields: Partial<ImageSpec> = {}): ImageSpec {
  return ImageSpec.parse({
    kind: "image",
    input: "pixels",
    width: 4,
    height: 1,
    channels: "grey",
    layout: "NCHW",
    scale: 1,
    mean: [0],
    std: [1],
    ...fields,
  });
}

function inputFor(s: ImageSpec): TensorSpec[] {
  const c = s.channels === "grey" ? 1 : 3;
  const shape = s.layout === "NCHW" ? ["batch", c, s.height, s.width] : ["batch", s.height, s.width, c];
  return [{ name: "pixels", dtype: "float32", shape }];
}

function features(s: ImageSpec, instances: ImageInstance[]) {
  return imageFeaturizer(s, inputFor(s)).features(instances, LIMITS);
}

function pixelsOf(s: ImageSpec, file: Uint8Array): number[] {
  return Array.from(features(s, [{ image: file }]).feeds.pixels.data as Float32Array);
}

const rgbPng = (width: number, height: number, rgb: number[]) =>
  encodePng({ width, height, data: Uint8Array.from(rgb), depth: 8, channels: 3 });
const greyPng = (width: number, height: number, grey: number[]) =>
  encodePng({ width, height, data: Uint8Array.from(grey), depth: 8, channels: 1 });
const base64 = (bytes: Uint8Array) => Buffer.from(bytes).toString("base64");

describe("the zoo's cnn sample", () => {
  it("becomes the tensor its Python preprocessing made (to float32 rounding)", () => {
    const pre = JSON.parse(readFileSync("models/zoo/cnn/preprocessing.json", "utf8"));
    const sample = JSON.parse(readFileSync("models/zoo/cnn/sample.json", "utf8"));
    const s = spec({ width: 32, height: 32, channels: "rgb", scale: 1 / 255, mean: pre.mean, std: pre.std });
    const batch = features(s, [{ image: base64(readFileSync("models/zoo/cnn/sample.png")) }]);
    const expected: number[] = sample.inputs.pixel_values.data;
    expect(batch.feeds.pixels.dims).toEqual([1, 3, 32, 32]);
    const actual = Array.from(batch.feeds.pixels.data as Float32Array);
    expect(Math.max(...actual.map((v, i) => Math.abs(v - expected[i])))).toBeLessThan(1e-6);
  });
});

describe("resizing", () => {
  it("interpolates bilinearly between pixel centres, clamped at the edges", () => {
    expect(pixelsOf(spec(), greyPng(2, 1, [0, 255]))).toEqual([0, 63.75, 191.25, 255]);
  });

  it("averages when it shrinks by two", () => {
    expect(pixelsOf(spec({ width: 2 }), greyPng(4, 1, [0, 100, 200, 250]))).toEqual([50, 225]);
  });

  it("center-crop keeps the aspect and cuts the middle out", () => {
    const s = spec({ width: 2, height: 2, resize: "center-crop" });
    expect(pixelsOf(s, greyPng(4, 2, [1, 2, 3, 4, 5, 6, 7, 8]))).toEqual([2, 3, 6, 7]);
  });
});

describe("channels and layout", () => {
  const twoPixels = rgbPng(2, 1, [10, 20, 30, 40, 50, 60]);

  it("NCHW puts each channel's plane after the other", () => {
    const s = spec({ width: 2, channels: "rgb", mean: [0, 0, 0], std: [1, 1, 1] });
    expect(pixelsOf(s, twoPixels)).toEqual([10, 40, 20, 50, 30, 60]);
  });

  it("NHWC keeps each pixel's channels together, in BGR order when asked", () => {
    const s = spec({ width: 2, channels: "bgr", layout: "NHWC", mean: [0, 0, 0], std: [1, 1, 1] });
    expect(pixelsOf(s, twoPixels)).toEqual([30, 20, 10, 60, 50, 40]);
  });

  it("grey is BT.601 luma", () => {
    const values = pixelsOf(spec({ width: 1 }), rgbPng(1, 1, [255, 0, 0]));
    expect(values[0]).toBeCloseTo(0.299 * 255, 4);
  });

  it("scales, then subtracts each channel's mean and divides by its std", () => {
    const s = spec({ width: 2, channels: "rgb", scale: 0.5, mean: [5, 10, 15], std: [1, 2, 5] });
    expect(pixelsOf(s, twoPixels)).toEqual([0, 15, 0, 7.5, 0, 3]);
  });
});

describe("PNG and JPEG flavours", () => {
  const grey = spec({ width: 3 });

  it("reads palette PNGs", () => {
    const png = encodePng({
      width: 3,
      height: 1,
      data: Uint8Array.from([0, 1, 0]),
      depth: 8,
      channels: 1,
      palette: [
        [0, 0, 0],
        [255, 255, 255],
      ],
    });
    expect(pixelsOf(grey, png).map(Math.round)).toEqual([0, 255, 0]);
  });

  it("reads 1-bit grey, stretched to 0..255", () => {
    const png = encodePng({
      width: 3,
      height: 1,
      data: Uint8Array.from([0b10100000]),
      depth: 1,
      channels: 1,
    });
    expect(pixelsOf(grey, png)).toEqual([255, 0, 255]);
  });

  it("reads 16-bit RGBA, keeping the high byte and dropping alpha", () => {
    const png = encodePng({
      width: 1,
      height: 1,
      data: Uint16Array.from([0xff00, 0x1234, 0x0001, 0x0000]),
      depth: 16,
      channels: 4,
    });
    const s = spec({ width: 1, channels: "rgb", mean: [0, 0, 0], std: [1, 1, 1] });
    expect(pixelsOf(s, png)).toEqual([0xff, 0x12, 0x00]);
  });

  it("reads JPEG (a flat colour survives compression within a step)", () => {
    const jpeg = encodeJpeg({ width: 8, height: 8, data: new Uint8Array(8 * 8 * 4).fill(200) }, 95).data;
    const s = spec({ width: 2, height: 2 });
    for (const value of pixelsOf(s, new Uint8Array(jpeg)))
      expect(Math.abs(value - 200)).toBeLessThanOrEqual(1);
  });
});

describe("drift measures of the image as sent", () => {
  it("gives its size, mean luma and luma spread", () => {
    const s = spec();
    const batch = features(s, [{ image: greyPng(2, 2, [0, 255, 255, 0]) }]);
    const refs = ["image-width", "image-height", "brightness", "contrast"].map((kind) => ({
      kind,
      name: kind,
    }));
    expect(batch.drift(0, refs)).toEqual({
      "image-width": 2,
      "image-height": 2,
      brightness: 0.5,
      contrast: 0.5,
    });
  });
});

describe("files that are not readable images", () => {
  const s = spec();

  it("refuses bytes that are no PNG or JPEG, naming the instance's field", () => {
    expect(() => features(s, [{ image: base64(new TextEncoder().encode("GIF89a....")) }])).toThrow(
      "instances[0].image: is not a PNG or JPEG file",
    );
  });

  it("refuses base64 that is not base64", () => {
    expect(() => features(s, [{ image: "not base64!" }])).toThrow("instances[0].image: is not valid base64");
  });

  it("refuses a truncated PNG and names the body when the file was the body", () => {
    const png = greyPng(2, 1, [0, 255]);
    expect(() => features(s, [{ image: png.subarray(0, png.length - 20) }])).toThrow(
      /^body: the PNG is corrupt/,
    );
  });

  it("refuses a truncated JPEG", () => {
    const jpeg = encodeJpeg({ width: 16, height: 16, data: new Uint8Array(16 * 16 * 4).fill(90) }, 90).data;
    expect(() => features(s, [{ image: new Uint8Array(jpeg.subarray(0, 200)) }])).toThrow(
      /^body: the JPEG is corrupt/,
    );
  });

  it("refuses an image over the pixel limit from its header, before decoding it", () => {
    const png = greyPng(65, 64, new Array(65 * 64).fill(0));
    expect(() => features(s, [{ image: png }])).toThrow(
      "body: the image is 65x64 (4160 pixels), the limit is 4096 pixels",
    );
  });

  it("counts the pixels of every image of the request against the limit", () => {
    const png = greyPng(40, 40, new Array(40 * 40).fill(0));
    expect(() =>
      features(s, [{ image: base64(png) }, { image: base64(png) }, { image: base64(png) }]),
    ).toThrow(
      "instances[2].image: the images up to this one have 4800 pixels, the limit for one request is 4096",
    );
  });

  it("reads the size of a JPEG from its frame header", () => {
    const jpeg = encodeJpeg({ width: 70, height: 60, data: new Uint8Array(70 * 60 * 4) }, 50).data;
    expect(readHeader(new Uint8Array(jpeg))).toEqual({ format: "jpeg", width: 70, height: 60 });
  });
});

describe("the spec against the graph", () => {
  it("refuses mean and std of the wrong length for the channels", () => {
    const parsed = ImageSpec.safeParse({ ...spec(), channels: "rgb" });
    expect(parsed.success).toBe(false);
    expect(parsed.error?.issues.map((issue) => issue.path.join("."))).toEqual(["mean", "std"]);
  });

  it("refuses a graph whose fixed sides differ from the spec's", () => {
    const s = spec({ width: 32, height: 32, channels: "rgb", mean: [0, 0, 0], std: [1, 1, 1] });
    expect(() => imageFeaturizer(s, [{ name: "pixels", dtype: "float32", shape: [1, 32, 32, 3] }])).toThrow(
      "input pixels has shape [1, 32, 32, 3]; the spec feeds [batch, 3, 32, 32] (NCHW)",
    );
  });
});
