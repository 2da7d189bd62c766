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
