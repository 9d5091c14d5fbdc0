// AssemblyScript (see attention.as.ts): the conditions the kernels assert on entry, cheap next
// to the work they guard (a few compares per call, or one per row). Every assert sits under
// `if (!ASC_NO_ASSERT)`: --noAssert drops an assert but keeps its condition's loads and
// divisions (they may trap), so without the guard the release modules (build/wasm/) would not
// be the bytes the kernels compile to without checks. The assertion build (build/wasm-assert/,
// infra/setup.sh) keeps them, and the kernel tests run against it once (docs/kernels.md).

/** Bytes of a × b × c four-byte values, in 64 bits so no product of shapes wraps. */
// @ts-ignore: decorator
@inline export function bytes4(a: i32, b: i32 = 1, c: i32 = 1): u64 {
  return <u64>a * <u64>b * <u64>c * 4;
}

/** Whether [at, at + size) lies inside the memory as it is now. */
// @ts-ignore: decorator
@inline export function inMemory(at: usize, size: u64): bool {
  return <u64>at + size <= (<u64>memory.size() << 16);
}

/** Whether [a, a + aSize) and [b, b + bSize) share no byte (an output must not overlap what it reads). */
// @ts-ignore: decorator
@inline export function apart(a: usize, aSize: u64, b: usize, bSize: u64): bool {
  return <u64>a + aSize <= <u64>b || <u64>b + bSize <= <u64>a;
}
