import { beforeAll, describe, expect, it } from "vitest";
import { fixtures, putShippedVersion, putState } from "./fixtures.js";
import { call, type ProblemBody, postJson } from "./request.js";

const MODEL = "bad-input-spam";
const PREDICT = `/v1/models/${MODEL}/predict`;
const BUCKETS = 4096;
const text = fixtures.emails[0].text;

beforeAll(async () => {
  await putShippedVersion("spam", 1, MODEL);
  await putState({ name: MODEL, active: 1 });
});

async function expectProblem(response: Response, status: number, field?: string): Promise<ProblemBody> {
  expect(response.status).toBe(status);
  expect(response.headers.get("content-type")).toBe("application/problem+json");
  const body = (await response.json()) as ProblemBody;
  expect(body.status).toBe(status);
  if (field) expect(body.errors?.map((e) => e.field)).toContain(field);
  return body;
}

function features(rows: number, fill = 0): number[] {
  return new Array(rows * BUCKETS).fill(fill);
}

describe("predict refuses bad input with a 4xx problem naming the field", () => {
  it("malformed JSON is 400", async () => {
    const body = await expectProblem(await postJson(PREDICT, '{"instances": [{"text": "hi"}'), 400);
    expect(body.detail).toMatch(/JSON/);
  });

  it("a body that is not JSON is 415", async () => {
    const response = await call(PREDICT, {
      method: "POST",
      headers: { "content-type": "text/plain" },
      body: text,
    });
    const body = await expectProblem(response, 415);
    expect(body.detail).toContain("text/plain");
  });

  it("a body over MAX_BODY_BYTES is 413", async () => {
    const response = await postJson(PREDICT, { instances: [{ text: "x".repeat(300_000) }] });
    await expectProblem(response, 413);
  });

  it("an unknown model is 404", async () => {
    const body = await expectProblem(
      await postJson("/v1/models/no-such-model/predict", { instances: [{ text }] }),
      404,
    );
    expect(body.detail).toContain("no-such-model");
  });

  it("an unknown version is 404", async () => {
    const body = await expectProblem(
      await postJson(`/v1/models/${MODEL}/versions/99/predict`, { instances: [{ text }] }),
      404,
    );
    expect(body.detail).toContain("99");
  });

  it("a body with neither instances nor inputs is 400", async () => {
    await expectProblem(await postJson(PREDICT, {}), 400);
  });

  it("an instance without text is 400 naming it", async () => {
    await expectProblem(await postJson(PREDICT, { instances: [{ txt: "hi" }] }), 400, "instances[0].text");
  });

  it("a missing tensor input is 400", async () => {
    await expectProblem(await postJson(PREDICT, { inputs: {} }), 400, "inputs.features");
  });

  it("an input the model does not have is 400", async () => {
    const inputs = { features: { dims: [1, BUCKETS], data: features(1) }, extra: { dims: [1], data: [1] } };
    await expectProblem(await postJson(PREDICT, { inputs }), 400, "inputs.extra");
  });

  it("wrong dims are 400", async () => {
    const inputs = { features: { dims: [1, 100], data: new Array(100).fill(0) } };
    await expectProblem(await postJson(PREDICT, { inputs }), 400, "inputs.features.dims[1]");
  });

  it("the wrong number of dimensions is 400", async () => {
    const inputs = { features: { dims: [BUCKETS], data: features(1) } };
    await expectProblem(await postJson(PREDICT, { inputs }), 400, "inputs.features.dims");
  });

  it("an element count that does not match the dims is 400", async () => {
    const inputs = { features: { dims: [2, BUCKETS], data: features(1) } };
    await expectProblem(await postJson(PREDICT, { inputs }), 400, "inputs.features.data");
  });

  it("a declared dtype that differs from the manifest is 400", async () => {
    const inputs = { features: { dims: [1, BUCKETS], data: features(1), dtype: "int64" } };
    await expectProblem(await postJson(PREDICT, { inputs }), 400, "inputs.features.dtype");
  });

  it("booleans for a float32 input are 400", async () => {
    const data: Array<number | boolean> = features(1);
    data[7] = true;
    await expectProblem(
      await postJson(PREDICT, { inputs: { features: { dims: [1, BUCKETS], data } } }),
      400,
      "inputs.features.data[7]",
    );
  });

  it("infinity where the model takes floats is 400", async () => {
    const body = JSON.stringify({ inputs: { features: { dims: [1, BUCKETS], data: features(1) } } }).replace(
      "[0,",
      "[1e999,",
    );
    await expectProblem(await postJson(PREDICT, body), 400, "inputs.features.data[0]");
  });

  it("NaN written as a string is 400", async () => {
    const data: unknown[] = features(1);
    data[3] = "NaN";
    await expectProblem(await postJson(PREDICT, { inputs: { features: { dims: [1, BUCKETS], data } } }), 400);
  });

  it("an empty batch of instances is 400", async () => {
    await expectProblem(await postJson(PREDICT, { instances: [] }), 400, "instances");
  });

  it("an empty tensor batch is 400", async () => {
    await expectProblem(
      await postJson(PREDICT, { inputs: { features: { dims: [0, BUCKETS], data: [] } } }),
      400,
      "inputs.features.dims[0]",
    );
  });

  it("a batch over MAX_BATCH is 400", async () => {
    const body = await expectProblem(
      await postJson(PREDICT, { instances: new Array(9).fill({ text: "hi" }) }),
      400,
      "instances",
    );
    expect(body.detail).toContain("limit is 8");
  });

  it("a text over MAX_TEXT_CHARS is 400 naming the instance", async () => {
    const instances = [{ text: "short" }, { text: "y".repeat(50_001) }];
    await expectProblem(await postJson(PREDICT, { instances }), 400, "instances[1].text");
  });

  it("a version that is not a positive integer is 400", async () => {
    await expectProblem(
      await postJson(`/v1/models/${MODEL}/versions/first/predict`, { instances: [{ text }] }),
      400,
      "version",
    );
  });

  it("an unknown route is a 404 problem", async () => {
    await expectProblem(await call("/v2/anything"), 404);
  });
});
