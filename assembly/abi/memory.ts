// Host → module allocation. The host calls the exported `malloc` to place header maps,
// buffers and property values in our memory. These blocks come from the raw heap
// (`heap.alloc`), not the garbage-collected one: the filter reads them in place and
// frees them explicitly when the callback is done, so the collector never sees them.

export function malloc(size: usize): usize {
  return heap.alloc(size);
}

export function freeHostBlock(ptr: usize): void {
  if (ptr != 0) heap.free(ptr);
}
