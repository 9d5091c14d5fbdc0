import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { selectBackend } from '../../../shared/ml/backend';

describe('selectBackend', () => {
  it('falls back from the absent native bindings to WASM, logs the choice and activates it', async () => {
    const lines: string[] = [];
    const choice = await selectBackend('tensorflow', (l) => lines.push(l));
    // @tensorflow/tfjs-node(-gpu) are optional and not installed on this host
    expect(choice).toEqual({ name: 'wasm', package: '@tensorflow/tfjs-backend-wasm', device: 'cpu' });
    expect(tf.getBackend()).toBe('wasm');
    expect(lines.join('\n')).toMatch(/'tensorflow' is unavailable[\s\S]*tfjs backend: wasm/);
  });

  it('honours an explicit preference for the plain CPU backend', async () => {
    const choice = await selectBackend('cpu', () => undefined);
    expect(choice.name).toBe('cpu');
    expect(tf.getBackend()).toBe('cpu');
  });
});
