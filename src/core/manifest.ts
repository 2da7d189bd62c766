/**
 * The manifest of one model version: what the Worker needs to verify, feed and explain a model, and
 * what the toolchain records when it publishes one. One schema, read by both.
 */
import { z } from "zod";
import { DriftSpec } from "./drift-features.js";
import { InputSpec, kindOf } from "./kinds/registry.js";
import { TaskSpec } from "./tasks/schema.js";
import { TensorSpec } from "./tensor.js";
import { FeedbackDataSpec, Lineage, UpdateSpec } from "./update-spec.js";

export const MODEL_NAME = /^[a-z0-9][a-z0-9-]{0,62}$/;

const Sha256 = z.string().regex(/^[0-9a-f]{64}$/);
/** A plain file name in the version folder: no path, so a manifest cannot point outside it. */
const FileName = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/);

export const ManifestFile = z.object({ file: FileName, sha256: Sha256, bytes: z.number().int().positive() });

const ManifestFields = z.object({
  name: z.string().regex(MODEL_NAME),
  version: z.number().int().positive(),
  createdAt: z.iso.datetime(),
  description: z.string().optional(),
  model: ManifestFile,
  /** Files an input kind reads at serving time (a tokenizer's vocab.txt), verified like the model. */
  assets: z.array(ManifestFile).max(8).default([]),
  inputs: z.array(TensorSpec).min(1),
  outputs: z.array(TensorSpec).min(1),
  /** How requests' instances become the model's inputs. */
  input: InputSpec,
  /** What the outputs mean, and so the shape of the answer. */
  task: TaskSpec,
  /** Measured onnxruntime-web session size, which the session cache budgets (else estimated). */
  memory: z.object({ sessionBytes: z.number().int().positive() }).optional(),
  /** Held-out metrics from the toolchain (accuracy, f1, auc, ...), with the split they came from. */
  metrics: z.record(z.string(), z.number()).default({}),
  training: z.record(z.string(), z.unknown()).default({}),
  /** Drift reference profile stored beside the model, if one was built. */
  profile: z.string().optional(),
  /** The features sampled at the edge for drift, and the training vocabulary they need. */
  drift: DriftSpec.optional(),
  /** Which version it was made from, how, and on what data (./update-spec.ts). */
  lineage: Lineage.optional(),
  /** Keep training data from predictions that get feedback; absent: nothing is kept. */
  feedbackData: FeedbackDataSpec.optional(),
  /** Update this version online in the scheduled run; absent: no online updates. */
  update: UpdateSpec.optional(),
});

/**
 * Manifests written before input kinds and tasks named the hashed-text spec `preprocessing` and the
 * classifier `classifier`; versions stored that way keep serving, read in today's terms.
 */
function upgradeLegacy(raw: unknown): unknown {
  if (typeof raw !== "object" || raw === null || "input" in raw || "task" in raw) return raw;
  const { preprocessing, classifier, ...rest } = raw as {
    preprocessing?: unknown;
    classifier?: { probabilities?: unknown; labels?: unknown };
  };
  return {
    ...rest,
    input: preprocessing ?? { kind: "tensors" },
    task: classifier
      ? { kind: "classification", output: classifier.probabilities, labels: classifier.labels }
      : { kind: "raw" },
  };
}

export const Manifest = z.preprocess(upgradeLegacy, ManifestFields).superRefine((manifest, context) => {
  const inputNames = new Set(manifest.inputs.map((input) => input.name));
  const outputNames = new Set(manifest.outputs.map((output) => output.name));
  for (const name of kindOf(manifest.input).feeds(manifest.input)) {
    if (!inputNames.has(name)) {
      context.addIssue({ code: "custom", path: ["input"], message: `the model has no input named ${name}` });
    }
  }
  if ("output" in manifest.task && !outputNames.has(manifest.task.output)) {
    context.addIssue({
      code: "custom",
      path: ["task", "output"],
      message: `the model has no output named ${manifest.task.output}`,
    });
  }
  // Features are kept, and trained on, as the one input tensor's values per instance.
  if (manifest.feedbackData?.keep === "features" && manifest.inputs.length !== 1) {
    context.addIssue({
      code: "custom",
      path: ["feedbackData", "keep"],
      message: `features are kept for models with one input; this one has ${manifest.inputs.length}: keep "instance"`,
    });
  }
  if (manifest.update) {
    if (!manifest.feedbackData) {
      context.addIssue({
        code: "custom",
        path: ["update"],
        message: "online updates train on feedbackData: declare it",
      });
    }
    if (manifest.inputs.length !== 1 || manifest.inputs[0].dtype !== "float32") {
      context.addIssue({
        code: "custom",
        path: ["update"],
        message: "online updates need one float32 input",
      });
    }
    if (manifest.task.kind !== "classification") {
      context.addIssue({ code: "custom", path: ["update"], message: "online updates train classifiers" });
    }
  }
});
export type Manifest = z.infer<typeof ManifestFields>;
