/**
 * The image kind's contracts: how a PNG or JPEG becomes the model's float32 image tensor (the
 * manifest's `input`), the request instance (base64 of the file) and the drift features it measures.
 */
import { z } from "zod";

const Side = z.number().int().min(1).max(4096);

export const ImageSpec = z
  .object({
    kind: z.literal("image"),
    /** The graph input fed: float32 [batch, channels, height, width] (NCHW) or [batch, height, width, channels] (NHWC). */
    input: z.string().min(1),
    /** The size the image is resized to (bilinear, pixel centres aligned as in PyTorch's align_corners=False). */
    width: Side,
    height: Side,
    /** Channel order fed: `rgb`, `bgr`, or `grey` (one channel, ITU-R 601 luma). Alpha is dropped. */
    channels: z.enum(["rgb", "bgr", "grey"]),
    layout: z.enum(["NCHW", "NHWC"]),
    /**
     * `stretch`: the whole image to width x height; `center-crop`: scaled to cover width x height,
     * aspect kept, then the middle cut out.
     */
    resize: z.enum(["stretch", "center-crop"]).default("stretch"),
    /** Each value fed is (pixel * scale - mean[c]) / std[c], pixel in 0..255, c in the order of `channels`. */
    scale: z.number().positive(),
    mean: z.array(z.number()).min(1).max(3),
    std: z.array(z.number().positive()).min(1).max(3),
  })
  .superRefine((spec, context) => {
    const count = spec.channels === "grey" ? 1 : 3;
    for (const field of ["mean", "std"] as const) {
      if (spec[field].length !== count) {
        context.addIssue({
          code: "custom",
          path: [field],
          message: `${spec.channels} images have ${count} channel${count === 1 ? "" : "s"}: give ${count} value${count === 1 ? "" : "s"}`,
        });
      }
    }
  });
export type ImageSpec = z.infer<typeof ImageSpec>;

/** One image: base64 of a PNG or JPEG file. */
export const ImageRequestInstance = z.object({ image: z.string() }).strict();

/** An image as the featurizer takes it: base64 from JSON, or the bytes of a request body that is the file. */
export interface ImageInstance {
  image: string | Uint8Array;
}

export const ImageDriftFeatures = [
  /** Width of the image as sent, in pixels (before resizing). */
  z.object({ kind: z.literal("image-width"), name: z.string() }),
  /** Height of the image as sent, in pixels. */
  z.object({ kind: z.literal("image-height"), name: z.string() }),
  /** Mean luma of the image as sent, 0 (black) to 1 (white). */
  z.object({ kind: z.literal("brightness"), name: z.string() }),
  /** Standard deviation of the luma, 0 to 0.5. */
  z.object({ kind: z.literal("contrast"), name: z.string() }),
] as const;
export type ImageDriftFeature = z.infer<(typeof ImageDriftFeatures)[number]>;
