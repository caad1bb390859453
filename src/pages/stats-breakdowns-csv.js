// The breakdown tables' CSV: every figure the API has for a row, rates as
// fractions, so a spreadsheet can compute with them. Pure; csv.js escapes.
import { toCsv } from './csv.js';

const COLUMNS = [
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

/** `heading` names the first column ("Provider", "Mail client"); rows are breakdown rows as the API gives them. */
export function breakdownCsv(heading, rows) {
  return toCsv([heading, ...COLUMNS.map(([name]) => name)], rows.map((row) => [row.label, ...COLUMNS.map(([, value]) => value(row))]));
}
