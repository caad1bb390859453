// What the batch statements send as array literals is what PostgreSQL reads
// back: any text (quotes, backslashes, braces, commas, blanks, "NULL",
// non-ASCII), numbers, booleans and nulls.
import fc from 'fast-check';
import type { DataSource } from 'typeorm';
import { arrayLiteral } from '../../src/db/array-literal';
import { openTestDataSource } from '../support/app';

let db: DataSource;
beforeAll(async () => {
  db = await openTestDataSource(1);
});
afterAll(async () => {
  await db.destroy();
});

const text = fc.oneof(fc.string({ unit: 'grapheme' }), fc.constantFrom('NULL', 'null', '', ' ', '{}', 'a,b', '"', '\\', '\\"', ' x '));

it('round-trips text, float8, integer and boolean arrays through PostgreSQL', async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.array(fc.option(text.filter((value) => !value.includes('\0')))),
      fc.array(fc.option(fc.double({ noNaN: true }).filter((value) => !Object.is(value, -0)))),
      fc.array(fc.option(fc.integer())),
      fc.array(fc.option(fc.boolean())),
      async (texts, doubles, integers, booleans) => {
        const [row] = await db.query(`SELECT $1::text[] AS t, $2::float8[] AS d, $3::integer[] AS i, $4::boolean[] AS b`, [
          arrayLiteral(texts),
          arrayLiteral(doubles),
          arrayLiteral(integers),
          arrayLiteral(booleans),
        ]);
        expect([row.t, row.d.map((v: string | number | null) => (v === null ? null : Number(v))), row.i, row.b]).toEqual([texts, doubles, integers, booleans]);
      },
    ),
    { numRuns: 200 },
  );
});
