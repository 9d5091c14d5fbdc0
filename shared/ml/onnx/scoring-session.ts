// ONNX Runtime session for the exported scorer: asks for the CUDA execution provider when the
// runtime lists it, and falls back to CPU with the reason recorded (a CPU-only install lists
// `cuda` as not bundled, and creating a CUDA session then fails to load the provider library).

import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import * as ort from 'onnxruntime-node';

export type ExecutionProvider = 'cuda' | 'cpu';

export interface ScoringSession {
  readonly session: ort.InferenceSession;
  readonly executionProvider: ExecutionProvider;
  /** why CUDA was not used, when it was preferred */
  readonly fallbackReason?: string;
}

export interface ScoringSessionOptions {
  /** try CUDA first when the runtime lists it (default true) */
  readonly preferCuda?: boolean;
  /** intra-op threads; default lets ONNX Runtime decide */
  readonly intraOpThreads?: number;
}

export async function createScoringSession(model: Uint8Array, options: ScoringSessionOptions = {}): Promise<ScoringSession> {
  const base: ort.InferenceSession.SessionOptions = {
    graphOptimizationLevel: 'all',
    ...(options.intraOpThreads ? { intraOpNumThreads: options.intraOpThreads } : {}),
  };
  let fallbackReason: string | undefined;
  if (options.preferCuda ?? true) {
    const cuda = ort.listSupportedBackends().find((backend) => backend.name === 'cuda');
    const providerLibrary = cudaProviderLibrary();
    if (!cuda) {
      fallbackReason = 'onnxruntime-node does not list the cuda backend on this platform';
    } else if (!cuda.bundled && !existsSync(providerLibrary)) {
      // Checked up front: a failed CUDA session start prints a loud native error on every try.
      fallbackReason = `CUDA provider library not installed (${providerLibrary}); install onnxruntime-node's CUDA binaries to use the GPU`;
    } else {
      try {
        const session = await ort.InferenceSession.create(model, { ...base, executionProviders: ['cuda'] });
        return { session, executionProvider: 'cuda' };
      } catch (error) {
        fallbackReason = `CUDA execution provider failed to start (${error instanceof Error ? error.message.split('\n')[0] : String(error)}); install onnxruntime-node's CUDA binaries to use the GPU`;
      }
    }
  }
  const session = await ort.InferenceSession.create(model, { ...base, executionProviders: ['cpu'] });
  return { session, executionProvider: 'cpu', ...(fallbackReason ? { fallbackReason } : {}) };
}

/** Where onnxruntime-node keeps its execution-provider libraries for this platform. */
function cudaProviderLibrary(): string {
  const packageRoot = dirname(dirname(require.resolve('onnxruntime-node')));
  return join(packageRoot, 'bin', 'napi-v6', process.platform, process.arch, 'libonnxruntime_providers_cuda.so');
}
