// Which compiled build of the kernels this process loads. infra/setup.sh compiles the *.as.ts
// sources twice: build/wasm/ with --noAssert (what every run uses; its bytes, and so every
// weight, do not depend on the entry checks in the sources) and build/wasm-assert/ with those
// checks on (operand regions inside memory and apart, shapes the kernels assume). The test run
// loads the assertion build once for the kernel tests (vitest.kernel-asserts.config.mts) by
// setting ASSAY_KERNEL_ASSERTS=1.
import path from 'node:path';

const BUILD_ROOT = path.resolve(__dirname, '../../../build');

export interface KernelBuild {
  /** the folder holding kernels.wasm and heap-kernels.wasm */
  readonly dir: string;
  /** whether the kernels check their operands on entry (and a failed check throws) */
  readonly asserts: boolean;
}

/** build/wasm/, or build/wasm-assert/ where ASSAY_KERNEL_ASSERTS=1. */
export function kernelBuild(env: NodeJS.ProcessEnv = process.env): KernelBuild {
  const setting = env.ASSAY_KERNEL_ASSERTS?.trim() ?? '';
  if (setting !== '' && setting !== '0' && setting !== '1') throw new Error(`ASSAY_KERNEL_ASSERTS=${setting}: set it to 1 (load the kernels built with assertions, build/wasm-assert/) or 0 / leave it unset (build/wasm/)`);
  const asserts = setting === '1';
  return { dir: path.join(BUILD_ROOT, asserts ? 'wasm-assert' : 'wasm'), asserts };
}

/** The build this process loads, read once at start-up. */
export const KERNEL_BUILD = kernelBuild();

/**
 * The `env.abort` the assertion build of the copying module imports (AssemblyScript calls it with
 * its message and file as string pointers, then traps): a JavaScript error with both instead.
 * `memory` is read when a check fails, after the module is instantiated.
 */
export function kernelAbort(memory: () => { readonly buffer: ArrayBuffer }): (message: number, file: number, line: number, column: number) => never {
  return (message, file, line, column) => {
    const buffer = memory().buffer;
    throw new Error(`kernel assertion failed: ${readString(buffer, message) ?? '(no message)'} (${readString(buffer, file) ?? '?'}:${line}:${column})`);
  };
}

/** An AssemblyScript string at `at`: UTF-16LE, its byte length in the four bytes before it. */
function readString(buffer: ArrayBuffer, at: number): string | null {
  if (at === 0 || at < 4 || at > buffer.byteLength) return null;
  const bytes = new DataView(buffer).getUint32(at - 4, true);
  if (at + bytes > buffer.byteLength) return null;
  return Buffer.from(buffer, at, bytes).toString('utf16le');
}

/**
 * The heap module's assertion build has no abort to call (its strings would be data written
 * over the tfjs heap), so a failed check traps: wrap each function so that the trap names the
 * kernel. Only for the assertion build; the --noAssert modules are used as they are.
 */
export function namingTraps<T extends object>(exports: T, names: readonly string[]): T {
  const original = exports as Record<string, unknown>;
  const wrapped: Record<string, unknown> = { ...original };
  for (const name of names) {
    const fn = original[name];
    if (typeof fn !== 'function') continue;
    wrapped[name] = (...args: unknown[]) => {
      try {
        return (fn as (...a: unknown[]) => unknown)(...args);
      } catch (err) {
        if ((err as Error).message === 'unreachable') throw new Error(`kernel assertion failed in ${name} (the heap module traps without a message; run the same call under the CPU backend for the check that failed)`, { cause: err });
        throw err;
      }
    };
  }
  return wrapped as T;
}
