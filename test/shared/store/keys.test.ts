import { describe, expect, it } from 'vitest';
import { InvalidArtifactKeyError } from '../../../shared/store/errors';
import { aliasKey, assertSafeSegment, parseAliasKey } from '../../../shared/store/keys';

describe('artifact key segments', () => {
  it.each(['train', 'step-1', 'model.onnx', 'run_2024-01-31', 'a=b+c', '_private', 'x'.repeat(128)])('accepts %j', (value) => {
    expect(() => assertSafeSegment('name', value)).not.toThrow();
  });

  it.each([
    ['', 'empty'],
    ['.', 'current directory'],
    ['..', 'parent directory'],
    ['a..b', 'contains ..'],
    ['.hidden', 'leading dot'],
    ['/etc', 'absolute path'],
    ['a/b', 'slash'],
    ['a\\b', 'backslash'],
    ['C:', 'drive letter'],
    ['with space', 'space'],
    ['line\nbreak', 'control character'],
    ['nul\u0000', 'NUL'],
    ['x'.repeat(129), 'too long'],
  ])('rejects %j (%s) with an error naming the segment and the rule', (value) => {
    const error = (() => {
      try {
        assertSafeSegment('step', value);
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    expect(error).toBeInstanceOf(InvalidArtifactKeyError);
    expect((error as InvalidArtifactKeyError).segment).toBe('step');
    expect((error as Error).message).toContain(`step=${JSON.stringify(value)}`);
    expect((error as Error).message).toContain('must be 1-128 characters');
  });

  it('rejects non-string segments coming from untyped callers', () => {
    expect(() => assertSafeSegment('run', undefined)).toThrow(InvalidArtifactKeyError);
  });

  it('builds alias keys under runs/ and parses them back', () => {
    const key = aliasKey('r1', 'pretrain', 'ckpt.bin');
    expect(key).toBe('runs/r1/pretrain/ckpt.bin');
    expect(parseAliasKey(key)).toEqual({ run: 'r1', step: 'pretrain', name: 'ckpt.bin' });
    expect(parseAliasKey('runs/r1/pretrain')).toBeUndefined();
    expect(parseAliasKey('runs/r1/../x/y')).toBeUndefined();
    expect(parseAliasKey('sha256/abc/def/ghi')).toBeUndefined();
  });
});
