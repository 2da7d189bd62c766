import { describe, expect, it } from "vitest";
import { InvalidInputError } from "../../src/core/errors.js";
import { tensorBatch } from "../../src/core/kinds/tensors/features.js";
import { TensorInput } from "../../src/core/kinds/tensors/schema.js";
import type { TensorSpec } from "../../src/core/tensor.js";

const limits = { maxBatch: 8, maxTextChars: 1000, maxImagePixels: 0 };
const specs: TensorSpec[] = [
  { name: "x", dtype: "float32", shape: ["batch", 2] },
  { name: "ids", dtype: "int64", shape: ["batch", 2] },
];
const base64Of = (bytes: ArrayBufferLike) => Buffer.from(new Uint8Array(bytes)).toString("base64");

function fieldOf(run: () => unknown): string | undefined {
  try {
    run();
  } catch (error) {
    if (error instanceof InvalidInputError) return error.errors[0]?.field;
    throw error;
  }
  return undefined;
}

describe("tensors sent as base64 bytes", () => {
  const x = Float32Array.from([1.5, -2, 0.25, 1e-3]);
  const ids = BigInt64Array.from([7n, -1n, 0n, 9007199254740991n]);

  it("decode to the same elements as their JSON arrays, little-endian", () => {
    const batch = tensorBatch(
      specs,
      {
        x: { dims: [2, 2], dtype: "float32", b64: base64Of(x.buffer) },
        ids: { dims: [2, 2], dtype: "int64", b64: base64Of(ids.buffer) },
      },
      limits,
    );
    expect(Array.from(batch.feeds.x.data as Float32Array)).toEqual(Array.from(x));
    expect(Array.from(batch.feeds.ids.data as BigInt64Array)).toEqual(Array.from(ids));
    expect(batch.size).toBe(2);
  });

  it("refuse a byte count that does not match the dims, naming the field", () => {
    const short = { dims: [2, 2], dtype: "float32" as const, b64: base64Of(x.buffer.slice(0, 12)) };
    const ok = { dims: [2, 2], data: [1, 2, 3, 4] };
    expect(fieldOf(() => tensorBatch(specs, { x: short, ids: ok }, limits))).toBe("inputs.x.b64");
  });

  it("refuse NaN hidden in the bytes", () => {
    const bad = Float32Array.from([1, Number.NaN, 3, 4]);
    const inputs = {
      x: { dims: [2, 2], dtype: "float32" as const, b64: base64Of(bad.buffer) },
      ids: { dims: [2, 2], data: [1, 2, 3, 4] },
    };
    expect(fieldOf(() => tensorBatch(specs, inputs, limits))).toBe("inputs.x.b64[1]");
  });

  it("refuse text that is not base64", () => {
    const inputs = {
      x: { dims: [2, 2], dtype: "float32" as const, b64: "not base64!" },
      ids: { dims: [2, 2], data: [1, 2, 3, 4] },
    };
    expect(fieldOf(() => tensorBatch(specs, inputs, limits))).toBe("inputs.x.b64");
  });

  it("must name their dtype", () => {
    const parsed = TensorInput.safeParse({ dims: [1], b64: "AAAAAA==" });
    expect(parsed.success).toBe(false);
    expect(parsed.error?.issues[0].path).toEqual(["dtype"]);
  });

  it("cannot also carry a data array", () => {
    const parsed = TensorInput.safeParse({ dims: [1], dtype: "float32", b64: "AAAAAA==", data: [0] });
    expect(parsed.error?.issues[0].path).toEqual(["data"]);
  });
});

describe("tensors sent as JSON arrays", () => {
  it("refuse a float32 value that overflows float32", () => {
    const inputs = { x: { dims: [1, 2], data: [1e39, 0] }, ids: { dims: [1, 2], data: [1, 2] } };
    expect(fieldOf(() => tensorBatch(specs, inputs, limits))).toBe("inputs.x.data[0]");
  });

  it("refuse an int64 that is not an integer", () => {
    const inputs = { x: { dims: [1, 2], data: [1, 0] }, ids: { dims: [1, 2], data: [1, 2.5] } };
    expect(fieldOf(() => tensorBatch(specs, inputs, limits))).toBe("inputs.ids.data[1]");
  });
});

/** Checks the tensors kind makes before the model runs, so the caller hears which input is wrong. */
describe("tensors checked against each other and against the graph's bounds", () => {
  const bounded: TensorSpec[] = [
    {
      name: "user_id",
      dtype: "int64",
      shape: ["batch"],
      bounds: { values: { min: 0, max: 999, reason: "it indexes the 1000 rows of users" } },
    },
    {
      name: "tokens",
      dtype: "int32",
      shape: ["batch", "sequence"],
      bounds: { axes: [{ axis: 1, max: 4, reason: "a position table of 4 rows" }] },
    },
    { name: "mask", dtype: "int32", shape: ["batch", "sequence"] },
  ];
  const request = (overrides: Record<string, TensorInput>) =>
    tensorBatch(
      bounded,
      {
        user_id: { dims: [2], data: [17, 999] },
        tokens: { dims: [2, 3], data: [1, 2, 3, 4, 5, 6] },
        mask: { dims: [2, 3], data: [1, 1, 1, 1, 1, 0] },
        ...overrides,
      },
      limits,
    );

  it("takes ids up to the table's last row and a sequence up to the bound", () => {
    const batch = request({
      tokens: { dims: [2, 4], data: [1, 2, 3, 4, 5, 6, 7, 8] },
      mask: { dims: [2, 4], data: [1, 1, 1, 1, 1, 1, 1, 1] },
    });
    expect(batch.size).toBe(2);
  });

  it("refuses an id past the table, naming the element", () => {
    expect(() => request({ user_id: { dims: [2], data: [17, 1000] } })).toThrow(
      "inputs.user_id.data[1]: 1000 is outside 0..999: it indexes the 1000 rows of users",
    );
  });

  it("refuses a negative id sent as base64, naming the element", () => {
    const b64 = base64Of(BigInt64Array.from([-1n, 3n]).buffer);
    expect(fieldOf(() => request({ user_id: { dims: [2], dtype: "int64", b64 } }))).toBe(
      "inputs.user_id.b64[0]",
    );
  });

  it("refuses a sequence past its bound, naming the axis", () => {
    const five = { dims: [1, 5], data: [1, 1, 1, 1, 1] };
    expect(() => request({ user_id: { dims: [1], data: [3] }, tokens: five, mask: five })).toThrow(
      "inputs.tokens.dims[1]: 5 is more than the model takes (4): a position table of 4 rows",
    );
  });

  it("refuses inputs that disagree on an axis they share, naming the later one", () => {
    expect(() => request({ mask: { dims: [2, 2], data: [1, 1, 1, 1] } })).toThrow(
      "inputs.mask.dims[1]: 2, but inputs.tokens has 3 on the axis they share (sequence)",
    );
    expect(fieldOf(() => request({ user_id: { dims: [3], data: [1, 2, 3] } }))).toBe("inputs.tokens.dims[0]");
  });
});
