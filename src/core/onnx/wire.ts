/**
 * A small reader and writer of the protobuf wire format, enough for ONNX's messages (./messages.ts),
 * free of any binding or code generation (protobufjs builds its codecs with `new Function`, which
 * workerd refuses). Fields are read with where they lie, so a writer can copy the ones it does not
 * edit byte for byte and fields it does not know survive.
 */
import { UnprocessableError } from "../errors.js";

/** Bytes that are not the ONNX this reader expects. */
export class OnnxWireError extends UnprocessableError {}

const VARINT = 0;
const FIXED64 = 1;
const BYTES = 2;
const FIXED32 = 5;

/** One field of a message: its number, wire type, and where it lies. */
export interface WireField {
  field: number;
  wireType: number;
  /** Start of the field's tag, and end of its value: `bytes.subarray(start, end)` is the whole field. */
  start: number;
  end: number;
  /** The varint value (wire type 0), else 0. */
  varint: number;
  /** The value's bytes (length-delimited fields; fixed-width ones as raw bytes). */
  value: Uint8Array;
}

/** A varint as a number; ten-byte ones are negative int64s (axis -1), read in two's complement. */
function readVarint(bytes: Uint8Array, position: number): [number, number] {
  let value = 0n;
  let shift = 0n;
  let at = position;
  for (;;) {
    if (at >= bytes.length) throw new OnnxWireError("not a valid ONNX model: a varint runs past the end");
    const byte = bytes[at++];
    value |= BigInt(byte & 0x7f) << shift;
    shift += 7n;
    if ((byte & 0x80) === 0) return [Number(BigInt.asIntN(64, value)), at];
    if (at - position >= 10) throw new OnnxWireError("not a valid ONNX model: a varint is too long");
  }
}

/** The fields of one message, in order. */
export function readFields(bytes: Uint8Array): WireField[] {
  const fields: WireField[] = [];
  let position = 0;
  while (position < bytes.length) {
    const start = position;
    const [tag, afterTag] = readVarint(bytes, position);
    const field = Math.floor(tag / 8);
    const wireType = tag % 8;
    let varint = 0;
    let valueStart = afterTag;
    let end: number;
    switch (wireType) {
      case VARINT:
        [varint, end] = readVarint(bytes, afterTag);
        break;
      case FIXED64:
        end = afterTag + 8;
        break;
      case FIXED32:
        end = afterTag + 4;
        break;
      case BYTES: {
        const [length, afterLength] = readVarint(bytes, afterTag);
        valueStart = afterLength;
        end = afterLength + length;
        break;
      }
      default:
        throw new OnnxWireError(`not a valid ONNX model: wire type ${wireType} of field ${field}`);
    }
    if (end > bytes.length || field === 0)
      throw new OnnxWireError("not a valid ONNX model: a field runs past the end");
    fields.push({ field, wireType, start, end, varint, value: bytes.subarray(valueStart, end) });
    position = end;
  }
  return fields;
}

/** Whether the field's value is length-delimited (a message, a string or a packed repeated field). */
export function isLengthDelimited(field: WireField): boolean {
  return field.wireType === BYTES;
}

function varintBytes(value: number): number[] {
  const out: number[] = [];
  let rest = value;
  while (rest >= 128) {
    out.push((rest % 128) | 0x80);
    rest = Math.floor(rest / 128);
  }
  out.push(rest);
  return out;
}

/** Bytes being assembled from whole fields. */
export class MessageWriter {
  readonly #parts: Uint8Array[] = [];

  /** Copies a field as read. */
  raw(bytes: Uint8Array): this {
    this.#parts.push(bytes);
    return this;
  }

  varint(field: number, value: number): this {
    this.#parts.push(Uint8Array.from([...varintBytes(field * 8 + VARINT), ...varintBytes(value)]));
    return this;
  }

  bytes(field: number, value: Uint8Array): this {
    this.#parts.push(
      Uint8Array.from([...varintBytes(field * 8 + BYTES), ...varintBytes(value.length)]),
      value,
    );
    return this;
  }

  string(field: number, value: string): this {
    return this.bytes(field, new TextEncoder().encode(value));
  }

  finish(): Uint8Array {
    const size = this.#parts.reduce((sum, part) => sum + part.length, 0);
    const out = new Uint8Array(size);
    let offset = 0;
    for (const part of this.#parts) {
      out.set(part, offset);
      offset += part.length;
    }
    return out;
  }
}

const decoder = new TextDecoder();

export function text(value: Uint8Array): string {
  return decoder.decode(value);
}

/** The values of a repeated varint field, packed or not (ONNX writers do both). */
export function varints(fields: readonly WireField[], field: number): number[] {
  const values: number[] = [];
  for (const f of fields) {
    if (f.field !== field) continue;
    if (f.wireType === VARINT) {
      values.push(f.varint);
      continue;
    }
    let position = 0;
    while (position < f.value.length) {
      const [value, next] = readVarint(f.value, position);
      values.push(value);
      position = next;
    }
  }
  return values;
}
