/**
 * A manifest against the graph it describes: the names, dtypes and dims of every input and output,
 * the inputs the input kind feeds (and the kind's own checks of its spec against them and its
 * assets, the ones serving runs when it builds the kind), the task's output and its width.
 * `vane import` and `vane publish` refuse a mismatch here, naming the manifest field, so that
 * nothing wrong is ever served.
 */
import { DomainError, type FieldError, InvalidInputError } from "../core/errors.js";
import type { Assets } from "../core/kinds/kind.js";
import { kindOf } from "../core/kinds/registry.js";
import type { Manifest } from "../core/manifest.js";
import type { TensorSpec } from "../core/tensor.js";
import type { GraphSignature } from "./onnx/signature.js";

const shapeText = (shape: TensorSpec["shape"]) => `[${shape.join(", ")}]`;

function compareTensors(
  role: "inputs" | "outputs",
  declared: readonly TensorSpec[],
  graph: readonly TensorSpec[],
): FieldError[] {
  const errors: FieldError[] = [];
  declared.forEach((spec, i) => {
    const actual = graph.find((candidate) => candidate.name === spec.name);
    if (!actual) {
      const names = graph.map((t) => t.name).join(", ");
      errors.push({
        field: `${role}[${i}].name`,
        message: `the graph has no ${role.slice(0, -1)} ${spec.name} (it has ${names})`,
      });
      return;
    }
    if (actual.dtype !== spec.dtype) {
      errors.push({
        field: `${role}[${i}].dtype`,
        message: `${spec.name} is ${actual.dtype} in the graph, not ${spec.dtype}`,
      });
    }
    const sameShape =
      actual.shape.length === spec.shape.length &&
      actual.shape.every((dim, axis) =>
        typeof dim === "string" ? typeof spec.shape[axis] === "string" : dim === spec.shape[axis],
      );
    if (!sameShape) {
      errors.push({
        field: `${role}[${i}].shape`,
        message: `${spec.name} is ${shapeText(actual.shape)} in the graph, not ${shapeText(spec.shape)}`,
      });
    }
  });
  for (const actual of graph) {
    if (!declared.some((spec) => spec.name === actual.name)) {
      errors.push({
        field: role,
        message: `the graph's ${role.slice(0, -1)} ${actual.name} is not declared`,
      });
    }
  }
  return errors;
}

function checkTask(manifest: Manifest, graph: GraphSignature): FieldError[] {
  const task = manifest.task;
  if (task.kind === "raw") return [];
  const output = graph.outputs.find((candidate) => candidate.name === task.output);
  if (!output) {
    const names = graph.outputs.map((t) => t.name).join(", ");
    return [{ field: "task.output", message: `the graph has no output ${task.output} (it has ${names})` }];
  }
  if (output.dtype !== "float32" && task.kind !== "regression") {
    return [
      {
        field: "task.output",
        message: `${task.output} is ${output.dtype}; a ${task.kind} output is float32`,
      },
    ];
  }
  const rank = output.shape.length;
  const width = output.shape[rank - 1];
  if (task.kind === "classification") {
    if (rank !== 2) {
      return [
        {
          field: "task.output",
          message: `${task.output} is ${shapeText(output.shape)}; class scores are [batch, classes]`,
        },
      ];
    }
    if (typeof width === "number" && width !== task.labels.length) {
      return [
        {
          field: "task.labels",
          message: `${task.labels.length} labels for ${task.output}'s ${width} classes ${shapeText(output.shape)}`,
        },
      ];
    }
  }
  if (task.kind === "embedding" && rank !== 2) {
    return [
      {
        field: "task.output",
        message: `${task.output} is ${shapeText(output.shape)}; an embedding is [batch, dimensions]`,
      },
    ];
  }
  if (task.kind === "regression" && (rank < 1 || rank > 2)) {
    return [
      {
        field: "task.output",
        message: `${task.output} is ${shapeText(output.shape)}; values are [batch] or [batch, targets]`,
      },
    ];
  }
  return [];
}

/**
 * The kind built as serving builds it (instances.compile): an image size the input cannot take, a
 * vocabulary without [CLS], a sequence input of fixed length the padding does not fill.
 */
function compileKind(manifest: Manifest, assets: Assets): FieldError[] {
  const codec = kindOf(manifest.input).instances;
  if (!codec) return [];
  try {
    codec.compile(manifest.input, assets, manifest.inputs);
    return [];
  } catch (error) {
    if (!(error instanceof DomainError)) throw error;
    return [
      { field: "input", message: `the ${manifest.input.kind} spec cannot be served: ${error.message}` },
    ];
  }
}

function checkKind(manifest: Manifest, graph: GraphSignature, assets: Assets): FieldError[] {
  const kind = kindOf(manifest.input);
  const fed = kind.feeds(manifest.input);
  const errors: FieldError[] = [];
  for (const name of fed) {
    if (!graph.inputs.some((input) => input.name === name)) {
      errors.push({
        field: "input",
        message: `the ${manifest.input.kind} kind feeds ${name}, which the graph does not take`,
      });
    }
  }
  if (kind.instances) {
    const unfed = graph.inputs.filter((input) => !fed.includes(input.name)).map((input) => input.name);
    if (unfed.length > 0) {
      errors.push({
        field: "input",
        message: `the ${manifest.input.kind} kind does not feed ${unfed.join(", ")}, which the graph needs`,
      });
    }
  }
  return errors.length > 0 ? errors : compileKind(manifest, assets);
}

/**
 * Throws InvalidInputError naming every manifest field the graph (or, for the input kind, the
 * version's asset files by name) contradicts.
 */
export function checkManifestAgainstGraph(manifest: Manifest, graph: GraphSignature, assets: Assets): void {
  const errors = [
    ...compareTensors("inputs", manifest.inputs, graph.inputs),
    ...compareTensors("outputs", manifest.outputs, graph.outputs),
    ...checkKind(manifest, graph, assets),
    ...checkTask(manifest, graph),
  ];
  if (errors.length > 0)
    throw new InvalidInputError(errors, { title: "The manifest does not match the graph" });
}
