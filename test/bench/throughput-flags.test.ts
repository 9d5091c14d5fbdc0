import { describe, expect, it } from 'vitest';
import { BenchUsageError } from '../../bench/flags';
import { parseFlags } from '../../bench/throughput';

describe('throughput bench flags', () => {
  it('takes the repetitions, epochs and kernel mode, with defaults for the rest', () => {
    expect(parseFlags(['--repeats', '5', '--epochs', '2', '--kernels', 'on'])).toMatchObject({ repeats: 5, epochs: 2, kernels: 'on', threads: 2, 'memory-batches': 40 });
    expect(parseFlags([]).repeats).toBe(1);
  });

  it('names a bad flag, its value and the reason', () => {
    expect(() => parseFlags(['--repeats', '0'])).toThrow(BenchUsageError);
    expect(() => parseFlags(['--repeats', '0'])).toThrow(/--repeats=0: must be at least 1/);
    expect(() => parseFlags(['--repeats', '2.5'])).toThrow(/--repeats=2.5: must be an integer/);
    expect(() => parseFlags(['--kernels', 'maybe'])).toThrow(/--kernels=maybe: must be on, off or both/);
    expect(() => parseFlags(['--repeat', '3'])).toThrow(/Unknown option '--repeat'[\s\S]*usage: npm run bench -- throughput/);
  });
});
