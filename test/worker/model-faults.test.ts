import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { sha256Hex } from "../../src/serving/model-loader.js";
import { decode, fixtures, putShippedVersion, putState, putVersion, shippedVersion } from "./fixtures.js";
import { type ProblemBody, postJson } from "./request.js";

const instances = [{ text: fixtures.emails[1].text }];

async function predict(path: string) {
  const response = await postJson(path, { instances });
  return {
    status: response.status,
    body: (await response.json()) as ProblemBody & { version: number; role: string },
  };
}

describe("a corrupt active version", () => {
  const MODEL = "corrupt-active";

  beforeAll(async () => {
    await putShippedVersion("spam", 1, MODEL);
    const good = await putShippedVersion("spam", 1, MODEL);
    // Version 2 claims the good bytes' checksum, but the stored object has one byte flipped.
    const tampered = decode(shippedVersion("spam", 1).files["model.onnx"]);
    tampered[tampered.length - 10] ^= 0xff;
    await putVersion({ ...good, version: 2 }, { "model.onnx": tampered });
    await putState({ name: MODEL, active: 2, previous: [1] });
  });

  it("is refused when pinned, with 503 and the reason", async () => {
    const { status, body } = await predict(`/v1/models/${MODEL}/versions/2/predict`);
    expect(status).toBe(503);
    expect(body.detail).toContain("sha256");
  });

  it("leaves the previous good version serving unpinned requests", async () => {
    const { status, body } = await predict(`/v1/models/${MODEL}/predict`);
    expect(status).toBe(200);
    expect(body).toMatchObject({ version: 1, role: "fallback" });
  });

  it("does not affect the good version when it is pinned", async () => {
    const { status, body } = await predict(`/v1/models/${MODEL}/versions/1/predict`);
    expect(status).toBe(200);
    expect(body.version).toBe(1);
  });
});

describe("a version whose model object is missing", () => {
  const MODEL = "missing-object";

  beforeAll(async () => {
    await putShippedVersion("spam", 1, MODEL);
    await env.MODELS.delete(`models/${MODEL}/1/model.onnx`);
    await putState({ name: MODEL, active: 1 });
  });

  it("answers 503 saying the object is missing", async () => {
    const { status, body } = await predict(`/v1/models/${MODEL}/predict`);
    expect(status).toBe(503);
    expect(body.detail).toContain("missing");
  });
});

describe("a version whose bytes match the manifest but are not a loadable model", () => {
  const MODEL = "not-onnx";

  beforeAll(async () => {
    const good = await putShippedVersion("spam", 1, MODEL);
    const garbage = new TextEncoder().encode("this is not an onnx protobuf at all");
    const sha256 = await sha256Hex(garbage.buffer as ArrayBuffer);
    await putVersion(
      { ...good, version: 2, model: { file: "model.onnx", sha256, bytes: garbage.length } },
      {
        "model.onnx": garbage,
      },
    );
    await putState({ name: MODEL, active: 2, previous: [1] });
  });

  it("answers 503 for that version only", async () => {
    const { status, body } = await predict(`/v1/models/${MODEL}/versions/2/predict`);
    expect(status).toBe(503);
    expect(body.detail).toContain("could not load");
  });

  it("falls back to the previous version when it is the active one", async () => {
    const { status, body } = await predict(`/v1/models/${MODEL}/predict`);
    expect(status).toBe(200);
    expect(body).toMatchObject({ version: 1, role: "fallback" });
  });
});

describe("a version whose manifest is not valid", () => {
  const MODEL = "bad-manifest";

  beforeAll(async () => {
    await putShippedVersion("spam", 1, MODEL);
    await env.MODELS.put(`models/${MODEL}/2/manifest.json`, '{"name": "bad-manifest", "version": 2');
    await putState({ name: MODEL, active: 1 });
  });

  it("answers 503 naming the manifest", async () => {
    const { status, body } = await predict(`/v1/models/${MODEL}/versions/2/predict`);
    expect(status).toBe(503);
    expect(body.detail).toContain("manifest");
  });

  it("is listed with its error beside the good version", async () => {
    const response = await (await import("./request.js")).call(`/v1/models/${MODEL}`);
    const body = (await response.json()) as { versions: Array<{ version: number; error?: string }> };
    expect(body.versions.map((v) => [v.version, v.error !== undefined])).toEqual([
      [1, false],
      [2, true],
    ]);
  });
});
