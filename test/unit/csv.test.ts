// The pages' CSV writer: RFC 4180 quoting, the byte order mark, and formula
// neutralisation, checked by example and by reading every file back.
import fc from 'fast-check';
import { BYTE_ORDER_MARK, csvField, neutraliseFormula, toCsv } from '../../src/pages/csv.js';

/** A strict RFC 4180 reader: quoted fields, doubled quotes, CRLF records. */
function parseCsv(text: string): string[][] {
  const records: string[][] = [];
  let record: string[] = [];
  let field = '';
  let i = 0;
  while (i < text.length) {
    if (text[i] === '"') {
      i++;
      for (;;) {
        if (i >= text.length) throw new Error('unterminated quote');
        if (text[i] === '"' && text[i + 1] === '"') (field += '"'), (i += 2);
        else if (text[i] === '"') break;
        else field += text[i++];
      }
      i++;
    }
    if (text.startsWith('\r\n', i)) {
      records.push([...record, field]);
      (record = []), (field = ''), (i += 2);
    } else if (text[i] === ',') {
      record.push(field);
      (field = ''), i++;
    } else if (i < text.length) {
      if (/["\r\n]/.test(text[i])) throw new Error(`bare ${JSON.stringify(text[i])} at ${i}`);
      field += text[i++];
    }
  }
  if (record.length > 0 || field !== '') throw new Error('last record without CRLF');
  return records;
}

describe('csvField', () => {
  it.each([
    ['plain', 'plain'],
    ['a,b', '"a,b"'],
    ['say "hi"', '"say ""hi"""'],
    ['two\nlines', '"two\nlines"'],
    ['cr\rinside', '"cr\rinside"'],
    ['', ''],
    ['Zoë Ørsted', 'Zoë Ørsted'],
  ])('%j is written %j', (value, written) => {
    expect(csvField(value)).toBe(written);
  });

  it('writes numbers as numbers, and null and undefined as empty cells', () => {
    expect([csvField(0), csvField(12), csvField(-3), csvField(0.625), csvField(null), csvField(undefined)]).toEqual(['0', '12', '-3', '0.625', '', '']);
  });
});

describe('formula neutralisation', () => {
  it.each([
    ['=HYPERLINK("https://evil.example","x")', `"'=HYPERLINK(""https://evil.example"",""x"")"`],
    ['+1-555-0100', "'+1-555-0100"],
    ['-2+3', "'-2+3"],
    ['@SUM(A1:A9)', "'@SUM(A1:A9)"],
    ['\t=1+1', "'\t=1+1"],
    ['\r=1+1', `"'\r=1+1"`],
  ])('%j gets an apostrophe: %j', (value, written) => {
    expect(csvField(value)).toBe(written);
  });

  it('leaves text that only contains those characters later alone', () => {
    expect(['a=b', 'ann+tag@a.example', 'x-1', ' =1'].map(neutraliseFormula)).toEqual(['a=b', 'ann+tag@a.example', 'x-1', ' =1']);
  });
});

describe('toCsv', () => {
  it('starts with the byte order mark and the header, and ends every record with CRLF', () => {
    const csv = toCsv(['Email', 'Opens'], [['ann@a.example', 3], ['=cmd|"/c calc"!A1', 0]]);
    expect(csv).toBe(`${BYTE_ORDER_MARK}Email,Opens\r\nann@a.example,3\r\n"'=cmd|""/c calc""!A1",0\r\n`);
    expect(Buffer.from(csv, 'utf8').subarray(0, 3)).toEqual(Buffer.from([0xef, 0xbb, 0xbf]));
  });

  it('refuses a row whose cell count differs from the header', () => {
    expect(() => toCsv(['a', 'b'], [['1']])).toThrow('CSV row 1 has 1 cells, the header 2');
  });

  it('reads back, by a strict RFC 4180 reader, as the text it was given (formulas neutralised)', () => {
    const cell = fc.oneof(fc.string({ unit: fc.constantFrom('a', 'é', ',', '"', '\r', '\n', '=', '+', '-', '@', '\t', ' ') }), fc.string());
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 5 }).chain((width) => fc.array(fc.array(cell, { minLength: width, maxLength: width }), { maxLength: 6 })), (rows) => {
        const header = rows[0]?.map((_, index) => `column ${index}`) ?? ['only'];
        const text = toCsv(header, rows);
        expect(text.startsWith(BYTE_ORDER_MARK)).toBe(true);
        expect(parseCsv(text.slice(1))).toEqual([header, ...rows.map((row) => row.map(neutraliseFormula))]);
      }),
    );
  });
});
