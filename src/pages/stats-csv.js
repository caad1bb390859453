// The Stats page's CSV files: which columns each download has. Figures are
// written as the API gives them (rates as fractions, times in ISO 8601 UTC),
// so a spreadsheet can compute with them; csv.js does the escaping.
import { toCsv } from './csv.js';
import { displayName } from './stats-render.js';

const FIGURE_COLUMNS = [
  ['Sends', (s) => s.sends],
  ['Untracked sends', (s) => s.untrackedSends],
  ['Opened', (s) => s.opened],
  ['Clicked', (s) => s.clicked],
  ['Failed', (s) => s.failed],
  ['Opens', (s) => s.opens],
  ['Clicks', (s) => s.clicks],
  ['MPP opens', (s) => s.mppOpens],
  ['Machine opens', (s) => s.botOpens],
  ['Machine clicks', (s) => s.botClicks],
  ['Open rate', (s) => s.openRate],
  ['Click rate', (s) => s.clickRate],
  ['Human open rate', (s) => s.humanOpenRate],
  ['MPP share', (s) => s.mppShare],
  ['Click-to-open rate', (s) => s.clickToOpenRate],
  ['Last sent at', (s) => s.lastSentAt],
];

/** The campaigns or templates table as shown, with every figure the API has for a row. */
export function breakdownCsv(kind, rows) {
  const header = [kind === 'campaign' ? 'Campaign' : 'Template', 'Id', ...FIGURE_COLUMNS.map(([name]) => name)];
  return toCsv(header, rows.map((row) => [displayName(kind, row), row.id, ...FIGURE_COLUMNS.map(([, value]) => value(row.stats))]));
}

/** Per link: its data-track-name (empty when grouped by URL) and its URL, the first seen under the name. */
export function linksCsv(links) {
  return toCsv(['Name', 'URL', 'Clicks', 'Unique clicks'], links.map((link) => [link.name, link.url, link.clicks, link.uniqueClicks]));
}

export function recipientsCsv(recipients) {
  return toCsv(
    ['Email', 'Contact id', 'Send id', 'Sent at', 'Opens', 'Clicks', 'MPP opens', 'First opened at', 'Last clicked at'],
    recipients.map((r) => [r.email, r.contactId, r.sendId, r.sentAt, r.opens, r.clicks, r.mppOpens, r.firstOpenedAt, r.lastClickedAt]),
  );
}

const READER_COLUMNS = [
  ['Key', (row) => row.key],
  ['Sends', (row) => row.sends],
  ['Opened', (row) => row.opened],
  ['Clicked', (row) => row.clicked],
  ['Open rate', (row) => row.openRate],
  ['Click rate', (row) => row.clickRate],
  ['Human open rate', (row) => row.humanOpenRate],
  ['Opens', (row) => row.opens],
  ['Clicks', (row) => row.clicks],
  ['MPP opens', (row) => row.mppOpens],
];

/** A readers table (providers or clients, `heading` names its first column), with every figure the API has for a row. */
export function readersCsv(heading, rows) {
  return toCsv([heading, ...READER_COLUMNS.map(([name]) => name)], rows.map((row) => [row.label, ...READER_COLUMNS.map(([, value]) => value(row))]));
}
