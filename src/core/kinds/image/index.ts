/** The image kind: PNG or JPEG files in (base64 in JSON, or the file as the body), a float32 image tensor out. */
import type { InputKind } from "../kind.js";
import { imageFeaturizer } from "./features.js";
import { ImageDriftFeatures, type ImageInstance, ImageRequestInstance, ImageSpec } from "./schema.js";

export const image = {
  kind: "image",
  spec: ImageSpec,
  driftFeatures: ImageDriftFeatures,
  feeds: (spec) => [spec.input],
  instances: {
    schema: ImageRequestInstance,
    assets: () => [],
    compile: (spec, _assets, inputs) => imageFeaturizer(spec, inputs),
    body: { mediaTypes: ["image/png", "image/jpeg"], instance: (bytes) => ({ image: bytes }) },
  },
  defaultDrift: () => [
    { kind: "image-width", name: "image_width" },
    { kind: "image-height", name: "image_height" },
    { kind: "brightness", name: "brightness" },
    { kind: "contrast", name: "contrast" },
  ],
} satisfies InputKind<ImageSpec, ImageInstance>;
