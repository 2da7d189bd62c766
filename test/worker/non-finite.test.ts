/**
 * Non-finite values never become an answer: an input the dtype cannot hold is refused, and outputs
 * that are NaN or infinite give a problem instead of a confident label.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { putShippedVersion, putState } from "./fixtures.js";
import { jsonRequest, settled } from "./promotion-fixture.js";
import type { ProblemBody } from "./request.js";

const MODEL = "non-finite";
const BUCKETS = 4096;

async function predictTensor(values: number[]) {
  const response = await settled(
    jsonRequest("POST", `/v1/models/${MODEL}/predict`, {
      inputs: { features: { dims: [1, BUCKETS], dtype: "float32", data: values } },
    }),
  );
  return {
    status: response.status,
    body: (await response.json()) as ProblemBody & { predictions?: unknown },
  };
}

beforeAll(async () => {
  await putShippedVersion("spam", 1, MODEL);
  await putState({ name: MODEL, active: 1 });
});

describe("non-finite values", () => {
  it("refuses an input that overflows float32 (1e39) with 400 naming the value", async () => {
    const { status, body } = await predictTensor([1e39, ...new Array(BUCKETS - 1).fill(0)]);
    expect(status).toBe(400);
    expect(body.errors?.[0].field).toBe("inputs.features.data[0]");
  });

  it("answers finite inputs whose outputs are not finite with 422 and no label", async () => {
    // Each value is a float32, but the model's weighted sum of 4096 of them overflows.
    const { status, body } = await predictTensor(new Array(BUCKETS).fill(3e38));
    expect(status).toBe(422);
    expect(body).toMatchObject({ title: "Model output not finite" });
    expect(body.predictions).toBeUndefined();
  });
});
