// Picks the TensorFlow.js backend for this process (docs/architecture.md §4): native TensorFlow bindings
// where they are installed (GPU build first), else WASM, else the plain-JS CPU backend.
// The bindings need a download from outside the npm registry, so they are optional and
// loaded with a guarded require; the choice is logged and returned so steps can record it.
// When the bindings are absent the WASM backend is the default: a training step runs about 17×
// faster there than on the CPU backend (docs/performance.md, "what the WASM backend does fast").
import { createRequire } from 'node:module';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { checkWasmInternals, patchWasmKernels } from './tfjs-internals';
import { kernelsNote } from './wasm/kernels';

export type BackendName = 'tensorflow' | 'wasm' | 'cpu';

// the kernel replacements go in before any backend runs an op
patchWasmKernels();

export interface BackendChoice {
  readonly name: BackendName;
  /** the npm package that provides it */
  readonly package: string;
  /** where the kernels run: 'gpu', or 'cpu' */
  readonly device: 'gpu' | 'cpu';
}

const requireOptional = createRequire(__filename);

/** Loads an optional native binding; false when it is not installed or cannot load. */
function tryRequire(pkg: string): boolean {
  try {
    requireOptional(pkg);
    return true;
  } catch {
    return false;
  }
}

async function activate(name: BackendName): Promise<boolean> {
  try {
    const ok = await tf.setBackend(name);
    await tf.ready();
    return ok && tf.getBackend() === name;
  } catch {
    return false;
  }
}

let current: BackendChoice | undefined;

/**
 * Activates the fastest available backend, or `prefer` when it is available. Idempotent:
 * the first successful choice is kept for the process unless `prefer` names another.
 */
export async function selectBackend(prefer?: BackendName, log: (line: string) => void = console.log): Promise<BackendChoice> {
  if (current && (prefer === undefined || prefer === current.name)) return current;
  const candidates: BackendChoice[] = [];
  if (tryRequire('@tensorflow/tfjs-node-gpu')) candidates.push({ name: 'tensorflow', package: '@tensorflow/tfjs-node-gpu', device: 'gpu' });
  else if (tryRequire('@tensorflow/tfjs-node')) candidates.push({ name: 'tensorflow', package: '@tensorflow/tfjs-node', device: 'cpu' });
  candidates.push({ name: 'wasm', package: '@tensorflow/tfjs-backend-wasm', device: 'cpu' });
  candidates.push({ name: 'cpu', package: '@tensorflow/tfjs-backend-cpu', device: 'cpu' });
  const ordered = prefer ? [...candidates.filter((c) => c.name === prefer), ...candidates.filter((c) => c.name !== prefer)] : candidates;
  for (const choice of ordered) {
    if (await activate(choice.name)) {
      if (choice.name === 'wasm') checkWasmInternals();
      if (prefer && choice.name !== prefer) log(`tfjs backend '${prefer}' is unavailable here; falling back`);
      log(`tfjs backend: ${choice.name} (${choice.package}, device ${choice.device})${choice.name === 'tensorflow' ? '' : `; ${kernelsNote()}`}`);
      current = choice;
      return choice;
    }
  }
  throw new Error('No TensorFlow.js backend could start (tried tensorflow, wasm, cpu); check that @tensorflow/tfjs is installed.');
}
