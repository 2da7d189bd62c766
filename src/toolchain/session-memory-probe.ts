/**
 * Child process of session-memory.ts: in a fresh Node process (nothing else on its heap), builds one
 * onnxruntime-web session as the Worker does, runs it once, and prints the isolate's memory before
 * and after as one JSON line. Run: node --expose-gc --import tsx
 * session-memory-probe.ts <model.onnx> <feeds.json>
 */
import { readFile } from "node:fs/promises";
import type { ProbeResult } from "./session-memory.js";
import { readIsolateMemory, trackWasmMemories } from "./wasm-heap.js";

const memories = trackWasmMemories();

const [modelPath, feedsPath] = process.argv.slice(2);
const { openSession } = await import("./runtimes.js");
const { trivialModel, trivialFeeds, decodeFeeds } = await import("./session-memory.js");
let bytes: Uint8Array | undefined = new Uint8Array(await readFile(modelPath));
const feeds = decodeFeeds(await readFile(feedsPath, "utf8"));
// The runtime's own cost (wasm instance, compiled code and JS glue, first arena) goes into the
// baseline: a one-MatMul session created and run.
const trivial = await openSession("web", trivialModel());
await trivial.run(trivialFeeds());
const baseline = await readIsolateMemory(memories);
const session = await openSession("web", bytes);
// As the session cache does: the bytes are handed to the runtime and dropped; the session is run.
bytes = undefined;
await session.run(feeds);
const loaded = await readIsolateMemory(memories);
process.stdout.write(`${JSON.stringify({ baseline, loaded } satisfies ProbeResult)}\n`);
await session.release();
await trivial.release();
