/**
 * The memory an onnxruntime-web session of a model holds, measured rather than guessed from the file
 * size: a fresh child process (session-memory-probe.ts) builds the runtime with a one-MatMul session
 * run once (the baseline), then the model's session with the Worker's options, runs it once on the
 * sample input and reads the isolate's memory again (readIsolateMemory, src/toolchain/wasm-heap.ts).
 *
 * The session's figure (sessionBudget) is what sessionGrowth reads, as the zoo bench reads it: the wasm
 * heap's high-water mark's growth (how far anything was ever written: the heap's byteLength grows in
 * steps ahead of use, so it misses whatever a session writes into headroom the heap already had) plus
 * the JS the isolate holds for it, at least MIN_SESSION_JS_BYTES, and never less than the model's
 * bytes. The
 * process's resident set is reported but not used: it also holds the code V8 compiles for kernels
 * the model runs first, which every version shares (bench/memory.ts separates the two). Node figures
 * for the wasm binary workerd runs, not workerd's own accounting.
 */
import { execFile } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { UnavailableError } from "../core/errors.js";
import { fromBytes, type HostTensor, TensorDType } from "../core/tensor.js";
import { DataType, encodeModel, float32Tensor, makeModel, makeNode, valueInfo } from "./onnx/model.js";
import { type IsolateMemory, sessionGrowth } from "./wasm-heap.js";

/** A Worker isolate's memory limit (Cloudflare, late 2026). */
export const WORKER_MEMORY_BYTES = 128 * 1024 * 1024;

/**
 * The least a session's JS is charged: V8's figures see a session's objects only to within tens of
 * KiB from one process to the next (15 to 45 KiB on the zoo's fixtures), where its wasm figure is
 * the same to the byte.
 */
export const MIN_SESSION_JS_BYTES = 64 * 1024;

/** What the session cache budgets for a session that grew the isolate by `growth`. */
export function sessionBudget(growth: { wasm: number; js: number }, modelBytes: number): number {
  return Math.max(Math.max(0, growth.wasm) + Math.max(MIN_SESSION_JS_BYTES, growth.js), modelBytes);
}

export interface ProbeResult {
  baseline: IsolateMemory;
  loaded: IsolateMemory;
}

export interface SessionMemory {
  /** What the model's session adds: what the manifest records and the session cache budgets. */
  sessionBytes: number;
  /** What the runtime holds before any model (its wasm heap's byteLength + JS, at the baseline). */
  runtimeBytes: number;
  /** Each reading's difference from the baseline to after the first run. */
  growth: IsolateMemory;
}

/** A one-MatMul model, [batch, 4] x [4, 2]: the smallest session onnxruntime-web builds and runs. */
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

/** An input for trivialModel(). */
export function trivialFeeds(): Record<string, HostTensor> {
  return { x: { dtype: "float32", dims: [1, 4], data: new Float32Array(4) } };
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
    const growth: IsolateMemory = {
      wasmBytes: loaded.wasmBytes - baseline.wasmBytes,
      wasmTop: loaded.wasmTop - baseline.wasmTop,
      js: loaded.js - baseline.js,
      rss: loaded.rss - baseline.rss,
    };
    return {
      sessionBytes: sessionBudget(sessionGrowth(baseline, loaded), model.byteLength),
      runtimeBytes: baseline.wasmBytes + baseline.js,
      growth,
    };
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}
