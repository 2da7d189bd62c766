/**
 * Requests as the toolchain reads them from files (a `--sample`, a reference or evaluation JSONL):
 * the same bodies the Worker takes, turned into feeds by the same kind featurizers and tensor
 * checks, so what the toolchain measures is what the Worker will compute.
 */
import { extname } from "node:path";
import { z } from "zod";
import { InvalidInputError, UnprocessableError } from "../core/errors.js";
import { featurizeInstances } from "../core/kinds/instances.js";
import type { Assets, FeatureBatch, InputLimits } from "../core/kinds/kind.js";
import { type InputSpec, kindOf } from "../core/kinds/registry.js";
import { tensorBatch } from "../core/kinds/tensors/features.js";
import { TensorInput } from "../core/kinds/tensors/schema.js";
import type { HostTensor, TensorData, TensorSpec } from "../core/tensor.js";
import { matchesWhere } from "./dataset/index.js";
import { readTable } from "./dataset/read.js";
import { readInputFile } from "./files.js";

/** The toolchain reads its own files: batches and texts as large as a file holds. */
export const TOOLCHAIN_LIMITS: InputLimits = {
  maxBatch: 100_000,
  maxTextChars: 100_000_000,
  maxImagePixels: 100_000_000,
};

export interface ModelInterface {
  inputs: readonly TensorSpec[];
  input: InputSpec;
}

export interface RequestBody {
  inputs?: Record<string, TensorInput>;
  instances?: unknown[];
}

/** Turns request bodies into feature batches for one model, its kind bound to its asset files. */
export interface BatchBuilder {
  build(body: RequestBody): FeatureBatch;
}

export function batchBuilder(model: ModelInterface, assets: Assets): BatchBuilder {
  const codec = kindOf(model.input).instances;
  const featurizer = codec?.compile(model.input, assets, model.inputs);
  return {
    build(body) {
      if (body.inputs) return tensorBatch(model.inputs, body.inputs, TOOLCHAIN_LIMITS);
      if (!body.instances) throw InvalidInputError.field("instances", 'send "instances" or "inputs"');
      if (!codec || !featurizer) {
        throw InvalidInputError.field("instances", `a ${model.input.kind} model takes "inputs" (tensors)`);
      }
      return featurizeInstances(featurizer, codec.schema, body.instances, TOOLCHAIN_LIMITS);
    },
  };
}

const Label = z.union([z.string(), z.number(), z.array(z.number())]);
export type Label = z.infer<typeof Label>;

/** One line of a reference or labelled JSONL file. */
export interface RequestLine {
  line: number;
  body: RequestBody;
  /** One label per instance, when the line carries them. */
  labels?: Label[];
}

const TensorsLine = z
  .object({
    inputs: z.record(z.string(), TensorInput),
    label: Label.optional(),
    labels: z.array(Label).optional(),
  })
  .strict();
const InstancesLine = z
  .object({ instances: z.array(z.unknown()).min(1), labels: z.array(Label).optional() })
  .strict();

function fieldErrors(error: z.ZodError, prefix: string): InvalidInputError {
  return new InvalidInputError(
    error.issues.map((issue) => ({
      field: `${prefix}${issue.path.map((part) => (typeof part === "number" ? `[${part}]` : `.${String(part)}`)).join("")}`,
      message: issue.message,
    })),
  );
}

/**
 * A line is a tensors body (`{"inputs": ...}`, with `label` for one instance or `labels`), an
 * instances body (`{"instances": [...]}`, with `labels`), or one instance with its `label` beside it.
 */
export function parseRequestLine(raw: unknown, line: number, where: string): RequestLine {
  const prefix = `${where}:${line}`;
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) {
    throw InvalidInputError.field(prefix, "each line must be a JSON object");
  }
  if ("inputs" in raw) {
    const parsed = TensorsLine.safeParse(raw);
    if (!parsed.success) throw fieldErrors(parsed.error, `${prefix} `);
    const { inputs, label, labels } = parsed.data;
    return { line, body: { inputs }, labels: labels ?? (label === undefined ? undefined : [label]) };
  }
  if ("instances" in raw) {
    const parsed = InstancesLine.safeParse(raw);
    if (!parsed.success) throw fieldErrors(parsed.error, `${prefix} `);
    return { line, body: { instances: parsed.data.instances }, labels: parsed.data.labels };
  }
  const { label, ...instance } = raw as { label?: unknown };
  if (label === undefined) return { line, body: { instances: [instance] } };
  const parsed = Label.safeParse(label);
  if (!parsed.success) throw fieldErrors(parsed.error, `${prefix} label`);
  return { line, body: { instances: [instance] }, labels: [parsed.data] };
}

