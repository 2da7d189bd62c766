/**
 * The wordpiece-text kind inside workerd: the zoo's BERT-style encoder (PyTorch's export, ids, mask
 * and token types) published with its vocab.txt answers mails, accented text and a text pair, and
 * the same ids as tensors, each as onnxruntime-node did on the ids the shared tokenizer made in
 * Node; its drift samples fold with word-piece counts, unknown share and truncation; a text past the
 * model's position table, a vocabulary that does not match its manifest and over-long texts are
 * refused naming what is wrong.
 */
import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import type { Manifest } from "../../src/core/manifest.js";
import { fixtures, maxAbsDifference } from "./fixtures.js";
import { activeDriftFeatures, expectReferenceAnswer, type KindAnswer, publishKind } from "./kind-predict.js";
import { queueFolded } from "./promotion-fixture.js";
import { type ProblemBody, postJson } from "./request.js";

const encoder = fixtures.kinds.wordpiece;

describe("a wordpiece model answers texts as onnxruntime-node does on the same ids", () => {
  const MODEL = "zoo-encoder";
  beforeAll(() => publishKind(encoder, MODEL));

  it("tokenizes mails (one truncated to maxLength) and a text pair, padded to the longest", async () => {
    const response = await postJson(`/v1/models/${MODEL}/predict`, { instances: encoder.requests.mails });
    await expectReferenceAnswer(encoder, response, "mails");
  });

  it("strips accents and splits punctuation as BERT does", async () => {
    const response = await postJson(`/v1/models/${MODEL}/predict`, { instances: encoder.requests.accents });
    await expectReferenceAnswer(encoder, response, "accents");
  });

  it("takes the same ids, mask and token types as tensors, with the same outputs", async () => {
    const response = await postJson(`/v1/models/${MODEL}/predict`, { inputs: encoder.tensors.mails });
    expect(response.status).toBe(200);
    const answer = (await response.json()) as KindAnswer;
    for (const output of ["logits", "pooled_embedding"]) {
      const actual = answer.outputs?.[output].data ?? [];
      expect(maxAbsDifference(actual, encoder.reference.mails[output]), output).toBeLessThan(1e-4);
    }
  });
});

describe("a wordpiece model's drift samples", () => {
  const MODEL = "zoo-encoder-drift";
  beforeAll(() => publishKind(encoder, MODEL));

  it("fold with the word-piece count, unknown share and truncated flag", async () => {
    const response = await postJson(
      `/v1/models/${MODEL}/predict`,
      { instances: encoder.requests.mails },
      { "x-request-id": "encoder-drift-0" },
    );
    expect(response.status).toBe(200);
    const count = encoder.requests.mails.length;
    expect(await queueFolded(MODEL, 1, count)).toBe(count);
    const features = await activeDriftFeatures(MODEL);
    for (const name of ["wordpieces", "unknown_share", "truncated", "label"]) {
      expect(features[name], name).toMatchObject({ count });
    }
  });
});

describe("a wordpiece model refuses what it cannot read, naming it", () => {
  const MODEL = "zoo-encoder-bad";
  beforeAll(() => publishKind(encoder, MODEL));

  it("a text longer than the position table is 400 with onnxruntime's reason", async () => {
    const LONG = "zoo-encoder-long";
    const spec = encoder.manifest.input;
    await publishKind(encoder, LONG, { input: { ...spec, maxLength: 128 } as Manifest["input"] });
    const response = await postJson(`/v1/models/${LONG}/predict`, {
      instances: [{ text: "spam ".repeat(200) }],
    });
    expect(response.status).toBe(400);
    const body = (await response.json()) as ProblemBody;
    expect(body.errors?.[0].field).toBe("instances");
    expect(body.detail).toContain("the model refused this input");
  });

  it("a pair over MAX_TEXT_CHARS is 400 naming the pair", async () => {
    const response = await postJson(`/v1/models/${MODEL}/predict`, {
      instances: [{ text: "hello", pair: "x".repeat(50_001) }],
    });
    // 50 001 characters: over the tests' MAX_TEXT_CHARS, inside their 256 KiB body limit.
    expect(response.status).toBe(400);
    const body = (await response.json()) as ProblemBody;
    expect(body.errors?.[0].field).toBe("instances[0].pair");
  });

  it("a pair that is not a string is 400 naming it", async () => {
    const response = await postJson(`/v1/models/${MODEL}/predict`, { instances: [{ text: "a", pair: 7 }] });
    expect(response.status).toBe(400);
    expect(((await response.json()) as ProblemBody).errors?.[0].field).toBe("instances[0].pair");
  });

  it("a vocabulary that does not match its manifest is 503, never served", async () => {
    const TAMPERED = "zoo-encoder-tampered";
    await publishKind(encoder, TAMPERED);
    await env.MODELS.put(`models/${TAMPERED}/1/vocab.txt`, "[PAD]\n[UNK]\n[CLS]\n[SEP]\n");
    const response = await postJson(`/v1/models/${TAMPERED}/predict`, { instances: [{ text: "hello" }] });
    expect(response.status).toBe(503);
    expect(((await response.json()) as ProblemBody).detail).toContain(
      "vocab.txt does not match the manifest",
    );
  });
});
