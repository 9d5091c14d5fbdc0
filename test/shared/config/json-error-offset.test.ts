import { describe, expect, it } from 'vitest';
import { jsonErrorOffset, lineColumn } from '../../../shared/config/json-error-offset';

describe('locating JSON syntax errors', () => {
  it('finds nothing wrong in valid JSON', () => {
    expect(jsonErrorOffset('{"a": [1, -2.5e3, true, null, "x\\n"], "b": {}}')).toBeUndefined();
  });
  it('points at the first character that breaks the grammar', () => {
    const text = '{\n  "dataset": "x",\n  "source": oops\n}\n';
    expect(lineColumn(text, jsonErrorOffset(text)!)).toBe('3:13');
  });
  it('points at a trailing comma and at trailing garbage', () => {
    expect(jsonErrorOffset('[1, 2,]')).toBe(6);
    expect(jsonErrorOffset('{} x')).toBe(3);
  });
  it('reports an unterminated string at the end of the text', () => {
    expect(jsonErrorOffset('{"a": "open')).toBe(11);
  });
});
