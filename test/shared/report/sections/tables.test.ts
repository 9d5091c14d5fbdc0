import { describe, expect, it } from 'vitest';
import { QuarantineExample } from '../../../../shared/report/input';
import { valuedVsControl } from '../../../../shared/report/sections/metrics';
import { mostContradicted } from '../../../../shared/report/sections/quarantine';
import { pickRejectExamples } from '../../../../shared/report/sections/rejects';

describe('mostContradicted', () => {
  it('keeps the strongest contradictions first, ties broken by example id', () => {
    const examples = [0.2, 3.1, 0.9, 3.1, 1.5].map((c, i) =>
      QuarantineExample.parse({ exampleId: `ex-${i}`, itemId: `${i}`, observedLabel: 'purchase', modelScore: 0.1, contradiction: c }),
    );
    expect(mostContradicted(examples, 3).map((e) => e.exampleId)).toEqual(['ex-1', 'ex-3', 'ex-4']);
  });
});

describe('pickRejectExamples', () => {
  it('takes at most a few examples per reason so one flood does not hide the others', () => {
    const examples = [
      ...Array.from({ length: 10 }, (_, i) => ({ file: 'a.tsv', line: i + 1, reason: 'flood' })),
      { file: 'a.tsv', line: 99, reason: 'rare' },
    ];
    const picked = pickRejectExamples({ byReason: [], examples }, 3, 12);
    expect(picked.map((e) => `${e.reason}:${e.line}`)).toEqual(['flood:1', 'flood:2', 'flood:3', 'rare:99']);
  });
});

describe('valuedVsControl', () => {
  it('states the relative NDCG@10 change, the share of examples and the time ratio', () => {
    const sentence = valuedVsControl([
      { model: 'v', role: 'valued', ndcg10: 0.06, hr10: 0.1, mrr: 0.05, trainingExamples: 500, trainSeconds: 30 },
      { model: 'c', role: 'control', ndcg10: 0.08, hr10: 0.1, mrr: 0.05, trainingExamples: 1000, trainSeconds: 60 },
    ]);
    expect(sentence).toBe('Valued vs control: NDCG@10 0.0600 vs 0.0800 (−25.0%), 50% of the control\'s training examples, 0.50× its training time.');
  });

  it('says nothing without both a valued model and a control', () => {
    expect(valuedVsControl([{ model: 'v', role: 'valued', ndcg10: 0.06, hr10: 0.1, mrr: 0.05 }])).toBeUndefined();
  });
});
