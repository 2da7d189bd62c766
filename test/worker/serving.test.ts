import { beforeAll, describe, expect, it } from "vitest";
import { decode, fixtures, maxAbsDifference, putShippedVersion, putState, putVersion } from "./fixtures.js";
import { call, type ProblemBody, postJson } from "./request.js";

const spamReference = fixtures.reference["spam@1"].probabilities;
const texts = fixtures.emails.map((mail) => ({ text: mail.text }));

beforeAll(async () => {
  await putShippedVersion("spam", 1);
  await putState({ name: "spam", active: 1 });
});

describe("GET /healthz", () => {
  it("answers ok", async () => {
    const response = await call("/healthz");
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ status: "ok" });
  });
});

describe("GET /openapi.json", () => {
  it("documents every route as OpenAPI 3.1", async () => {
    const document = (await (await call("/openapi.json")).json()) as { openapi: string; paths: object };
    expect(document.openapi).toBe("3.1.0");
    expect(Object.keys(document.paths).sort()).toEqual([
      "/dashboard",
      "/dashboard/{file}",
      "/healthz",
      "/openapi.json",
      "/v1/admin/models",
      "/v1/admin/models/{name}",
      "/v1/admin/models/{name}/audit",
      "/v1/admin/models/{name}/candidate",
      "/v1/admin/models/{name}/examples",
      "/v1/admin/models/{name}/feedback-data",
      "/v1/admin/models/{name}/pin",
      "/v1/admin/models/{name}/policy",
      "/v1/admin/models/{name}/promote",
      "/v1/admin/models/{name}/rollback",
      "/v1/admin/models/{name}/sample-rate",
      "/v1/admin/models/{name}/unpin",
      "/v1/models",
      "/v1/models/{name}",
      "/v1/models/{name}/drift",
      "/v1/models/{name}/feedback",
      "/v1/models/{name}/history",
      "/v1/models/{name}/predict",
      "/v1/models/{name}/versions/{version}/predict",
    ]);
  });
});

describe("GET /v1/models", () => {
  it("lists the spam model with its active version", async () => {
    const body = (await (await call("/v1/models")).json()) as {
      models: Array<{ name: string; active: number }>;
    };
    expect(body.models).toContainEqual(expect.objectContaining({ name: "spam", active: 1 }));
  });

  it("describes one model's versions from their manifests", async () => {
    const body = (await (await call("/v1/models/spam")).json()) as {
      active: number;
      versions: Array<{ version: number; labels: string[]; input: string; task: string }>;
    };
    expect(body.active).toBe(1);
    expect(body.versions[0]).toMatchObject({
      version: 1,
      labels: ["ham", "spam"],
      input: "hashed-text",
      task: "classification",
    });
  });

  it("answers 404 for an unknown model", async () => {
    const response = await call("/v1/models/nope");
    expect(response.status).toBe(404);
    expect(response.headers.get("content-type")).toBe("application/problem+json");
  });
});

describe("POST /v1/models/{name}/predict with text", () => {
  it("returns a label, probabilities, the version and a request id", async () => {
    const response = await postJson("/v1/models/spam/predict", { instances: texts.slice(0, 1) });
    expect(response.status).toBe(200);
    const body = (await response.json()) as {
      model: string;
      version: number;
      role: string;
      requestId: string;
      predictions: Array<{ label: string; probabilities: Record<string, number> }>;
    };
    expect(body).toMatchObject({ model: "spam", version: 1, role: "active" });
    expect(body.requestId).toBe(response.headers.get("x-request-id"));
    expect(["ham", "spam"]).toContain(body.predictions[0].label);
    expect(body.predictions[0].probabilities.ham + body.predictions[0].probabilities.spam).toBeCloseTo(1, 5);
  });

  it("equals onnxruntime-node's probabilities on the same mails within 1e-5", async () => {
    const response = await postJson("/v1/models/spam/predict", { instances: texts });
    const body = (await response.json()) as { predictions: Array<{ probabilities: Record<string, number> }> };
    const workerValues = body.predictions.flatMap((p) => [p.probabilities.ham, p.probabilities.spam]);
    expect(workerValues).toHaveLength(spamReference.length);
    expect(maxAbsDifference(workerValues, spamReference)).toBeLessThan(1e-5);
  });

  it("keeps the caller's request id", async () => {
    const response = await postJson(
      "/v1/models/spam/predict",
      { instances: texts.slice(0, 1) },
      {
        "x-request-id": "caller-42",
      },
    );
    expect(((await response.json()) as { requestId: string }).requestId).toBe("caller-42");
  });

  it("answers from a pinned version", async () => {
    const response = await postJson("/v1/models/spam/versions/1/predict", { instances: texts.slice(0, 2) });
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ version: 1, role: "pinned" });
  });
});

