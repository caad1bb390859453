import { jsonBoundsProblem, parseBoundedJson } from '../../src/bounded-json';

const bounds = { maxDepth: 3, maxValues: 5 };

describe('bounded JSON', () => {
  it('parses what stays within the bounds', () => {
    expect(parseBoundedJson('{"a":[1,2,{"b":null}]}', bounds)).toEqual({ ok: true, value: { a: [1, 2, { b: null }] } });
    expect(parseBoundedJson('"just a string"', bounds)).toEqual({ ok: true, value: 'just a string' });
  });

  it('refuses nesting past maxDepth, at any size', () => {
    expect(jsonBoundsProblem('[[[1]]]', bounds)).toBeNull();
    expect(jsonBoundsProblem('[[[[1]]]]', bounds)).toBe('nests deeper than 3 levels');
    // the audit's shape: 100,000 levels in a few hundred KB
    expect(parseBoundedJson('['.repeat(100_000) + ']'.repeat(100_000), { maxDepth: 32, maxValues: 10_000 })).toEqual({ ok: false, problem: 'nests deeper than 32 levels' });
  });

  it('refuses more values than maxValues, keys of one object included', () => {
    expect(jsonBoundsProblem('[1,2,3,4]', bounds)).toBeNull();
    expect(jsonBoundsProblem('{"a":1,"b":2,"c":3,"d":4,"e":5,"f":6}', bounds)).toBe('holds more than 5 values');
    const million = `{${Array.from({ length: 100_000 }, (_, i) => `"k${i}":0`).join(',')}}`;
    expect(parseBoundedJson(million, { maxDepth: 32, maxValues: 10_000 })).toEqual({ ok: false, problem: 'holds more than 10000 values' });
  });

  it('reads brackets, commas and escaped quotes inside strings as text', () => {
    const text = JSON.stringify({ html: '<a href="x">[[[{{{,,,,,,,}}}]]]</a> \\" \\\\" "' });
    expect(jsonBoundsProblem(text, bounds)).toBeNull();
    expect(parseBoundedJson(text, bounds).ok).toBe(true);
    // a string ending in backslashes closes where JSON says it does
    expect(parseBoundedJson('["a\\\\",[[[1]]]]', bounds)).toEqual({ ok: false, problem: 'nests deeper than 3 levels' });
  });

  it('leaves malformed JSON within the bounds to JSON.parse: a clear problem, no throw', () => {
    for (const text of ['', '{', '{"a":', '"unterminated', '[1,]', '{"a" 1}', '\u0000']) {
      expect(parseBoundedJson(text, bounds)).toEqual({ ok: false, problem: 'is not valid JSON' });
    }
    expect(parseBoundedJson(']]]]]]', bounds)).toEqual({ ok: false, problem: 'is not valid JSON' });
  });
});
