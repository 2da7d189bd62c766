/**
 * The inverse of weight-only quantization: every DequantizeLinear whose inputs are all initializers
 * (an int8 or uint8 weight, its scale, its zero point) is computed once and replaced by the float32
 * initializer it would produce. A published int8 version can then be read back, and trained further,
 * as the float graph its served weights stand for.
 */
import { intAttributeOf } from "../onnx/graph.js";
import {
  DataType,
  decodeModel,
  encodeModel,
  float32Tensor,
  type GraphProto,
  OnnxFormatError,
  readFloat32,
  type TensorProto,
  tensorDims,
} from "../onnx/model.js";

function readIntegers(tensor: TensorProto): Int8Array | Uint8Array {
  const count = tensorDims(tensor).reduce((a, b) => a * b, 1);
  const signed = tensor.dataType === DataType.INT8;
  if (!signed && tensor.dataType !== DataType.UINT8) {
    throw new OnnxFormatError(
      `initializer ${tensor.name} is not int8 or uint8 (data type ${tensor.dataType})`,
    );
  }
  const values = signed ? new Int8Array(count) : new Uint8Array(count);
  if (tensor.rawData && tensor.rawData.length === count) {
    values.set(signed ? new Int8Array(Uint8Array.from(tensor.rawData).buffer) : tensor.rawData);
  } else if (tensor.int32Data && tensor.int32Data.length === count) {
    values.set(tensor.int32Data);
  } else {
    throw new OnnxFormatError(`initializer ${tensor.name} holds no data`);
  }
  return values;
}

/** DequantizeLinear semantics: (q - zero) * scale, with per-axis scale and zero along `axis`. */
function dequantize(
  values: TensorProto,
  scale: TensorProto,
  zero: TensorProto | undefined,
  axis: number,
): Float32Array {
  const q = readIntegers(values);
  const scales = readFloat32(scale);
  const zeros = zero ? readIntegers(zero) : new Int8Array(scales.length);
  const dims = tensorDims(values);
  const along = axis < 0 ? axis + dims.length : axis;
  const inner = dims.slice(along + 1).reduce((a, b) => a * b, 1);
  const channels = scales.length === 1 ? 1 : dims[along];
  if (scales.length !== channels || zeros.length !== channels) {
    throw new OnnxFormatError(`scale of ${values.name} does not match its ${dims[along]} channels`);
  }
  const out = new Float32Array(q.length);
  for (let i = 0; i < q.length; i++) {
    const channel = channels === 1 ? 0 : Math.floor(i / inner) % channels;
    out[i] = (q[i] - zeros[channel]) * scales[channel];
  }
  return out;
}

/** ONNX bytes with every constant DequantizeLinear folded into a float32 initializer. */
export function dequantizeWeights(bytes: Uint8Array): Uint8Array {
  const model = decodeModel(bytes);
  const graph = model.graph as GraphProto;
  const initializers = new Map((graph.initializer ?? []).map((tensor) => [tensor.name ?? "", tensor]));
  const folded: TensorProto[] = [];
  const consumed = new Set<string>();
  graph.node = (graph.node ?? []).filter((node) => {
    if (node.opType !== "DequantizeLinear") return true;
    const [valuesName, scaleName, zeroName] = node.input ?? [];
    const values = initializers.get(valuesName ?? "");
    const scale = initializers.get(scaleName ?? "");
    const zero = zeroName ? initializers.get(zeroName) : undefined;
    if (!values || !scale || (zeroName && !zero)) return true;
    const output = node.output?.[0] ?? "";
    folded.push(
      float32Tensor(
        output,
        tensorDims(values),
        dequantize(values, scale, zero, intAttributeOf(node, "axis", 1)),
      ),
    );
    for (const name of [valuesName, scaleName, zeroName]) if (name) consumed.add(name);
    return false;
  });
  const stillRead = new Set((graph.node ?? []).flatMap((node) => node.input ?? []));
  graph.initializer = [
    ...(graph.initializer ?? []).filter((t) => !consumed.has(t.name ?? "") || stillRead.has(t.name ?? "")),
    ...folded,
  ];
  return encodeModel(model);
}
