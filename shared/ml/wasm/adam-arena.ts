// Adam's state for a set of parameters in one WebAssembly memory of its own, sized once (so
// the typed-array views never detach), with the SIMD kernels (adam.as.ts, in the heap-kernels
// module) instantiated on it: each step's two sweeps run there, on the arrays in place.
import { heapKernelsOn, type HeapKernelExports } from './heap-kernels';

declare const WebAssembly: {
  Memory: new (descriptor: { initial: number; maximum?: number }) => { readonly buffer: ArrayBuffer };
};

const WASM_PAGE = 65536;
/** The arena stays well inside a 32-bit WASM memory; larger models keep their state in plain arrays. */
const MAX_ARENA_BYTES = 2 ** 31;

/** One parameter's state: the arrays, and their byte offsets in the arena for the kernels. */
export interface AdamSlot {
  readonly rows: number;
  readonly cols: number;
  readonly m: Float32Array;
  readonly v: Float32Array;
  /** this optimizer's copy of the weights */
  readonly w: Float32Array;
  /** this step's gradient, copied in */
  readonly g: Float32Array;
  readonly touched: Uint8Array;
  readonly at: { readonly m: number; readonly v: number; readonly w: number; readonly g: number; readonly touched: number } | null;
}

export interface AdamArena {
  readonly kernels: HeapKernelExports | null;
  readonly slots: ReadonlyMap<string, AdamSlot>;
}

const align16 = (n: number): number => Math.ceil(n / 16) * 16;

/** Slots for parameters of these [rows, cols] shapes: in a kernel arena where the kernels run, else plain arrays. */
export function adamArena(shapes: ReadonlyMap<string, { rows: number; cols: number }>): AdamArena {
  let bytes = 0;
  for (const { rows, cols } of shapes.values()) bytes += 4 * align16(4 * rows * cols) + align16(rows);
  const memory = bytes > 0 && bytes <= MAX_ARENA_BYTES ? new WebAssembly.Memory({ initial: Math.ceil(bytes / WASM_PAGE) + 1 }) : null;
  const kernels = memory ? heapKernelsOn(memory) : null;
  const slots = new Map<string, AdamSlot>();
  let offset = 0;
  const take = (size: number): number => {
    const at = offset;
    offset += align16(size);
    return at;
  };
  for (const [name, { rows, cols }] of shapes) {
    const size = rows * cols;
    if (!kernels) {
      slots.set(name, { rows, cols, m: new Float32Array(size), v: new Float32Array(size), w: new Float32Array(size), g: new Float32Array(size), touched: new Uint8Array(rows), at: null });
      continue;
    }
    const buffer = memory!.buffer;
    const at = { m: take(4 * size), v: take(4 * size), w: take(4 * size), g: take(4 * size), touched: take(rows) };
    slots.set(name, {
      rows,
      cols,
      m: new Float32Array(buffer, at.m, size),
      v: new Float32Array(buffer, at.v, size),
      w: new Float32Array(buffer, at.w, size),
      g: new Float32Array(buffer, at.g, size),
      touched: new Uint8Array(buffer, at.touched, rows),
      at,
    });
  }
  return { kernels, slots };
}
