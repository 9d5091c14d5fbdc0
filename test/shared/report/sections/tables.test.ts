import { describe, expect, it } from 'vitest';
import { QuarantineExample } from '../../../../shared/report/input';
import { valuedVsControl } from '../../../../shared/report/sections/metrics';
import { mostContradicted, quarantineUse } from '../../../../shared/report/sections/quarantine';
import { QUARANTINE_MODES } from '../../../../shared/valuation/quarantine';
import { pickRejectExamples } from '../../../../shared/report/sections/rejects';

describe('mostContradicted', () => {
  it('keeps the strongest contradictions first, ties broken by example id', () => {
    const examples = [0.2, 3.1, 0.9, 3.1, 1.5].map((c, i) =>
      QuarantineExample.parse({ exampleId: `ex-${i}`, itemId: `${i}`, observedLabel: 'purchase', modelScore: 0.1, contradiction: c }),
    );
    expect(mostContradicted(examples, 3).map((e) => e.exampleId)).toEqual(['ex-1', 'ex-3', 'ex-4']);
  });
});

describe('quarantineUse', () => {
  it('says in words what each quarantine mode did, and where the run did not record one', () => {
    const said = QUARANTINE_MODES.map(quarantineUse);
    expect(new Set(said).size).toBe(QUARANTINE_MODES.length);
    for (const text of said) expect(text).not.toContain('did not record');
    expect(quarantineUse('hidden')).toContain('left out of the histories the valued model read');
    expect(quarantineUse(undefined)).toContain('did not record');
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
  const models = [
    { model: 'v', role: 'valued' as const, ndcg10: 0.06, hr10: 0.1, mrr: 0.05, trainingExamples: 500, trainSeconds: 30 },
    { model: 'c', role: 'control' as const, ndcg10: 0.08, hr10: 0.12, mrr: 0.04, trainingExamples: 1000, trainSeconds: 60 },
  ];

  it('states every headline metric with its paired interval, then the share of examples and the time ratio', () => {
    const sentence = valuedVsControl(models, [
      { metric: 'NDCG@10', valued: 0.06, control: 0.08, difference: -0.02, low: -0.031, high: -0.009, users: 120 },
      { metric: 'HR@10', valued: 0.1, control: 0.12, difference: -0.02, low: -0.05, high: 0.01, users: 120 },
      { metric: 'MRR', valued: 0.05, control: 0.04, difference: 0.01, users: 1 },
    ]);
    expect(sentence).toBe(
      'Valued vs control, paired over 120 test users, difference with its 95% interval: NDCG@10 0.0600 vs 0.0800, −0.0200 [−0.0310, −0.0090]; ' +
        'HR@10 0.1000 vs 0.1200, −0.0200 [−0.0500, +0.0100]; MRR 0.0500 vs 0.0400, +0.0100 (no interval: one user). ' +
        "50% of the control's training examples, 0.50× its training time.",
    );
  });

  it('without per-user scores, lists every metric both models have and says there is no interval', () => {
    expect(valuedVsControl(models)).toBe(
      "Valued vs control, NDCG@10 0.0600 vs 0.0800; HR@10 0.1000 vs 0.1200; MRR 0.0500 vs 0.0400 (no per-user scores were recorded, so no interval). 50% of the control's training examples, 0.50× its training time.",
    );
  });

  it('says nothing without both a valued model and a control', () => {
    expect(valuedVsControl([{ model: 'v', role: 'valued', ndcg10: 0.06, hr10: 0.1, mrr: 0.05 }])).toBeUndefined();
  });
});
