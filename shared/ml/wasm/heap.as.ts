// AssemblyScript (see attention.as.ts): where the caller may start laying out its buffers.
export function heapBase(): usize {
  return __heap_base;
}
