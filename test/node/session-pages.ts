/**
 * Child process of session-memory.test.ts: an independent reading of what one onnxruntime-web
 * session writes, by the page as an operating system counts memory in use. Copies the wasm heap
 * after the runtime's baseline (a one-MatMul session run once) and again after the model's session
 * ran the fixture's sample; prints how many bytes of 4 KiB pages were all zero before and hold data
 * after (pages the heap grew by included). No high-water mark, no V8 figures: a cross-check of the
 * figure `vane import` stores, not a second copy of its formula.
 * Run: node --import tsx session-pages.ts <model.onnx> <fixture>
 */
import { readFile } from "node:fs/promises";
import * as ort from "onnxruntime-web";
import { WEB_SESSION_OPTIONS } from "../../src/core/session-options.js";
import { trivialModel } from "../../src/toolchain/session-memory.js";
import { trackWasmMemories } from "../../src/toolchain/wasm-heap.js";
import { sampleInputs, toOrtFeeds, type ZooFixture } from "./zoo-fixtures.js";

const PAGE = 4096;
const memories = trackWasmMemories();
const [modelPath, fixture] = process.argv.slice(2);
const options = { ...WEB_SESSION_OPTIONS, executionProviders: [...WEB_SESSION_OPTIONS.executionProviders] };
ort.env.wasm.numThreads = 1;

const copies = () => memories.map((memory) => new Uint8Array(memory.buffer).slice());
const zeroPage = (bytes: Uint8Array, at: number) => {
  for (let i = at; i < Math.min(at + PAGE, bytes.length); i++) if (bytes[i] !== 0) return false;
  return true;
};

const trivial = await ort.InferenceSession.create(trivialModel(), options);
await trivial.run({ x: new ort.Tensor("float32", new Float32Array(4), [1, 4]) });
const feeds = toOrtFeeds(ort, sampleInputs(fixture as ZooFixture));
const bytes = new Uint8Array(await readFile(modelPath));
const before = copies();
const session = await ort.InferenceSession.create(bytes, options);
await session.run(feeds);
let written = 0;
memories.forEach((memory, m) => {
  const after = new Uint8Array(memory.buffer);
  const old = before[m] ?? new Uint8Array(0);
  for (let at = 0; at < after.length; at += PAGE) {
    const wasZero = at >= old.length || zeroPage(old, at);
    if (wasZero && !zeroPage(after, at)) written += Math.min(PAGE, after.length - at);
  }
});
process.stdout.write(`${JSON.stringify({ written })}\n`);
