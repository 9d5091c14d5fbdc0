// Loads the SIMD kernels that infra/setup.sh compiles from the *.as.ts files here
// (AssemblyScript) into build/wasm/kernels.wasm, and moves typed arrays in and out of their
// memory. The kernels replace chains of small tfjs WASM kernels (attention, layer norm,
// GELU, the softmax gradient, dropout and the residual step) whose per-kernel cost dominated
// a training step, and XNNPACK's products and transposes (matmul.as.ts); they run only where
// tfjs itself computes on this CPU (the WASM and CPU backends), never under native
// TensorFlow, which may hold the tensors on a GPU. Not built here, callers fall back to tfjs
// ops. Under the WASM backend they run on its own heap instead (./heap-kernels.ts).
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { heapFloats, heapOffsetOf, wasmBackend } from '../tfjs-internals';
import { KERNEL_BUILD, kernelAbort, namingTraps } from './kernel-build';

/** Where infra/setup.sh writes the compiled module (a build output, ignored by git; ./kernel-build.ts picks the build). */
export const KERNELS_WASM_PATH = path.join(KERNEL_BUILD.dir, 'kernels.wasm');

// The few WebAssembly globals used here (this project's lib settings carry no WebAssembly types).
interface WasmMemory {
  readonly buffer: ArrayBuffer;
  grow(pages: number): number;
}
declare const WebAssembly: {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { readonly exports: unknown };
};

/** The module's exports; every pointer is a byte offset into its memory (see the .as.ts files). */
export interface KernelExports {
  readonly memory: WasmMemory;
  heapBase(): number;
  attentionWorkBytes(len: number, dim: number, heads: number): number;
  attentionProbsFloats(batch: number, len: number, heads: number): number;
  attentionForward(qkv: number, bias: number, pad: number, out: number, probs: number, work: number, batch: number, len: number, dim: number, heads: number, causal: number, dropThreshold: number, keepScale: number, seed: number): void;
  attentionBackward(qkv: number, bias: number, pad: number, probs: number, dout: number, dqkv: number, work: number, batch: number, len: number, dim: number, heads: number, causal: number, dropThreshold: number, keepScale: number, seed: number): void;
  layerNormForward(x: number, gamma: number, beta: number, y: number, rows: number, cols: number, eps: number): void;
  layerNormBackward(x: number, gamma: number, dy: number, dx: number, dgamma: number, dbeta: number, xhat: number, rows: number, cols: number, eps: number): void;
  biasGeluForward(x: number, bias: number, y: number, slope: number, rows: number, cols: number): void;
  biasGeluBackward(slope: number, dy: number, dx: number, dbias: number, rows: number, cols: number): void;
  softmaxGradient(probs: number, targets: number, coefs: number, m: number, c: number): void;
  dropoutFactors(out: number, size: number, state: number, threshold: number, keep: number): void;
  residualForward(x: number, y: number, b: number, out: number, rows: number, cols: number, dropout: number, state: number, threshold: number, keep: number): void;
  residualBackward(dout: number, dy: number, db: number, rows: number, cols: number, dropout: number, state: number, threshold: number, keep: number): void;
  columnSums(x: number, out: number, rows: number, cols: number): void;
  gatherRows(table: number, ids: number, out: number, n: number, cols: number): void;
  embedForward(table: number, ids: number, pos: number, out: number, n: number, len: number, cols: number, first: number, scale: number, dropout: number, state: number, threshold: number, keep: number): void;
  embedBackward(dy: number, ids: number, dTable: number, dPos: number, n: number, len: number, cols: number, tableRows: number, posRows: number, first: number, scale: number, accumulate: number, dropout: number, state: number, threshold: number, keep: number): void;
  scatterAddRows(dy: number, ids: number, grad: number, n: number, rows: number, cols: number): void;
  fillZeros(at: number, floats: number): void;
  matMulTN(a: number, b: number, out: number, rows: number, m: number, n: number): void;
  matMulNN(a: number, b: number, out: number, m: number, k: number, n: number): void;
  transpose(x: number, out: number, rows: number, cols: number): void;
  concatColumns3(a: number, b: number, c: number, out: number, rows: number, cols: number): void;
  splitColumns3(x: number, a: number, b: number, c: number, rows: number, cols: number): void;
  adamRowSquares(g: number, touched: number, rows: number, cols: number, lazy: number, total: number): number;
  adamUpdate(w: number, g: number, m: number, v: number, touched: number, rows: number, cols: number, clip: number, beta1: number, beta2: number, stepSize: number, epsilon: number, decay: number): number;
}

