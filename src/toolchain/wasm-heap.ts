/**
 * How much of a wasm heap is in use. The heap grows in steps ahead of use, so its byteLength cannot
 * see a small session (and overstates none of a large one's headroom); fresh wasm pages are zero and
 * the allocator hands out memory upwards, so the end of the last non-zero word is how far anything
 * has ever been written: the high-water mark a session's memory is measured by.
 */
export function heapTop(memory: WebAssembly.Memory): number {
  const words = new Uint32Array(memory.buffer);
  let i = words.length - 1;
  while (i >= 0 && words[i] === 0) i--;
  return (i + 1) * 4;
}

/**
 * Every WebAssembly.Memory created or exported from now on in this process: a runtime's wasm heap,
 * which V8's own figures do not count. The threaded build creates its heap in JS and imports it;
 * other builds export theirs from the instance.
 */
export function trackWasmMemories(): WebAssembly.Memory[] {
  const memories: WebAssembly.Memory[] = [];
  const OriginalMemory = WebAssembly.Memory;
  const capture = (exports: WebAssembly.Exports) => {
    for (const value of Object.values(exports)) {
      if (value instanceof OriginalMemory && !memories.includes(value)) memories.push(value);
    }
  };
  WebAssembly.Memory = class extends OriginalMemory {
    constructor(descriptor: WebAssembly.MemoryDescriptor) {
      super(descriptor);
      memories.push(this);
    }
  } as typeof WebAssembly.Memory;
  const instantiate = WebAssembly.instantiate.bind(WebAssembly) as (
    ...args: unknown[]
  ) => Promise<WebAssembly.WebAssemblyInstantiatedSource | WebAssembly.Instance>;
  (WebAssembly as { instantiate: unknown }).instantiate = async (...args: unknown[]) => {
    const result = await instantiate(...args);
    capture("instance" in result ? result.instance.exports : result.exports);
    return result;
  };
  return memories;
}

/** What a runtime's isolate holds at one moment, read after gc(). */
export interface IsolateMemory {
  /** byteLength of every tracked heap: what the isolate holds (it grows in steps ahead of use). */
  wasmBytes: number;
  /** heapTop of every tracked heap: how far the runtime has ever written. */
  wasmTop: number;
  /** V8's heapUsed + external less ArrayBuffers (those hold model bytes the caller drops). */
  js: number;
  /** The process's resident set: also holds the code V8 compiles for kernels, shared by every session. */
  rss: number;
}

/**
 * One reading of the memories trackWasmMemories() returned, in a process started with --expose-gc.
 * The JS figure is the least of three collections a macrotask apart: garbage a pending callback
 * still held at the first is gone by the last, and a session frees nothing in between.
 */
export async function readIsolateMemory(memories: readonly WebAssembly.Memory[]): Promise<IsolateMemory> {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) throw new Error("reading the isolate's memory needs node --expose-gc");
  let js = Number.POSITIVE_INFINITY;
  for (let i = 0; i < 3; i++) {
    await new Promise((resolve) => setImmediate(resolve));
    gc();
    gc();
    const usage = process.memoryUsage();
    js = Math.min(js, usage.heapUsed + usage.external - usage.arrayBuffers);
  }
  return {
    wasmBytes: memories.reduce((sum, memory) => sum + memory.buffer.byteLength, 0),
    wasmTop: memories.reduce((sum, memory) => sum + heapTop(memory), 0),
    js,
    rss: process.memoryUsage().rss,
  };
}

/**
 * What a session added between a reading taken before it was created and one after it ran: how much
 * further the runtime wrote into its heap, and the JS the isolate holds for it. The zoo bench's
 * measured figure; `vane import` budgets from the same two numbers (session-memory.ts).
 */
export function sessionGrowth(before: IsolateMemory, after: IsolateMemory): { wasm: number; js: number } {
  return { wasm: after.wasmTop - before.wasmTop, js: after.js - before.js };
}
