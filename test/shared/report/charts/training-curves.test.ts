import { describe, expect, it } from 'vitest';
import { trainingRows } from '../../../../shared/report/charts/training-curves';
import { TrainingPoint } from '../../../../shared/report/input';

describe('trainingRows', () => {
  it('orders points by phase, model, split and epoch so each line draws left to right', () => {
    const points = [
      { phase: 'finetune', variant: 'control', split: 'valid', epoch: 2, loss: 0.5 },
      { phase: 'finetune', variant: 'valued', epoch: 2, loss: 0.4 },
      { phase: 'pretrain', variant: 'shared', epoch: 2, loss: 6.1 },
      { phase: 'finetune', variant: 'valued', epoch: 1, loss: 0.6 },
      { phase: 'pretrain', variant: 'shared', epoch: 1, loss: 7.0 },
    ].map((p) => TrainingPoint.parse(p));
    expect(trainingRows(points).map((r) => [r.phase, r.series, r.epoch, r.loss])).toEqual([
      ['pre-training', 'shared · train', 1, 7.0],
      ['pre-training', 'shared · train', 2, 6.1],
      ['fine-tuning', 'valued · train', 1, 0.6],
      ['fine-tuning', 'valued · train', 2, 0.4],
      ['fine-tuning', 'control · valid', 2, 0.5],
    ]);
  });
});