const WASM_PAGE = 65536;
const align16 = (bytes: number) => Math.ceil(bytes / 16) * 16;

/** A typed array to copy in, or the byte size of a region the kernel writes (outputs, scratch). */
export type Region = Float32Array | Int32Array | Uint8Array | number;

export class WasmKernels {
  constructor(readonly exports: KernelExports) {}

  /**
   * Lays the regions out back to back (16-byte aligned) from the heap base, growing memory
   * as needed, copies the arrays in, and returns each region's offset. Each call reuses the
   * same memory: read outputs before the next call.
   */
  place(regions: Region[]): number[] {
    let next = align16(this.exports.heapBase());
    const offsets = regions.map((region) => {
      const at = next;
      next = align16(at + (typeof region === 'number' ? region : region.byteLength));
      return at;
    });
    const short = next - this.exports.memory.buffer.byteLength;
    if (short > 0) this.exports.memory.grow(Math.ceil(short / WASM_PAGE));
    regions.forEach((region, i) => {
      if (typeof region === 'number') return;
      new Uint8Array(this.exports.memory.buffer, offsets[i], region.byteLength).set(new Uint8Array(region.buffer, region.byteOffset, region.byteLength));
    });
    return offsets;
  }

  /**
   * The `length` floats at `at`, in place: valid until the next place(). Every caller hands it
   * straight to a tfjs tensor, which copies it into the backend; a copy here as well cost a
   * fresh allocation per output (two 43 MB ones a step for ml-100k's full-softmax gradient,
   * ~13 % of the step with the collections they caused).
   */
  view(at: number, length: number): Float32Array {
    return new Float32Array(this.exports.memory.buffer, at, length);
  }
}

/** Every function the modules export; the heap module has all but heapBase (./heap-kernels.ts). */
export const KERNEL_FUNCTIONS = ['heapBase', 'attentionWorkBytes', 'attentionProbsFloats', 'attentionForward', 'attentionBackward', 'layerNormForward', 'layerNormBackward', 'biasGeluForward', 'biasGeluBackward', 'softmaxGradient', 'dropoutFactors', 'residualForward', 'residualBackward', 'columnSums', 'gatherRows', 'scatterAddRows', 'fillZeros', 'embedForward', 'embedBackward', 'matMulTN', 'matMulNN', 'transpose', 'concatColumns3', 'splitColumns3', 'adamRowSquares', 'adamUpdate'] as const satisfies ReadonlyArray<keyof KernelExports>;

/** Compiles only while KERNEL_FUNCTIONS names every function of KernelExports (a test holds it to the .as.ts sources' exports). */
type Unlisted = Exclude<keyof KernelExports, 'memory' | (typeof KERNEL_FUNCTIONS)[number]>;
export const KERNEL_FUNCTIONS_COMPLETE: [Unlisted] extends [never] ? true : { unlisted: Unlisted } = true;

/**
 * Loads a compiled kernel module, checking that it exports everything this code calls. An
 * assertion build (`asserts`) imports an abort that turns a failed check into an error naming it.
 */
