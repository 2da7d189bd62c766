/**
 * External data (PyTorch 2.x's default export): tensors whose bytes live in a file beside the .onnx,
 * named by `location`/`offset`/`length` entries. Inlining them makes a model one self-contained file,
 * which is what every later step (quantize, prune, publish, the Worker) reads.
 */
import { readFile } from "node:fs/promises";
import { isAbsolute, relative, resolve } from "node:path";
import { subgraphsOf } from "./graph.js";
import {
  DataType,
  type GraphProto,
  type ModelProto,
  OnnxFormatError,
  onnx,
  type TensorProto,
} from "./model.js";

/** An external data reference that cannot be resolved: a missing file, a range past its end, a path outside the model's folder. */
export class ExternalDataError extends OnnxFormatError {}

/** Bytes per element for fixed-size types; 4-bit types (21, 22) are packed two per byte. */
const ELEMENT_BYTES: Record<number, number> = {
  [DataType.FLOAT]: 4,
  [DataType.UINT8]: 1,
  [DataType.INT8]: 1,
  [DataType.UINT16]: 2,
  [DataType.INT16]: 2,
  [DataType.INT32]: 4,
  [DataType.INT64]: 8,
  [DataType.BOOL]: 1,
  [DataType.FLOAT16]: 2,
  [DataType.DOUBLE]: 8,
  [DataType.UINT32]: 4,
  [DataType.UINT64]: 8,
  [DataType.COMPLEX64]: 8,
  [DataType.COMPLEX128]: 16,
  [DataType.BFLOAT16]: 2,
  17: 1,
  18: 1,
  19: 1,
  20: 1,
  21: 0.5,
  22: 0.5,
};

function byteSizeOf(tensor: TensorProto): number | undefined {
  const size = ELEMENT_BYTES[tensor.dataType ?? 0];
  if (size === undefined) return undefined;
  const count = (tensor.dims ?? []).reduce<number>((n, d) => n * Number(d), 1);
  return Math.ceil(count * size);
}

/** Every tensor a model holds: initializers, sparse initializers and node attributes, subgraphs included. */
function allTensors(graph: GraphProto): TensorProto[] {
  const tensors: TensorProto[] = [...(graph.initializer ?? [])];
  for (const sparse of graph.sparseInitializer ?? []) {
    if (sparse.values) tensors.push(sparse.values);
    if (sparse.indices) tensors.push(sparse.indices);
  }
  for (const node of graph.node ?? []) {
    for (const attribute of node.attribute ?? []) {
      if (attribute.t) tensors.push(attribute.t);
      tensors.push(...(attribute.tensors ?? []));
      for (const sparse of [attribute.sparseTensor, ...(attribute.sparseTensors ?? [])]) {
        if (sparse?.values) tensors.push(sparse.values);
        if (sparse?.indices) tensors.push(sparse.indices);
      }
    }
    for (const subgraph of subgraphsOf(node)) tensors.push(...allTensors(subgraph));
  }
  return tensors;
}

function isExternal(tensor: TensorProto): boolean {
  return tensor.dataLocation === onnx.TensorProto.DataLocation.EXTERNAL;
}

interface ExternalReference {
  location: string;
  offset: number;
  length: number | undefined;
}

function referenceOf(tensor: TensorProto): ExternalReference {
  const entries = new Map((tensor.externalData ?? []).map((e) => [e.key ?? "", e.value ?? ""]));
  const location = entries.get("location");
  const what = `tensor "${tensor.name}"`;
  if (!location) throw new ExternalDataError(`${what} is stored externally but names no location`);
  const integer = (key: string): number | undefined => {
    const text = entries.get(key);
    if (text === undefined) return undefined;
    const value = Number(text);
    if (!Number.isSafeInteger(value) || value < 0)
      throw new ExternalDataError(`${what} has an invalid external data ${key} "${text}"`);
    return value;
  };
  return { location, offset: integer("offset") ?? 0, length: integer("length") };
}

/** The data file's absolute path, refused when it would leave the model's folder. */
function resolveInside(folder: string, location: string, tensor: string): string {
  const path = resolve(folder, location);
  const inside = relative(folder, path);
  if (isAbsolute(location) || inside.startsWith("..") || isAbsolute(inside)) {
    throw new ExternalDataError(
      `tensor "${tensor}" points to external data "${location}", outside the model's folder ${folder}`,
    );
  }
  return path;
}

/**
 * Replaces every external reference in `model` by the bytes it names, read from files in `folder`
 * (the .onnx file's directory). Returns the data files read, relative to `folder`.
 */
export async function inlineExternalData(model: ModelProto, folder: string): Promise<string[]> {
  const tensors = model.graph ? allTensors(model.graph).filter(isExternal) : [];
  const files = new Map<string, Promise<Uint8Array>>();
  const read = (path: string, location: string, tensor: string) => {
    let file = files.get(location);
    if (!file) {
      file = readFile(path).then(
        (buffer) => new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength),
        (error: NodeJS.ErrnoException) => {
          const reason = error.code === "ENOENT" ? "does not exist" : `cannot be read (${error.code})`;
          throw new ExternalDataError(`external data file ${path} of tensor "${tensor}" ${reason}`);
        },
      );
      files.set(location, file);
    }
    return file;
  };
  for (const tensor of tensors) {
    const name = tensor.name ?? "";
    const { location, offset, length } = referenceOf(tensor);
    const path = resolveInside(folder, location, name);
    const data = await read(path, location, name);
    const expected = byteSizeOf(tensor);
    const size = length ?? expected ?? data.byteLength - offset;
    if (offset + size > data.byteLength) {
      throw new ExternalDataError(
        `tensor "${name}" reads bytes ${offset}..${offset + size} of ${location}, which has only ${data.byteLength}`,
      );
    }
    if (expected !== undefined && size !== expected) {
      throw new ExternalDataError(
        `tensor "${name}" has shape [${(tensor.dims ?? []).join(", ")}] (${expected} bytes) but its external data is ${size} bytes`,
      );
    }
    tensor.rawData = data.slice(offset, offset + size);
    tensor.dataLocation = onnx.TensorProto.DataLocation.DEFAULT;
    tensor.externalData = [];
  }
  return [...files.keys()].sort();
}