describe("POST predict with raw tensors", () => {
  beforeAll(async () => {
    const bytes = decode(fixtures.tensorModel.bytes);
    await putVersion(
      {
        name: "tensor-demo",
        version: 1,
        createdAt: "2026-11-28T00:00:00.000Z",
        model: { file: "model.onnx", sha256: fixtures.tensorModel.sha256, bytes: bytes.length },
        assets: [],
        input: { kind: "tensors" },
        task: { kind: "raw" },
        inputs: [
          { name: "x", dtype: "float32", shape: ["batch", 3] },
          { name: "ids", dtype: "int64", shape: ["batch", 2] },
        ],
        outputs: [
          { name: "activated", dtype: "float32", shape: ["batch", 2] },
          { name: "total", dtype: "float32", shape: ["batch", 1] },
        ],
        metrics: {},
        training: {},
      },
      { "model.onnx": bytes },
    );
    await putState({ name: "tensor-demo", active: 1 });
  });

  it("runs any ONNX model and equals onnxruntime-node's outputs", async () => {
    const response = await postJson("/v1/models/tensor-demo/predict", {
      inputs: {
        x: { dims: [2, 3], data: fixtures.tensorInputs.x, dtype: "float32" },
        ids: { dims: [2, 2], data: fixtures.tensorInputs.ids },
      },
    });
    expect(response.status).toBe(200);
    const body = (await response.json()) as { outputs: Record<string, { dims: number[]; data: number[] }> };
    expect(body.outputs.activated.dims).toEqual([2, 2]);
    expect(body.outputs.total.dims).toEqual([2, 1]);
    for (const name of ["activated", "total"]) {
      expect(maxAbsDifference(body.outputs[name].data, fixtures.reference.tensor[name])).toBeLessThan(1e-5);
    }
  });

  it("answers 422, never a 200 with nulls, when the model's outputs overflow float32", async () => {
    // 2 * 3.4e38 in the MatMul is past float32's largest value: the outputs are Infinity.
    const response = await postJson("/v1/models/tensor-demo/predict", {
      inputs: {
        x: { dims: [1, 3], data: [0, 3.4e38, 0], dtype: "float32" },
        ids: { dims: [1, 2], data: [0, 0] },
      },
    });
    expect(response.status).toBe(422);
    const body = (await response.json()) as ProblemBody;
    expect(body.title).toBe("Model output not finite");
    expect(body.detail).toContain("tensor-demo@1");
  });

  it("takes tensors as base64 of their little-endian bytes, with the same outputs as arrays", async () => {
    const bytes = (
      values: ArrayLike<number | bigint>,
      Typed: Float32ArrayConstructor | BigInt64ArrayConstructor,
    ) => {
      const typed =
        Typed === BigInt64Array
          ? BigInt64Array.from(Array.from(values, (v) => BigInt(v)))
          : Float32Array.from(Array.from(values, Number));
      return btoa(String.fromCharCode(...new Uint8Array(typed.buffer)));
    };
    const response = await postJson("/v1/models/tensor-demo/predict", {
      inputs: {
        x: { dims: [2, 3], dtype: "float32", b64: bytes(fixtures.tensorInputs.x, Float32Array) },
        ids: { dims: [2, 2], dtype: "int64", b64: bytes(fixtures.tensorInputs.ids, BigInt64Array) },
      },
    });
    expect(response.status).toBe(200);
    const body = (await response.json()) as { outputs: Record<string, { dims: number[]; data: number[] }> };
    for (const name of ["activated", "total"]) {
      expect(maxAbsDifference(body.outputs[name].data, fixtures.reference.tensor[name])).toBeLessThan(1e-5);
    }
  });

  it("answers 400 naming the input whose batch disagrees with the others', before the model runs", async () => {
    const response = await postJson("/v1/models/tensor-demo/predict", {
      inputs: {
        x: { dims: [2, 3], data: fixtures.tensorInputs.x },
        ids: { dims: [1, 2], data: fixtures.tensorInputs.ids.slice(0, 2) },
      },
    });
    expect(response.status).toBe(400);
    const problem = (await response.json()) as { errors: Array<{ field: string; message: string }> };
    expect(problem.errors).toEqual([
      { field: "inputs.ids.dims[0]", message: "1, but inputs.x has 2 on the axis they share (batch)" },
    ]);
  });

  it("accepts tensors for a text model too, and labels them", async () => {
    const features = new Array(4096).fill(0);
    const response = await postJson("/v1/models/spam/predict", {
      inputs: { features: { dims: [1, 4096], data: features } },
    });
    expect(response.status).toBe(200);
    const body = (await response.json()) as { predictions: unknown[]; outputs: Record<string, unknown> };
    expect(body.predictions).toHaveLength(1);
    expect(Object.keys(body.outputs)).toEqual(["probabilities"]);
  });
});
