// How a backfill decides a completed run still stands, and how the CLI words each outcome.
import { describe, expect, it } from 'vitest';
import { changeOf, describeOutcome } from '../../../shared/pipeline/partition-outcome';
import { specDigest } from '../../../shared/pipeline/pipeline-identity';
import { tinySpec } from '../../support/pipeline';

describe('partition identity', () => {
  const wanted = { specDigest: 's1', codeDigest: 'c1' };

  it('a run stands only for the same spec and code digests, and says which changed', () => {
    expect(changeOf({ specDigest: 's1', codeDigest: 'c1' }, wanted)).toBeUndefined();
    expect(changeOf({ specDigest: 's0', codeDigest: 'c1' }, wanted)).toBe('spec changed');
    expect(changeOf({ specDigest: 's1', codeDigest: 'c0' }, wanted)).toBe('code changed');
    expect(changeOf({ specDigest: 's0', codeDigest: 'c0' }, wanted)).toBe('spec and code changed');
    expect(changeOf(undefined, wanted)).toBe('no spec/code digests recorded on the earlier run');
  });

  it('the spec digest ignores the partition and orchestration settings, not what a step reads', () => {
    const spec = tinySpec('digest');
    const base = specDigest(spec);
    expect(specDigest({ ...spec, partition: 'other', taskQueues: { cpu: 'a', accelerator: 'b' }, heartbeatSeconds: 99, codeVersion: 'x' })).toBe(base);
    expect(specDigest({ ...spec, retry: { ...spec.retry, budgetSeconds: 5 }, timeouts: { ...spec.timeouts, report: 11 } })).toBe(base);
    expect(specDigest({ ...spec, finetune: { ...spec.finetune, epochs: 9 } })).not.toBe(base);
    expect(specDigest({ ...spec, control: !spec.control })).not.toBe(base);
    // key order in the spec file does not matter
    expect(specDigest(Object.fromEntries(Object.entries(spec).reverse()))).toBe(base);
  });

  it('words each outcome as the CLI prints it', () => {
    expect(describeOutcome({ action: 'ran', result: 'completed', run: 'r' })).toBe('completed');
    expect(describeOutcome({ action: 'ran', result: 'failed', error: 'pretrain: connect ECONNREFUSED' })).toBe('failed: pretrain: connect ECONNREFUSED');
    expect(describeOutcome({ action: 'reused', result: 'completed', run: 'assay/d/p/1' })).toBe('reused: same spec+code as run assay/d/p/1');
    expect(describeOutcome({ action: 'rerun', why: 'code changed', result: 'failed', error: 'infer: boom' })).toBe('rerun: code changed → failed: infer: boom');
    expect(describeOutcome({ action: 'awaited', result: 'failed', error: 'value: x' })).toBe('awaited: was running → failed: value: x');
  });
});
