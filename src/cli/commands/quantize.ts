/** `vane quantize`: int8 quantization of the MatMul/Gemm, Conv/ConvTranspose and embedding weights of any ONNX model. */
import { loadModelFile } from "../../toolchain/model-dir.js";
import { OnnxFormatError } from "../../toolchain/onnx/model.js";
import {
  GRANULARITIES,
  type Granularity,
  QUANTIZE_STYLES,
  QuantizeError,
  type QuantizeReport,
  type QuantizeStyle,
  quantizeModel,
} from "../../toolchain/quantize.js";
import { type Command, requireString } from "../command.js";
import { aboutInput, formatBytes, modelPathArgument, writeModel } from "./compress-io.js";
import { choiceOption } from "./training-options.js";

function render(report: QuantizeReport, input: string, out: string): string {
  const lines = [
    `quantized ${input} -> ${out} (${report.style}, ${report.granularity}, ${report.symmetric ? "symmetric int8" : "asymmetric uint8"})`,
    `size: ${formatBytes(report.bytesBefore)} -> ${formatBytes(report.bytesAfter)}`,
  ];
  const { opset } = report;
  if (opset.after !== opset.before) {
    const ir =
      opset.irVersion.after !== opset.irVersion.before
        ? `, IR version ${opset.irVersion.before} -> ${opset.irVersion.after}`
        : "";
    lines.push(
      `opset raised from ${opset.before} to ${opset.after}${ir} for ${opset.neededBy}; ` +
        `now read under opset ${opset.after}, each vetted to keep its meaning: ${opset.reinterpreted.join(", ")}`,
    );
  }
  for (const w of report.weights) {
    const scale =
      w.scale.min === w.scale.max
        ? w.scale.min.toExponential(3)
        : `${w.scale.min.toExponential(3)}..${w.scale.max.toExponential(3)}`;
    lines.push(
      `  ${w.name} [${w.shape.join("x")}] ${w.node} -> ${w.dtype} (${w.pattern}), scale ${scale}, max |error| ${w.maxAbsError.toExponential(3)}`,
    );
  }
  for (const s of report.skipped) lines.push(`  skipped ${s.node}: ${s.reason}`);
  return lines.join("\n");
}

export const quantize: Command = {
  name: "quantize",
  summary:
    "int8-quantize the MatMul/Gemm, Conv/ConvTranspose and embedding (Gather) weights of an ONNX model",
  usage:
    "vane quantize <in.onnx> --out <out.onnx> [--style weight-only|dynamic] [--granularity per-channel|per-tensor] [--asymmetric]",
  options: {
    out: { type: "string", description: "where to write the quantized model" },
    style: {
      type: "string",
      default: "weight-only",
      description: "weight-only (int8 weights + DequantizeLinear) or dynamic (int8 activations too)",
    },
    granularity: {
      type: "string",
      default: "per-channel",
      description:
        "one scale per output channel (MatMul column, Conv filter, embedding row), or one per weight",
    },
    asymmetric: { type: "boolean", description: "uint8 with a zero point instead of symmetric int8" },
  },
  async run(context) {
    const input = modelPathArgument(context);
    const out = requireString(context, "out");
    const style = choiceOption<QuantizeStyle>(context, "style", QUANTIZE_STYLES);
    const granularity = choiceOption<Granularity>(context, "granularity", GRANULARITIES);
    const { bytes } = await loadModelFile(input);
    let result: ReturnType<typeof quantizeModel>;
    try {
      result = quantizeModel(bytes, { style, granularity, symmetric: context.values.asymmetric !== true });
    } catch (error) {
      if (error instanceof QuantizeError || error instanceof OnnxFormatError) throw aboutInput(input, error);
      throw error;
    }
    await writeModel(out, result.bytes);
    return { data: { input, out, ...result.report }, text: render(result.report, input, out) };
  },
};
