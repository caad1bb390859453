// @ts-check
// CSV for the "Download CSV" buttons: pure, no DOM, unit tested.
//
// The rules (docs/pages.md repeats them):
// - RFC 4180: records end with CRLF (the last one too); a field holding a
//   comma, a double quote, CR or LF is wrapped in double quotes, and a double
//   quote inside it is doubled. The first record is the header row.
// - UTF-8, starting with a byte order mark: without it Excel reads the file
//   in the machine's legacy code page and "Zoë" arrives as "ZoÃ«"; LibreOffice,
//   Numbers, Google Sheets and csv readers that know UTF-8 skip it.
// - Formula injection: a text cell starting with =, +, -, @, a tab or a CR is
//   one a spreadsheet may run as a formula (=HYPERLINK(...), @SUM(...)), and
//   names, emails and URLs come from the CRM and from email HTML. Such a cell
//   gets a leading apostrophe, which spreadsheets show as text. Numbers in
//   the data (counts, rates) are JavaScript numbers and written as they are:
//   only text is checked, so a count is never turned into text.
// - null and undefined are empty cells.

export const BYTE_ORDER_MARK = '\uFEFF';

const FORMULA_START = /^[=+\-@\t\r]/;
const NEEDS_QUOTES = /[",\r\n]/;

/** A text cell a spreadsheet would not run as a formula. */
export function neutraliseFormula(/** @type {string} */ text) {
  return FORMULA_START.test(text) ? `'${text}` : text;
}

/** One field, escaped as RFC 4180 says. */
export function csvField(/** @type {unknown} */ value) {
  if (value === null || value === undefined) return '';
  const text = typeof value === 'string' ? neutraliseFormula(value) : String(value);
  return NEEDS_QUOTES.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/**
 * The whole file: byte order mark, header row, one record per row, CRLF after
 * each. Every row must have as many cells as the header.
 * @param {readonly string[]} header
 * @param {readonly (readonly unknown[])[]} rows
 */
export function toCsv(header, rows) {
  const records = [header, ...rows].map((cells, index) => {
    if (cells.length !== header.length) throw new Error(`CSV row ${index} has ${cells.length} cells, the header ${header.length}`);
    return `${cells.map(csvField).join(',')}\r\n`;
  });
  return BYTE_ORDER_MARK + records.join('');
}
