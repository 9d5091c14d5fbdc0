import { describe, expect, it } from 'vitest';
import { BenchUsageError } from '../../bench/flags';
import { parseFlags } from '../../bench/search';

describe('search bench flags', () => {
  it('reads catalogue sizes and grid lists as comma-separated values', () => {
    const flags = parseFlags(['--items', '200,900', '--learning-rates', '0.01', '--impression-negatives', 'on', '--esci', 'none']);
    expect(flags.items).toEqual([200, 900]);
    expect(flags['learning-rates']).toEqual([0.01]);
    expect(flags['impression-negatives']).toBe('on');
    expect(flags.esci).toBe('none');
    expect(parseFlags([]).items).toEqual([300, 3000]);
  });

  it('names a bad flag, its value and the reason', () => {
    expect(() => parseFlags(['--items', '300,abc'])).toThrow(BenchUsageError);
    expect(() => parseFlags(['--items', '300,abc'])).toThrow(/--items=300,abc: comma-separated positive integers/);
    expect(() => parseFlags(['--ranks', '1.5'])).toThrow(/--ranks=1.5: comma-separated positive integers/);
    expect(() => parseFlags(['--item-vectors', 'maybe'])).toThrow(/--item-vectors=maybe/);
  });
});
