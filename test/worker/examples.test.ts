/** Raw input examples: kept only where the model's drift spec asks, read only with the admin token. */
import { describe, expect, it } from "vitest";
import { sampleIdHash } from "../../src/drift/window-format.js";
import { publishWithDrift } from "./drift-fixture.js";
import { fixtures } from "./fixtures.js";
import { queueFolded } from "./promotion-fixture.js";
import { call, postJson } from "./request.js";

const texts = fixtures.emails.map((mail) => mail.text);
const admin = { authorization: "Bearer test-admin-token" };

interface ExamplesBody {
  keep: number | null;
  examples: Array<{ id: string; text: string; label?: string }>;
}

/** Predicts each text in its own call, then waits until the real queue consumer has folded them all. */
async function predictAll(model: string, batch: readonly string[]): Promise<void> {
  for (const [i, text] of batch.entries()) {
    const response = await postJson(
      `/v1/models/${model}/predict`,
      { instances: [{ text }] },
      {
        "x-request-id": `${model}-${i}`,
      },
    );
    expect(response.status).toBe(200);
  }
  expect(await queueFolded(model, 1, batch.length)).toBe(batch.length);
}

async function examplesOf(model: string, query = "") {
  const response = await call(`/v1/admin/models/${model}/examples${query}`, { headers: admin });
  return { status: response.status, body: (await response.json()) as ExamplesBody };
}

describe("a model whose drift spec asks for examples", () => {
  const MODEL = "examples-kept";

  it("keeps the lowest-hash inputs of its window, each cut to maxChars, with the predicted label", async () => {
    await publishWithDrift(MODEL, texts, { keep: 3, maxChars: 40 });
    await predictAll(MODEL, texts.slice(0, 6));
    const { status, body } = await examplesOf(MODEL);
    expect(status).toBe(200);
    expect(body.keep).toBe(3);
    const lowest = [0, 1, 2, 3, 4, 5]
      .map((i) => ({ i, hash: sampleIdHash(`${MODEL}-${i}#0`) }))
      .sort((a, b) => a.hash - b.hash)
      .slice(0, 3);
    expect(body.examples.map(({ id, text }) => ({ id, text }))).toEqual(
      lowest.map(({ i }) => ({ id: `${MODEL}-${i}#0`, text: texts[i].slice(0, 40) })),
    );
    expect(body.examples.every((example) => example.label === "ham" || example.label === "spam")).toBe(true);
  });

  it("returns no more than the limit asked for", async () => {
    const { body } = await examplesOf(MODEL, "?limit=1");
    expect(body.examples).toHaveLength(1);
  });

  it("refuses the examples without the admin token", async () => {
    const response = await call(`/v1/admin/models/${MODEL}/examples`);
    expect(response.status).toBe(401);
  });
});

describe("a model whose drift spec does not ask for examples", () => {
  const MODEL = "examples-off";

  it("keeps no input text at all", async () => {
    await publishWithDrift(MODEL, texts);
    await predictAll(MODEL, texts.slice(0, 2));
    const { status, body } = await examplesOf(MODEL);
    expect(status).toBe(200);
    expect(body).toMatchObject({ keep: null, examples: [] });
  });
});
