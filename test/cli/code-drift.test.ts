import { describe, expect, it } from 'vitest';
import { codeDrift } from '../../cli/code-drift';

describe('codeDrift', () => {
  it('says nothing when every step ran the client\'s code', () => {
    expect(codeDrift('abc', [{ step: 'preprocess', codeVersion: 'abc', worker: 'h:1/cpu' }])).toEqual([]);
  });

  it('names each other worker version and the steps it ran', () => {
    expect(codeDrift('abc', [
      { step: 'preprocess', codeVersion: 'abc', worker: 'h:1/cpu' },
      { step: 'pretrain', codeVersion: 'def+dirty', worker: 'g:2/accelerator' },
      { step: 'finetune', variant: 'valued', codeVersion: 'def+dirty', worker: 'g:2/accelerator' },
    ])).toEqual(['code differs: client abc, worker def+dirty ran pretrain on g:2/accelerator, finetune(valued) on g:2/accelerator']);
  });
});
