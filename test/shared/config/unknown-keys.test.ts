// A typo in a spec must stop the run with the key's path and the key it probably meant,
// at any depth, instead of being dropped while the run starts with defaults.
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { closest, unknownKeys } from '../../../shared/config/unknown-keys';
import { parseDataSourceConfig } from '../../../shared/data/source-config';
import { loadSpecFile, parseSpec } from '../../../shared/pipeline/spec';
import { repoRoot } from '../../../infra/dev/paths';
import { tempDir } from '../data/helpers';

const base = { dataset: 'typos', source: { format: 'ml-100k', path: '.' } };

function specError(input: unknown): string {
  try {
    parseSpec(input, 'spec.json');
  } catch (err) {
    return (err as Error).message;
  }
  throw new Error('the spec was accepted');
}

describe('unknown spec keys', () => {
  it('names a misspelt top-level step and suggests the real one', () => {
    expect(specError({ ...base, pretrian: { epochs: 1 } })).toContain("spec.json: pretrian: unknown key 'pretrian'; did you mean 'pretrain'?");
  });

  it('finds typos in every nested object, including discriminated unions and generated shapes', () => {
    const message = specError({
      ...base,
      source: { format: 'csv', paths: { events: 'e.csv', itmes: 'i.csv' }, limits: { maxLineByte: 9 }, preprocess: { split: { mode: 'time', vaild: 0.1 }, tokenizer: { kind: 'word', minCuont: 2 } } },
      pretrain: { epoch: 3 },
      infer: { ease: { lambada: 1 } },
      timeouts: { preproces: 60 },
    });
    for (const line of [
      "source.paths.itmes: unknown key 'itmes'; did you mean 'items'?",
      "source.limits.maxLineByte: unknown key 'maxLineByte'; did you mean 'maxLineBytes'?",
      "source.preprocess.split.vaild: unknown key 'vaild'; did you mean 'valid'?",
      "source.preprocess.tokenizer.minCuont: unknown key 'minCuont'; did you mean 'minCount'?",
      "pretrain.epoch: unknown key 'epoch'; did you mean 'epochs'?",
      "infer.ease.lambada: unknown key 'lambada'; did you mean 'lambda'?",
      "timeouts.preproces: unknown key 'preproces'; did you mean 'preprocess'?",
    ]) expect(message).toContain(`spec.json: ${line}`);
  });

  it('offers no suggestion when nothing is close', () => {
    expect(specError({ ...base, colour: 'blue' })).toContain("spec.json: colour: unknown key 'colour'\n");
  });

  it('reports unknown keys together with type errors', () => {
    const message = specError({ ...base, pretrain: { epochs: 'three' }, finetune: { lerningRate: 1 } });
    expect(message).toContain("finetune.lerningRate: unknown key 'lerningRate'");
    expect(message).toContain('pretrain.epochs:');
  });

  it('keeps every shipped spec valid', () => {
    for (const name of ['ml-100k.json', 'ml-100k-item-text.json', 'tiny.json']) expect(() => loadSpecFile(path.join(repoRoot, 'specs', name))).not.toThrow();
  });

  it('names the spec file in the message of a spec read from disk', () => {
    const file = path.join(tempDir(), 'spec.json');
    writeFileSync(file, JSON.stringify({ ...base, valuation: { methd: 'loss' } }));
    expect(() => loadSpecFile(file)).toThrow(`${file}: valuation.methd: unknown key 'methd'; did you mean 'method'?`);
  });

  it('applies to a data source config parsed on its own', () => {
    expect(() => parseDataSourceConfig({ format: 'jsonl', paths: { events: 'e.jsonl' }, delimeter: ',' })).toThrow("delimeter: unknown key 'delimeter'; did you mean 'delimiter'?");
  });
});

describe('unknownKeys', () => {
  it('leaves objects that accept other keys on purpose alone', () => {
    expect(unknownKeys(z.object({ a: z.number() }).passthrough(), { a: 1, b: 2 })).toEqual([]);
    expect(unknownKeys(z.record(z.string(), z.object({ x: z.number() })), { k: { x: 1, y: 2 } })).toEqual([{ path: ['k', 'y'], suggestion: 'x' }]);
  });

  it('counts a swapped pair of letters as one typo', () => {
    expect(closest('pretrian', ['pretrain', 'finetune'])).toBe('pretrain');
    expect(closest('zzz', ['pretrain'])).toBeUndefined();
  });
});
