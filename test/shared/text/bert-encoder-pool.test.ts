import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { BertEncoderPool } from '../../../shared/text/bert-encoder-pool';
import { bertConfigSchema, buildBertEncoderModel } from '../../../shared/text/bert-onnx-graph';
import { requireTextModel } from '../../../shared/text/model-location';
import { readSafetensorsFloat32 } from '../../../shared/text/safetensors';

/** one text's batch: [CLS] token [SEP] */
const batchOf = (token: number) => ({ inputIds: BigInt64Array.of(101n, BigInt(token), 102n), attentionMask: BigInt64Array.of(1n, 1n, 1n), rows: 1, seq: 3 });

describe('sentence encoder worker pool', () => {
  it('rejects a batch its worker cannot run, with the reason, and keeps running the others', async () => {
    const location = requireTextModel();
    const config = bertConfigSchema.parse(JSON.parse(await readFile(path.join(location.dir, 'config.json'), 'utf8')));
    const model = buildBertEncoderModel(config, await readSafetensorsFloat32(path.join(location.dir, 'model.safetensors')));
    const pool = await BertEncoderPool.start(model, 2, 1);
    expect(pool.size).toBe(2);
    // a token id past the vocabulary fails ONNX Runtime's Gather inside the worker
    const [bad, good] = await Promise.allSettled([pool.run(batchOf(config.vocab_size + 5)), pool.run(batchOf(7592))]);
    expect(bad.status).toBe('rejected');
    expect(String((bad as PromiseRejectedResult).reason)).toMatch(/batch of 1×3 tokens failed: .*Gather|indices/i);
    expect(good.status).toBe('fulfilled');
    const row = (good as PromiseFulfilledResult<Float32Array>).value;
    expect(row.length).toBe(config.hidden_size);
    expect(Math.hypot(...row)).toBeCloseTo(1, 5);
    const again = await pool.run(batchOf(7592));
    expect(Array.from(again)).toEqual(Array.from(row));
    await pool.close();
    await expect(pool.run(batchOf(7592))).rejects.toThrow('sentence encoder closed');
  });
});
