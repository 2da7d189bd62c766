/**
 * Every fixture of the model zoo, imported and published by the toolchain, served inside workerd:
 * its sample answered through both tensor forms with onnxruntime-node's outputs, its drift samples
 * folded with every feature measured, and inputs the model cannot take refused naming the input.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { decode, fixtures, maxAbsDifference, putState, putVersion, type ZooVersion } from "./fixtures.js";
import { jsonRequest, queueFolded, settled } from "./promotion-fixture.js";
import { call, type ProblemBody, postJson } from "./request.js";

const ZOO = Object.keys(fixtures.zoo);

interface TensorAnswer {
  outputs: Record<string, { dims: number[]; data: number[] }>;
  predictions?: unknown[];
}

async function publish(zoo: ZooVersion, name: string): Promise<void> {
  const files = Object.fromEntries(
    Object.entries(zoo.files).map(([file, content]) => [file, decode(content)]),
  );
  await putVersion({ ...zoo.manifest, name }, files);
  await putState({ name, active: 1 });
}

/** The sample with each tensor as base64 of its little-endian bytes. */
function base64Inputs(zoo: ZooVersion) {
  return Object.fromEntries(
    Object.entries(zoo.sample).map(([name, t]) => {
      const typed =
        t.dtype === "int64" ? BigInt64Array.from(t.data, (v) => BigInt(v)) : Float32Array.from(t.data);
      const bytes = new Uint8Array(typed.buffer);
      return [name, { dims: t.dims, dtype: t.dtype, b64: btoa(String.fromCharCode(...bytes)) }];
    }),
  );
}

function expectReference(answer: TensorAnswer, zoo: ZooVersion): void {
  expect(Object.keys(answer.outputs).sort()).toEqual(Object.keys(zoo.reference).sort());
  for (const [output, expected] of Object.entries(zoo.reference)) {
    expect(answer.outputs[output].dims).toEqual(expected.dims);
    expect(maxAbsDifference(answer.outputs[output].data, expected.data)).toBeLessThanOrEqual(1e-4);
  }
}

describe.each(ZOO)("the %s fixture, imported and published", (fixture) => {
  const zoo = fixtures.zoo[fixture];
  const model = `zoo-${fixture}`;
  const instances = Object.values(zoo.sample)[0].dims[0];

  beforeAll(async () => {
    await publish(zoo, model);
  });

  it("answers tensors sent as JSON arrays with onnxruntime-node's outputs within 1e-4", async () => {
    const response = await postJson(`/v1/models/${model}/predict`, { inputs: zoo.sample });
    expect(response.status).toBe(200);
    const answer = (await response.json()) as TensorAnswer;
    expectReference(answer, zoo);
    if (zoo.manifest.task.kind !== "raw") expect(answer.predictions).toHaveLength(instances);
  });

  it("answers the same tensors sent as base64 bytes", async () => {
    const response = await postJson(`/v1/models/${model}/predict`, { inputs: base64Inputs(zoo) });
    expect(response.status).toBe(200);
    expectReference((await response.json()) as TensorAnswer, zoo);
  });

  it("folds its predictions' drift samples with every drift feature of its manifest measured", async () => {
    const name = `${model}-drift`;
    await publish(zoo, name);
    const response = await settled(
      jsonRequest(
        "POST",
        `/v1/models/${name}/predict`,
        { inputs: zoo.sample },
        { "x-request-id": `${name}-1` },
      ),
    );
    expect(response.status).toBe(200);
    expect(await queueFolded(name, 1, instances)).toBe(instances);
    const drift = (await (await call(`/v1/models/${name}/drift?window=1h`)).json()) as {
      versions: Array<{
        byRole: Record<string, { features: Record<string, { count: number; referenceCount: number }> }>;
      }>;
    };
    const features = drift.versions[0].byRole.active.features;
    const declared = zoo.manifest.drift?.features.map((feature) => feature.name) ?? [];
    expect(declared.length).toBeGreaterThan(0);
    expect(Object.keys(features).sort()).toEqual([...declared].sort());
    for (const name of declared)
      expect(features[name]).toMatchObject({ count: instances, referenceCount: instances });
  });
});

/** Fixtures with an input whose non-batch axis the graph fixes, with that input and axis. */
const FIXED_AXES = ZOO.flatMap((fixture) => {
  const input = fixtures.zoo[fixture].manifest.inputs.find((spec) =>
    spec.shape.some((dim, axis) => axis > 0 && typeof dim === "number"),
  );
  if (!input) return [];
  return [
    { fixture, input: input.name, axis: input.shape.findIndex((dim, i) => i > 0 && typeof dim === "number") },
  ];
});

