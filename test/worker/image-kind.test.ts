/**
 * The image kind inside workerd: the zoo's cnn (PyTorch's export, 1x3x32x32 NCHW with ImageNet
 * mean/std) published with an image spec answers a PNG file as the body, base64 PNG and JPEG in
 * JSON (the JPEG resized from 48x40) and the same features as tensors, each as onnxruntime-node did
 * on the features the shared kind code made in Node; its drift samples fold with the image's size,
 * brightness and contrast; every unreadable image is a 4xx naming it.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { decode, fixtures, maxAbsDifference, putShippedVersion, putState } from "./fixtures.js";
import { activeDriftFeatures, expectReferenceAnswer, type KindAnswer, publishKind } from "./kind-predict.js";
import { queueFolded } from "./promotion-fixture.js";
import { call, type ProblemBody, postJson } from "./request.js";

const cnn = fixtures.kinds.image;
const labels = cnn.manifest.task.kind === "classification" ? cnn.manifest.task.labels : [];
const png = decode((cnn.requests.png[0] as { image: string }).image);

function postImage(
  name: string,
  bytes: Uint8Array,
  type = "image/png",
  headers: Record<string, string> = {},
) {
  return call(`/v1/models/${name}/predict`, {
    method: "POST",
    headers: { "content-type": type, ...headers },
    body: bytes,
  });
}

async function expectProblem(response: Response, status: number, field: string): Promise<ProblemBody> {
  expect(response.status).toBe(status);
  const body = (await response.json()) as ProblemBody;
  expect(body.errors?.map((e) => e.field)).toEqual([field]);
  return body;
}

describe("an image model answers every input form as onnxruntime-node does", () => {
  const MODEL = "zoo-cnn";
  beforeAll(() => publishKind(cnn, MODEL));

  it("takes the PNG file itself as the body", async () => {
    const response = await postImage(MODEL, png);
    const answer = await expectReferenceAnswer(cnn, response, "png");
    // The zoo's sample is a dark disc on cyan: the model says so.
    expect(answer.predictions[0].label).toBe("disc");
  });

  it("takes the same file from the pinned version's route", async () => {
    const response = await call(`/v1/models/${MODEL}/versions/1/predict`, {
      method: "POST",
      headers: { "content-type": "image/png" },
      body: png,
    });
    await expectReferenceAnswer(cnn, response, "png");
  });

  it("takes base64 JPEG in JSON, resized from 48x40 to the model's 32x32", async () => {
    const response = await postJson(`/v1/models/${MODEL}/predict`, { instances: cnn.requests.jpeg });
    await expectReferenceAnswer(cnn, response, "jpeg");
  });

  it("takes a batch of PNG and JPEG instances", async () => {
    const response = await postJson(`/v1/models/${MODEL}/predict`, { instances: cnn.requests.batch });
    await expectReferenceAnswer(cnn, response, "batch");
  });

  it("takes the normalised image as a base64 tensor, with the same logits", async () => {
    const response = await postJson(`/v1/models/${MODEL}/predict`, { inputs: cnn.tensors.png });
    expect(response.status).toBe(200);
    const answer = (await response.json()) as KindAnswer;
    expect(answer.outputs?.logits.dims).toEqual([1, labels.length]);
    expect(maxAbsDifference(answer.outputs?.logits.data ?? [], cnn.reference.png.logits)).toBeLessThan(1e-4);
  });
});

describe("an image model's drift samples", () => {
  const MODEL = "zoo-cnn-drift";
  beforeAll(() => publishKind(cnn, MODEL));

  it("fold with the image's width, height, brightness and contrast", async () => {
    expect((await postImage(MODEL, png, "image/png", { "x-request-id": "cnn-drift-0" })).status).toBe(200);
    const batch = await postJson(
      `/v1/models/${MODEL}/predict`,
      { instances: cnn.requests.batch },
      { "x-request-id": "cnn-drift-1" },
    );
    expect(batch.status).toBe(200);
    expect(await queueFolded(MODEL, 1, 3)).toBe(3);
    const features = await activeDriftFeatures(MODEL);
    for (const name of ["image_width", "image_height", "brightness", "contrast", "confidence", "label"]) {
      expect(features[name], name).toMatchObject({ count: 3 });
    }
  });
});

describe("an image model refuses what is not a readable image, naming it", () => {
  const MODEL = "zoo-cnn-bad";
  beforeAll(async () => {
    await publishKind(cnn, MODEL);
    await putShippedVersion("spam", 1, "zoo-cnn-text");
    await putState({ name: "zoo-cnn-text", active: 1 });
  });

  it("a truncated PNG body is 400 naming the body", async () => {
    const body = await expectProblem(await postImage(MODEL, png.subarray(0, png.length - 40)), 400, "body");
    expect(body.detail).toContain("the PNG is corrupt");
  });

  it("a body that says image/png but is text is 400 naming the body", async () => {
    const body = await expectProblem(await postImage(MODEL, new TextEncoder().encode("hello")), 400, "body");
    expect(body.detail).toContain("is not a PNG or JPEG file");
  });

  it("a corrupt JPEG in JSON is 400 naming the instance", async () => {
    const jpeg = (cnn.requests.jpeg[0] as { image: string }).image;
    const cut = btoa(atob(jpeg).slice(0, 400));
    const response = await postJson(`/v1/models/${MODEL}/predict`, {
      instances: [cnn.requests.png[0], { image: cut }],
    });
    const body = await expectProblem(response, 400, "instances[1].image");
    expect(body.detail).toContain("the JPEG is corrupt");
  });

  it("an image over MAX_IMAGE_PIXELS is 400, refused from its header", async () => {
    // A 256x257 PNG header on the sample's bytes: its size alone is over the tests' 65536 pixels.
    const tall = png.slice();
    new DataView(tall.buffer).setUint32(16, 256);
    new DataView(tall.buffer).setUint32(20, 257);
    const body = await expectProblem(await postImage(MODEL, tall), 400, "body");
    expect(body.detail).toContain("the image is 256x257 (65792 pixels), the limit is 65536 pixels");
  });

  it("a body over MAX_BODY_BYTES is 413", async () => {
    const response = await postImage(MODEL, new Uint8Array(300_000));
    expect(response.status).toBe(413);
  });

  it("a content type that is neither JSON nor an image is 415", async () => {
    const response = await postImage(MODEL, png, "image/gif");
    expect(response.status).toBe(415);
    expect(((await response.json()) as ProblemBody).detail).toContain("image/gif");
  });

  it("an image sent to a model that does not take images is 415 naming the body", async () => {
    const body = await expectProblem(await postImage("zoo-cnn-text", png), 415, "body");
    expect(body.detail).toContain("application/json");
  });

  it("a text instance sent to an image model is 400 naming the field", async () => {
    const response = await postJson(`/v1/models/${MODEL}/predict`, { instances: [{ text: "a red square" }] });
    expect(response.status).toBe(400);
    const body = (await response.json()) as ProblemBody;
    expect(body.errors?.[0].field).toMatch(/^instances\[0\]/);
  });
});
