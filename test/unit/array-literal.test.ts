// The array literal's escaping, by example (test/integration/array-literal
// checks the round trip through PostgreSQL itself).
import { arrayLiteral } from '../../src/db/array-literal';

describe('arrayLiteral', () => {
  it('quotes every string, escapes quotes and backslashes, and writes buffers as bytea hex', () => {
    expect(arrayLiteral(['a"b', 'c\\d', 'NULL', null, Buffer.from([1, 255]), ''])).toBe('{"a\\"b","c\\\\d","NULL",NULL,"\\\\x01ff",""}');
  });
  it('writes numbers and booleans bare', () => {
    expect(arrayLiteral([])).toBe('{}');
    expect(arrayLiteral([Infinity, -Infinity, 1.5, -3, true, false])).toBe('{Infinity,-Infinity,1.5,-3,t,f}');
  });
});
