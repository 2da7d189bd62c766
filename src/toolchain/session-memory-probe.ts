/**
 * Child process of session-memory.ts: in a fresh Node process (nothing else on its heap), builds one
 * onnxruntime-web session as the Worker does, runs it once, and prints the process's memory before
 * and after as one JSON line. Run: node --expose-gc --import tsx
 * session-memory-probe.ts <model.onnx> <feeds.json>
 */
import { readFile } from "node:fs/promises";
import type { HostTensor } from "../core/tensor.js";
import type { MemoryReading, ProbeResult } from "./session-memory.js";
import { heapTop, trackWasmMemories } from "./wasm-heap.js";

const memories = trackWasmMemories();

async function reading(): Promise<MemoryReading> {
  const gc = (globalThis as { gc?: () => void }).gc;
  for (let i = 0; i < 3; i++) {
    gc?.();
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  const usage = process.memoryUsage();
  return {
    rss: usage.rss,
    heapUsed: usage.heapUsed,
    external: usage.external,
    wasm: memories.reduce((sum, memory) => sum + heapTop(memory), 0),
  };
}

const [modelPath, feedsPath] = process.argv.slice(2);
const { openSession } = await import("./runtimes.js");
const { trivialModel, decodeFeeds } = await import("./session-memory.js");
// The runtime's own cost (wasm instance, compiled code, first arena) goes into the baseline.
const trivial = await openSession("web", trivialModel());
await trivial.run({ x: { dtype: "float32", dims: [1, 4], data: new Float32Array(4) } });
const baseline = await reading();
let bytes: Uint8Array | undefined = new Uint8Array(await readFile(modelPath));
const feeds: Record<string, HostTensor> = decodeFeeds(await readFile(feedsPath, "utf8"));
const session = await openSession("web", bytes);
// As the session cache does: the bytes are handed to the runtime and dropped; the session is run.
bytes = undefined;
await session.run(feeds);
const loaded = await reading();
process.stdout.write(`${JSON.stringify({ baseline, loaded } satisfies ProbeResult)}\n`);
await session.release();
await trivial.release();