function parseWhole(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** Requests from a JSONL file (or one JSON request), each line checked and named by its number. */
export async function readRequestLines(path: string, what: string): Promise<RequestLine[]> {
  const text = new TextDecoder().decode(await readInputFile(path, what));
  // A file holding one JSON request (a pretty-printed sample.json) is one line.
  const whole = parseWhole(text);
  if (whole !== undefined) return [parseRequestLine(whole, 1, path)];
  const lines: RequestLine[] = [];
  text.split("\n").forEach((content, i) => {
    if (content.trim() === "") return;
    let raw: unknown;
    try {
      raw = JSON.parse(content);
    } catch (error) {
      throw InvalidInputError.field(`${path}:${i + 1}`, `not valid JSON: ${(error as Error).message}`);
    }
    lines.push(parseRequestLine(raw, i + 1, path));
  });
  if (lines.length === 0) throw InvalidInputError.field(path, `the ${what} holds no lines`);
  return lines;
}

/**
 * A reference file: a CSV dataset, each row an instance through the input kind's row reader (the
 * columns the model takes, typed as it takes them; only the rows `where` selects), or a JSONL of
 * requests (readRequestLines).
 */
export async function readReferenceLines(
  path: string,
  model: ModelInterface,
  where?: Readonly<Record<string, string>>,
): Promise<RequestLine[]> {
  if (extname(path).toLowerCase() !== ".csv") {
    if (where) throw InvalidInputError.field("where", "selects rows of a CSV reference, not of requests");
    return readRequestLines(path, "reference");
  }
  const codec = kindOf(model.input).instances;
  const fromRow = codec?.fromRow;
  if (!fromRow) {
    throw new UnprocessableError(`a ${model.input.kind} model takes no table rows: give a JSONL of requests`);
  }
  const table = await readTable(path);
  for (const column of Object.keys(where ?? {})) {
    if (!table.columns.includes(column))
      throw InvalidInputError.field("where", `${path} has no column ${column}`);
  }
  const rows = table.rows.filter((row) => matchesWhere(row, where));
  if (rows.length === 0) throw InvalidInputError.field("where", `no row of ${path} matches`);
  return rows.map((row) => ({
    line: row.line,
    body: { instances: [fromRow(model.input, row.cells)] },
  }));
}

/** Builds a line's batch, naming the line in any error the kind or tensor checks raise. */
export function buildLine(builder: BatchBuilder, line: RequestLine, where: string): FeatureBatch {
  try {
    const batch = builder.build(line.body);
    if (line.labels && line.labels.length !== batch.size) {
      throw InvalidInputError.field("labels", `${line.labels.length} labels for ${batch.size} instances`);
    }
    return batch;
  } catch (error) {
    if (!(error instanceof InvalidInputError)) throw error;
    throw new InvalidInputError(
      error.errors.map((e) => ({ field: `${where}:${line.line} ${e.field}`, message: e.message })),
    );
  }
}

/** Sizes a sample gives symbolic dims: the first axis (the batch) 2, any other 8. */
const BATCH_SAMPLE = 2;
const OTHER_SAMPLE = 8;

function sampleData(spec: TensorSpec, count: number): TensorData {
  switch (spec.dtype) {
    case "float32":
      // A smooth, deterministic spread over [-1, 1]: no zeros, no repeats, nothing to overflow.
      return Float32Array.from({ length: count }, (_, i) => Math.sin(0.7 * i + 0.3));
    case "int64":
      // Zero indexes every table and means "token 0" or "first segment": valid for any vocabulary.
      return new BigInt64Array(count);
    case "int32":
      return new Int32Array(count);
    case "int8":
      return new Int8Array(count);
    case "uint8":
      return Uint8Array.from({ length: count }, (_, i) => (i * 37) % 256);
    case "bool":
      return new Uint8Array(count);
  }
}

/** A sample input from the declared shapes alone (symbolic dims given one size per name). */
export function sampleFeeds(specs: readonly TensorSpec[]): Record<string, HostTensor> {
  const sizes = new Map<string, number>();
  const feeds: Record<string, HostTensor> = {};
  for (const spec of specs) {
    const dims = spec.shape.map((dim, axis) => {
      if (typeof dim === "number") return dim;
      if (!sizes.has(dim)) sizes.set(dim, axis === 0 ? BATCH_SAMPLE : OTHER_SAMPLE);
      return sizes.get(dim) as number;
    });
    const count = dims.reduce((a, b) => a * b, 1);
    feeds[spec.name] = { dtype: spec.dtype, dims, data: sampleData(spec, count) };
  }
  return feeds;
}
