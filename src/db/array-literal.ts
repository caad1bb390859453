// PostgreSQL array literals for the batch statements' unnest() parameters.
// node-pg serialises an array element by element through its generic value
// path; for the writer's arrays of thousands of ids, times and counts that
// cost more Node CPU than PostgreSQL spent running the statement. Pure.

const NEEDS_ESCAPE = /[\\"]/;
const ESCAPE = /[\\"]/g;

function element(value: unknown): string {
  if (value === null || value === undefined) return 'NULL';
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) return value > 0 ? 'Infinity' : value < 0 ? '-Infinity' : 'NaN';
    return String(value);
  }
  if (typeof value === 'boolean') return value ? 't' : 'f';
  if (Buffer.isBuffer(value)) return `"\\\\x${value.toString('hex')}"`;
  const text = value instanceof Date ? value.toISOString() : String(value);
  return NEEDS_ESCAPE.test(text) ? `"${text.replace(ESCAPE, '\\$&')}"` : `"${text}"`;
}

/** One-dimensional array literal: strings quoted (and escaped), numbers and booleans bare, null as NULL. */
export function arrayLiteral(values: readonly unknown[]): string {
  let out = '{';
  for (let index = 0; index < values.length; index++) {
    if (index > 0) out += ',';
    out += element(values[index]);
  }
  return `${out}}`;
}
