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
