import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { kernelBuild, namingTraps } from '../../../shared/ml/wasm/kernel-build';
import { KERNEL_FUNCTIONS, loadKernels, type KernelExports } from '../../../shared/ml/wasm/kernels';

// The project's lib settings carry no WebAssembly types.
declare const WebAssembly: {
  Memory: new (descriptor: { initial: number }) => { readonly buffer: ArrayBuffer };
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { readonly exports: unknown };
};

const release = kernelBuild({});
const checked = kernelBuild({ ASSAY_KERNEL_ASSERTS: '1' });

/** a [rows × m], b [rows × n] and room for out [m × n], placed back to back. */
function productOperands(rows: number, m: number, n: number) {
  const a = Float32Array.from({ length: rows * m }, (_, i) => ((i * 7) % 11) - 5);
  const b = Float32Array.from({ length: rows * n }, (_, i) => ((i * 5) % 13) - 6);
  return { a, b, outBytes: m * n * 4 };
}

describe('the kernels built with assertions (build/wasm-assert/)', () => {
  it('is where ASSAY_KERNEL_ASSERTS=1 points, and a setting other than 0 or 1 is refused by name', () => {
    expect(release.asserts).toBe(false);
    expect(checked).toEqual({ dir: path.join(path.dirname(release.dir), 'wasm-assert'), asserts: true });
    expect(kernelBuild({ ASSAY_KERNEL_ASSERTS: '0' }).asserts).toBe(false);
    expect(() => kernelBuild({ ASSAY_KERNEL_ASSERTS: 'yes' })).toThrow(/ASSAY_KERNEL_ASSERTS=yes: set it to 1/);
  });

  it('compute what the release build computes, bit for bit, on operands that pass the checks', () => {
    const fast = loadKernels(path.join(release.dir, 'kernels.wasm'));
    const safe = loadKernels(path.join(checked.dir, 'kernels.wasm'), true);
    const { a, b, outBytes } = productOperands(9, 6, 10);
    const results = [fast, safe].map((kernels) => {
      const [pa, pb, out] = kernels.place([a, b, outBytes]);
      kernels.exports.matMulTN(pa!, pb!, out!, 9, 6, 10);
      return Array.from(kernels.view(out!, 60));
    });
    expect(results[0]!.some((v) => v !== 0)).toBe(true);
    expect(results[1]).toEqual(results[0]);
  });

  it('name the kernel, the failed check and its source line when operands lie outside memory, overlap, or index past a table', () => {
    const safe = loadKernels(path.join(checked.dir, 'kernels.wasm'), true);
    const { a, b, outBytes } = productOperands(8, 4, 8);
    const [pa, pb, out] = safe.place([a, b, outBytes]);
    const end = safe.exports.memory.buffer.byteLength;
    expect(() => safe.exports.matMulTN(pa!, pb!, end - 16, 8, 4, 8)).toThrow(/^kernel assertion failed: matMulTN: an operand lies outside memory \(.*shared\/ml\/wasm\/matmul\.as\.ts:\d+:\d+\)$/);
    expect(() => safe.exports.matMulTN(pa!, pb!, pa! + 16, 8, 4, 8)).toThrow(/matMulTN: out overlaps a or b/);
    expect(() => safe.exports.layerNormForward(pa!, pb!, pb!, out!, 2, 6, 1e-5)).toThrow(/layerNormForward: rows ≥ 0, cols a multiple of 4/);
    expect(() => safe.exports.attentionForward(pa!, pb!, pb!, out!, out!, out!, 1, 2, 12, 2, 0, 0, 1, 0)).toThrow(/attention: batch ≥ 0, len > 0, dim a multiple of heads, head width a multiple of 4 \(.*attention\.as\.ts:\d+/);
    const [probs, targets, coefs] = safe.place([new Float32Array(2 * 5), Int32Array.of(1, 5), Float32Array.of(1, 1)]);
    expect(() => safe.exports.softmaxGradient(probs!, targets!, coefs!, 2, 5)).toThrow(/softmaxGradient: a target outside \[0, c\)/);
    // out still in place, the module still usable after a failed check
    safe.exports.matMulTN(pa!, pb!, out!, 8, 4, 8);
  });

  it('in the heap module (no messages: its memory is the tfjs heap) trap, and the trap names the kernel; the release build runs the same call unchecked', () => {
    const names = KERNEL_FUNCTIONS.filter((name) => name !== 'heapBase');
    const onOwnMemory = (file: string) => {
      const memory = new WebAssembly.Memory({ initial: 1 });
      const instance = new WebAssembly.Instance(new WebAssembly.Module(readFileSync(file)), { env: { memory } });
      return { memory, exports: instance.exports as Omit<KernelExports, 'memory' | 'heapBase'> };
    };
    const heapFile = (dir: string) => path.join(dir, 'heap-kernels.wasm');
    const safe = onOwnMemory(heapFile(checked.dir));
    const wrapped = namingTraps(safe.exports, names);
    // out [4 × 8] written over a [8 × 4]: checked, refused; unchecked, computed in place
    expect(() => wrapped.matMulTN(0, 256, 64, 8, 4, 8)).toThrow(/^kernel assertion failed in matMulTN \(the heap module traps/);
    expect(() => wrapped.fillZeros(65536 - 8, 4)).toThrow(/kernel assertion failed in fillZeros/);
    const fast = onOwnMemory(heapFile(release.dir));
    expect(() => fast.exports.matMulTN(0, 256, 64, 8, 4, 8)).not.toThrow();
  });

});
