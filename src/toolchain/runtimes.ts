/**
 * One model run on host tensors under either runtime: onnxruntime-node (the toolchain's reference)
 * or onnxruntime-web configured exactly as the Worker configures it, so a model the toolchain
 * accepts is one the Worker can run.
 */
import * as ortNode from "onnxruntime-node";
import * as ortWeb from "onnxruntime-web";
import { UnprocessableError } from "../core/errors.js";
import { WEB_SESSION_OPTIONS } from "../core/session-options.js";
import { type HostTensor, TensorDType } from "../core/tensor.js";

export type RuntimeName = "node" | "web";

export interface ModelSession {
  run(feeds: Readonly<Record<string, HostTensor>>): Promise<Record<string, HostTensor>>;
  release(): Promise<void>;
}

const RUNTIME_LABEL: Record<RuntimeName, string> = {
  node: "onnxruntime-node",
  web: "onnxruntime-web (the Worker's runtime)",
};

/** The reason an onnxruntime call failed, without its C++ source location noise. */
function ortReason(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).trim();
}

/**
 * "basic" optimisations for node: at higher levels onnxruntime-node fuses a weight-only int8 model's
 * DequantizeLinear -> MatMul into an int8 kernel over quantized activations, which the Worker (whose
 * web session folds the weights back to fp32) never runs; the reference must compute what it does.
 */
const NODE_SESSION_OPTIONS = { graphOptimizationLevel: "basic" } as const;

export async function openSession(runtime: RuntimeName, bytes: Uint8Array): Promise<ModelSession> {
  let session: ortNode.InferenceSession | ortWeb.InferenceSession;
  try {
    if (runtime === "node") {
      session = await ortNode.InferenceSession.create(bytes, NODE_SESSION_OPTIONS);
    } else {
      ortWeb.env.wasm.numThreads = 1;
      session = await ortWeb.InferenceSession.create(bytes, {
        ...WEB_SESSION_OPTIONS,
        executionProviders: [...WEB_SESSION_OPTIONS.executionProviders],
      });
    }
  } catch (error) {
    throw new UnprocessableError(`${RUNTIME_LABEL[runtime]} cannot load the model: ${ortReason(error)}`, {
      cause: error,
    });
  }
  const Tensor = runtime === "node" ? ortNode.Tensor : ortWeb.Tensor;
  return {
    async run(feeds) {
      const ortFeeds = Object.fromEntries(
        Object.entries(feeds).map(([name, t]) => [name, new Tensor(t.dtype, t.data, [...t.dims])]),
      );
      let outputs: Record<string, ortNode.Tensor | ortWeb.Tensor>;
      try {
        outputs = await session.run(ortFeeds as never);
      } catch (error) {
        throw new UnprocessableError(`${RUNTIME_LABEL[runtime]} cannot run the model: ${ortReason(error)}`, {
          cause: error,
        });
      }
      return Object.fromEntries(
        Object.entries(outputs).map(([name, tensor]) => {
          const dtype = TensorDType.safeParse(tensor.type);
          if (!dtype.success)
            throw new UnprocessableError(`output ${name} is ${tensor.type}, not a tensor vane carries`);
          return [
            name,
            { dtype: dtype.data, dims: [...tensor.dims], data: tensor.data as HostTensor["data"] },
          ];
        }),
      );
    },
    release: () => session.release(),
  };
}

/** Runs `bytes` once on `feeds` and releases the session. */
export async function runOnce(
  runtime: RuntimeName,
  bytes: Uint8Array,
  feeds: Readonly<Record<string, HostTensor>>,
): Promise<Record<string, HostTensor>> {
  const session = await openSession(runtime, bytes);
  try {
    return await session.run(feeds);
  } finally {
    await session.release();
  }
}

export interface OutputAgreement {
  output: string;
  dims: number[];
  /** Largest |node - web| over the output's elements (NaN where both are NaN counts as equal). */
  maxAbsDifference: number;
}

/** Element-wise agreement of two runs' outputs; a missing output or other dims is a disagreement. */
export function compareOutputs(
  reference: Readonly<Record<string, HostTensor>>,
  other: Readonly<Record<string, HostTensor>>,
): OutputAgreement[] {
  return Object.entries(reference).map(([output, expected]) => {
    const actual = other[output];
    const dims = [...expected.dims];
    if (!actual || actual.dims.join() !== expected.dims.join()) {
      return { output, dims, maxAbsDifference: Number.POSITIVE_INFINITY };
    }
    let max = 0;
    for (let i = 0; i < expected.data.length; i++) {
      const a = Number(expected.data[i]);
      const b = Number(actual.data[i]);
      if (Number.isNaN(a) && Number.isNaN(b)) continue;
      if (a === b) continue;
      max = Math.max(max, Number.isFinite(a - b) ? Math.abs(a - b) : Number.POSITIVE_INFINITY);
    }
    return { output, dims, maxAbsDifference: max };
  });
}