describe.each(FIXED_AXES)("the $fixture fixture's $input", ({ fixture, input, axis }) => {
  const zoo = fixtures.zoo[fixture];
  const model = `zoo-${fixture}-dims`;

  beforeAll(async () => {
    await publish(zoo, model);
  });

  it("is refused with a dimension the graph fixes otherwise, naming the axis", async () => {
    const tensor = zoo.sample[input];
    const dims = tensor.dims.map((d, i) => (i === axis ? d + 1 : d));
    const count = dims.reduce((a, b) => a * b, 1);
    const response = await postJson(`/v1/models/${model}/predict`, {
      inputs: { ...zoo.sample, [input]: { ...tensor, dims, data: new Array(count).fill(0) } },
    });
    expect(response.status).toBe(400);
    const problem = (await response.json()) as ProblemBody;
    expect(problem.errors?.[0].field).toBe(`inputs.${input}.dims[${axis}]`);
  });
});

/**
 * Inputs onnxruntime would refuse at a graph node (a Concat or Add whose shapes disagree, a Gather
 * past its table, a position table too short): vane import records the bounds the graph sets in the
 * manifest, so the request is refused before the run, naming the input and the element or axis.
 */
describe("inputs the graph cannot take are answered 400 naming the input, before the model runs", () => {
  beforeAll(async () => {
    await publish(fixtures.zoo.encoder, "zoo-encoder-bad");
    await publish(fixtures.zoo.multi, "zoo-multi-bad");
  });

  async function refusal(model: string, inputs: unknown): Promise<{ field: string; message: string }> {
    const response = await postJson(`/v1/models/${model}/predict`, { inputs });
    expect(response.status).toBe(400);
    const problem = (await response.json()) as ProblemBody;
    expect(problem.errors).toHaveLength(1);
    return problem.errors?.[0] ?? { field: "", message: "" };
  }

  it("inputs whose shared dims disagree (a mask shorter than its ids)", async () => {
    const error = await refusal("zoo-encoder-bad", {
      input_ids: { dims: [1, 6], dtype: "int64", data: [2, 10, 11, 12, 13, 3] },
      token_type_ids: { dims: [1, 6], dtype: "int64", data: [0, 0, 0, 0, 0, 0] },
      attention_mask: { dims: [1, 5], dtype: "int64", data: [1, 1, 1, 1, 1] },
    });
    expect(error).toEqual({
      field: "inputs.attention_mask.dims[1]",
      message: "5, but inputs.input_ids has 6 on the axis they share (sequence)",
    });
  });

  it("a sequence longer than the encoder's position table (64)", async () => {
    const ones = { dims: [1, 65], dtype: "int64", data: new Array(65).fill(1) };
    const error = await refusal("zoo-encoder-bad", {
      input_ids: ones,
      attention_mask: ones,
      token_type_ids: { ...ones, data: new Array(65).fill(0) },
    });
    expect(error).toEqual({
      field: "inputs.input_ids.dims[1]",
      message:
        '65 is more than the model takes (64): Slice "node_slice_1" cuts position_ids, 64 long, to this length (axis sequence, shared with token_type_ids)',
    });
  });

  it("an index outside an embedding table (user 1000 of 1000)", async () => {
    const sample = fixtures.zoo.multi.sample;
    const error = await refusal("zoo-multi-bad", {
      ...sample,
      user_id: { ...sample.user_id, data: new Array(sample.user_id.dims[0]).fill(1000) },
    });
    expect(error).toEqual({
      field: "inputs.user_id.data[0]",
      message:
        '1000 is outside 0..999: it indexes the 1000 rows of user_embeddings.weight (Gather "/user_embeddings/Gather")',
    });
  });

  it("a token type the encoder's table has no row for, sent as base64 bytes", async () => {
    const b64 = (values: number[]) =>
      btoa(String.fromCharCode(...new Uint8Array(BigInt64Array.from(values.map(BigInt)).buffer)));
    const error = await refusal("zoo-encoder-bad", {
      input_ids: { dims: [1, 4], dtype: "int64", b64: b64([2, 10, 11, 3]) },
      attention_mask: { dims: [1, 4], dtype: "int64", b64: b64([1, 1, 1, 1]) },
      token_type_ids: { dims: [1, 4], dtype: "int64", b64: b64([0, 0, 2, 0]) },
    });
    expect(error).toEqual({
      field: "inputs.token_type_ids.b64[2]",
      message:
        '2 is outside 0..1: it indexes the 2 rows of token_type_embeddings.weight (Gather "node_embedding_2")',
    });
  });
});
