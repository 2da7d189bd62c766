/**
 * The memory an onnxruntime-web session of a model holds, measured rather than guessed from the file
 * size: a fresh child process (session-memory-probe.ts) builds the runtime with a one-MatMul session
 * (the baseline), then the model's session with the Worker's options, runs it once on the sample
 * input and reads its memory again.
 *
 * The session's figure is what the isolate's memory grew by: the wasm heap's high-water mark (how far
 * anything was ever written, src/toolchain/wasm-heap.ts: the heap's size grows in steps ahead of use
 * and would miss a small session and the headroom a large one eats) plus V8's heap and external
 * buffers, and never less than the model's bytes. The process's resident set is reported but not
 * used: it also holds the code V8 compiles for kernels the model runs first, which every version
 * shares (bench/memory.ts separates the two). Node figures for the wasm binary workerd runs, not
 * workerd's own accounting.
 */
import { execFile } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { UnavailableError } from "../core/errors.js";
import { fromBytes, type HostTensor, TensorDType } from "../core/tensor.js";
import { DataType, encodeModel, float32Tensor, makeModel, makeNode, valueInfo } from "./onnx/model.js";

/** A Worker isolate's memory limit (Cloudflare, late 2026). */
export const WORKER_MEMORY_BYTES = 128 * 1024 * 1024;

export interface MemoryReading {
  rss: number;
  heapUsed: number;
  external: number;
  /** Bytes written so far in every WebAssembly.Memory (the runtime's wasm heap's high-water mark). */
  wasm: number;
}

export interface ProbeResult {
  baseline: MemoryReading;
  loaded: MemoryReading;
}

export interface SessionMemory {
  /** What the model's session adds: what the manifest records and the session cache budgets. */
  sessionBytes: number;
  /** What the runtime holds before any model (wasm heap + V8 heap + external, at the baseline). */
  runtimeBytes: number;
  growth: { rss: number; wasm: number; heapUsed: number; external: number };
}

/** A one-MatMul model, [batch, 4] x [4, 2]: the smallest session onnxruntime-web builds. */
export function trivialModel(): Uint8Array {
  return encodeModel(
    makeModel({
      name: "baseline",
      node: [makeNode("MatMul", ["x", "w"], ["y"])],
      initializer: [float32Tensor("w", [4, 2], [1, 0, 0, 1, 1, 0, 0, 1])],
      input: [valueInfo("x", DataType.FLOAT, ["batch", 4])],
      output: [valueInfo("y", DataType.FLOAT, ["batch", 2])],
    }),
  );
}

export function encodeFeeds(feeds: Readonly<Record<string, HostTensor>>): string {
  return JSON.stringify(
    Object.fromEntries(
      Object.entries(feeds).map(([name, t]) => [
        name,
        {
          dtype: t.dtype,
          dims: t.dims,
          b64: Buffer.from(t.data.buffer, t.data.byteOffset, t.data.byteLength).toString("base64"),
        },
      ]),
    ),
  );
}

export function decodeFeeds(json: string): Record<string, HostTensor> {
  const raw = JSON.parse(json) as Record<string, { dtype: string; dims: number[]; b64: string }>;
  return Object.fromEntries(
    Object.entries(raw).map(([name, t]) => {
      const dtype = TensorDType.parse(t.dtype);
      return [
        name,
        { dtype, dims: t.dims, data: fromBytes(dtype, new Uint8Array(Buffer.from(t.b64, "base64"))) },
      ];
    }),
  );
}

const run = promisify(execFile);

export async function measureSessionMemory(
  model: Uint8Array,
  feeds: Readonly<Record<string, HostTensor>>,
): Promise<SessionMemory> {
  const scratch = await mkdtemp(join(tmpdir(), "vane-memory-"));
  try {
    const modelPath = join(scratch, "model.onnx");
    const feedsPath = join(scratch, "feeds.json");
    await writeFile(modelPath, model);
    await writeFile(feedsPath, encodeFeeds(feeds));
    const probe = join(import.meta.dirname, "session-memory-probe.ts");
    let stdout: string;
    try {
      ({ stdout } = await run(
        process.execPath,
        ["--expose-gc", "--import", import.meta.resolve("tsx"), probe, modelPath, feedsPath],
        { maxBuffer: 1024 * 1024 },
      ));
    } catch (error) {
      throw new UnavailableError(`measuring the session's memory failed: ${(error as Error).message}`, {
        cause: error,
      });
    }
    const { baseline, loaded } = JSON.parse(stdout.trim().split("\n").at(-1) ?? "") as ProbeResult;
    const growth = {
      rss: loaded.rss - baseline.rss,
      wasm: loaded.wasm - baseline.wasm,
      heapUsed: loaded.heapUsed - baseline.heapUsed,
      external: loaded.external - baseline.external,
    };
    const isolate = growth.wasm + growth.heapUsed + growth.external;
    return {
      sessionBytes: Math.max(isolate, model.byteLength),
      runtimeBytes: baseline.wasm + baseline.heapUsed + baseline.external,
      growth,
    };
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}