export function loadKernels(file: string, asserts = false): WasmKernels {
  const rebuild = 'rebuild it with `bash infra/setup.sh`';
  let exports: Record<string, unknown>;
  try {
    const imports = asserts ? { env: { abort: kernelAbort(() => exports.memory as WasmMemory) } } : {};
    exports = new WebAssembly.Instance(new WebAssembly.Module(readFileSync(file)), imports).exports as Record<string, unknown>;
  } catch (err) {
    throw new Error(`The SIMD kernel module ${file} does not load (${(err as Error).message}); ${rebuild}, or delete it to run on tfjs ops.`, { cause: err });
  }
  const missing = [...KERNEL_FUNCTIONS.filter((name) => typeof exports[name] !== 'function'), ...(exports.memory ? [] : ['memory'])];
  if (missing.length > 0) throw new Error(`The SIMD kernel module ${file} is out of date (it lacks ${missing.join(', ')}); ${rebuild}.`);
  return new WasmKernels((asserts ? namingTraps(exports, KERNEL_FUNCTIONS) : exports) as unknown as KernelExports);
}

/**
 * The float32 values of `t` without a copy where the WASM backend holds them: a view into its
 * heap, valid only until the next tfjs op (which may free, reuse or grow that memory), so copy
 * it in at once, as WasmKernels.place does. Elsewhere its dataSync() (the CPU backend hands
 * out its own array, native TensorFlow a copy). dataSync() read the whole tensor out into a
 * fresh allocation: 43 MB for ml-100k's softmax probabilities, every step.
 */
export function tensorValues(t: tf.Tensor): Float32Array {
  if (t.dtype === 'float32' && tf.getBackend() === 'wasm') {
    const backend = wasmBackend();
    const at = heapOffsetOf(backend, t);
    if (at !== undefined) return heapFloats(backend, at, t.size);
  }
  return t.dataSync() as Float32Array;
}

/**
 * A tensor of `values` that a kernel wrote into this module's memory: the WASM backend copies an
 * array into its heap when it makes a tensor, but the CPU backend keeps the array itself, and
 * a view into the kernels' memory would change under it at their next call, so it gets a copy.
 */
export function tensorFromKernel(values: Float32Array, shape: number[]): tf.Tensor {
  return tf.tensor(tf.getBackend() === 'wasm' ? values : values.slice(), shape);
}

let loaded: WasmKernels | null | undefined;

/** The compiled kernels, or null when they are not built here (the assertion build, once asked for, must be). */
export function wasmKernels(): WasmKernels | null {
  if (loaded === undefined) {
    if (!existsSync(KERNELS_WASM_PATH) && KERNEL_BUILD.asserts) throw new Error(`ASSAY_KERNEL_ASSERTS=1 asks for the kernels built with assertions, but ${KERNELS_WASM_PATH} is missing; build it with \`bash infra/setup.sh\`.`);
    loaded = existsSync(KERNELS_WASM_PATH) ? loadKernels(KERNELS_WASM_PATH, KERNEL_BUILD.asserts) : null;
  }
  return loaded;
}

let enabled = true;

/** Whether the kernels are switched on (setKernelsEnabled), for threads that must match this one. */
export function kernelsEnabled(): boolean {
  return enabled;
}

/** Turns the kernels off (or back on) for this process: the tfjs-ops paths then run everywhere, as under native TensorFlow. */
export function setKernelsEnabled(on: boolean): void {
  enabled = on;
}

/**
 * The log's line about the kernels. Without the compiled build tfjs's own ops run instead: the
 * same model, slower, and with sums in another order — and training carries that rounding into
 * figures that differ from a run with the kernels (docs/valuation.md, "runs that differ").
 */
export function kernelsNote(state: { enabled: boolean; built: boolean; path: string } = { enabled, built: wasmKernels() !== null, path: KERNELS_WASM_PATH }): string {
  if (!state.enabled) return 'kernels: switched off (tfjs ops everywhere)';
  if (state.built) return `kernels: compiled (${state.path})`;
  return `kernels: not built — ${state.path} is missing, so tfjs's own ops run instead: slower, and figures differ in rounding from runs with the kernels; build them with \`bash infra/setup.sh\``;
}

/** The kernels when they apply under the active tfjs backend (WASM or CPU) and are enabled, else null. */
export function cpuKernels(): WasmKernels | null {
  return !enabled || tf.getBackend() === 'tensorflow' ? null : wasmKernels();
}
