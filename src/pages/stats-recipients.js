// A drill-down's recipients: the filter (all, opened, clicked, not opened),
// pages of 50 walked with the API's cursors (Next follows the last row's
// cursor; Previous goes back to a cursor already seen), and the CSV of every
// recipient under the filter, fetched page by page through the API. Kept to
// one link ("who clicked this link") when the row names one.
import { el, formatCount, formatMoment } from './dom.js';
import { downloadText, slug } from './download.js';
import { graphql } from './graphql.js';
import { recipientsCsv } from './stats-csv.js';
import { recipientsQuery } from './stats-queries.js';
import { figuresTable, num } from './stats-render.js';

const PAGE_SIZE = 50;
/** The API's bound on one page; the CSV walks the list in pages this big. */
const EXPORT_PAGE_SIZE = 1000;

const FILTERS = [
  ['ALL', 'All'],
  ['OPENED', 'Opened'],
  ['CLICKED', 'Clicked'],
  ['NOT_OPENED', 'Not opened'],
];
const FILTER_WORDS = { ALL: 'all recipients', OPENED: 'recipients who opened', CLICKED: 'recipients who clicked', NOT_OPENED: 'recipients who did not open' };

const HEADERS = [['Recipient'], ['Sent'], ['Opens', true], ['Clicks', true], ['MPP opens', true], ['First opened'], ['Last clicked']];

const recipientRow = (recipient) => [
  // An erased contact keeps its figures and loses its address.
  el('th', { scope: 'row', text: recipient.email || '(erased)' }),
  el('td', { class: 'when', text: formatMoment(recipient.sentAt) }),
  num(formatCount(recipient.opens)),
  num(formatCount(recipient.clicks)),
  num(formatCount(recipient.mppOpens)),
  el('td', { class: 'when', text: formatMoment(recipient.firstOpenedAt) }),
  el('td', { class: 'when', text: formatMoment(recipient.lastClickedAt) }),
];

function filterControl(name, onChange) {
  const group = el('fieldset', { class: 'filter' }, el('legend', { text: 'Show' }));
  for (const [value, label] of FILTERS) {
    const id = `recipients-filter-${value.toLowerCase()}`;
    const input = el('input', { type: 'radio', name, id, value });
    input.checked = value === 'ALL';
    input.addEventListener('change', () => onChange(value));
    group.append(el('span', { class: 'filter-option' }, input, el('label', { for: id, text: label })));
  }
  return group;
}

/**
 * Fills `container` with the recipients of `{ kind, id, name, link? }` in
 * `range`: with `link` (a link's name, or its URL when unnamed), only the
 * sends that clicked it. `session` gives the token, the status line and the
 * page's failure handling; `moveFocus` takes the focus to the list's heading.
 */
export function showRecipients(container, row, range, session, moveFocus = false) {
  const link = row.link ?? null;
  const state = { filter: 'ALL', starts: [null], index: 0, generation: 0 };
  const tableSlot = el('div', { class: 'recipients-table' });
  const previous = el('button', { type: 'button', class: 'quiet', text: 'Previous' });
  const next = el('button', { type: 'button', class: 'quiet', text: 'Next' });
  const position = el('p', { class: 'pager-position', 'aria-live': 'polite' });
  const download = el('button', { type: 'button', class: 'quiet csv-button', id: 'recipients-csv', text: 'Download CSV of every recipient' });

  const query = recipientsQuery(row.kind);
  const fetchPage = (limit, after) =>
    graphql(session.token(), query, { id: row.id, range: range.input, limit, after, filter: state.filter, link }).then((data) => data[row.kind]?.recipients ?? []);

  async function showPage() {
    const generation = ++state.generation;
    container.setAttribute('aria-busy', 'true');
    try {
      // One row more than shown says whether there is a next page.
      const rows = await fetchPage(PAGE_SIZE + 1, state.starts[state.index]);
      if (generation !== state.generation) return;
      const shown = rows.slice(0, PAGE_SIZE);
      const hasNext = rows.length > PAGE_SIZE;
      state.starts[state.index + 1] = hasNext ? shown[shown.length - 1].cursor : undefined;
      const first = state.index * PAGE_SIZE + 1;
      const caption = shown.length === 0 ? `Recipients: ${FILTER_WORDS[state.filter]}` : `Recipients ${formatCount(first)}–${formatCount(first + shown.length - 1)}: ${FILTER_WORDS[state.filter]}`;
      tableSlot.replaceChildren(figuresTable(caption, HEADERS, shown.map(recipientRow), `No ${FILTER_WORDS[state.filter]} in this range.`));
      previous.disabled = state.index === 0;
      next.disabled = !hasNext;
      position.textContent = shown.length === 0 ? '' : `Page ${formatCount(state.index + 1)}${hasNext ? '' : ', the last'}`;
    } catch (error) {
      if (generation === state.generation) session.fail(error, showPage);
    } finally {
      if (generation === state.generation) container.removeAttribute('aria-busy');
    }
  }

  async function downloadAll() {
    download.disabled = true;
    const all = [];
    try {
      let after = null;
      for (;;) {
        session.status(`Fetching ${FILTER_WORDS[state.filter]} for the CSV: ${formatCount(all.length)} so far…`);
        const batch = await fetchPage(EXPORT_PAGE_SIZE, after);
        all.push(...batch);
        if (batch.length < EXPORT_PAGE_SIZE) break;
        after = batch[batch.length - 1].cursor;
      }
      const which = link === null ? state.filter.toLowerCase().replace('_', '-') : `clicked-${slug(link)}`;
      downloadText(`recipients-${slug(row.name)}-${which}-${slug(range.label)}.csv`, recipientsCsv(all));
      const label = FILTERS.find(([value]) => value === state.filter)[1].toLowerCase();
      session.status(`Downloaded ${formatCount(all.length)} ${all.length === 1 ? 'recipient' : 'recipients'} (${label}) as CSV.`);
    } catch (error) {
      session.fail(error, downloadAll);
    } finally {
      download.disabled = false;
    }
  }

  previous.addEventListener('click', () => {
    state.index--;
    void showPage();
  });
  next.addEventListener('click', () => {
    state.index++;
    void showPage();
  });
  download.addEventListener('click', () => void downloadAll());
  const filter = filterControl(`recipients-filter-${row.kind}`, (value) => {
    state.filter = value;
    state.starts = [null];
    state.index = 0;
    void showPage();
  });

  const heading = el('h3', { id: 'recipients-heading', tabindex: '-1', text: link === null ? 'Recipients' : `Who clicked “${link}”` });
  const showAll = el('button', { type: 'button', class: 'quiet', id: 'recipients-all', text: 'Show all recipients' });
  showAll.addEventListener('click', () => void showRecipients(container, { ...row, link: null }, range, session, true));
  container.replaceChildren(
    el('div', { class: 'table-head' }, heading, download),
    link === null ? null : showAll,
    filter,
    tableSlot,
    el('nav', { class: 'pager', 'aria-label': 'Recipient pages' }, previous, position, next),
  );
  if (moveFocus) {
    heading.focus();
    heading.scrollIntoView({ block: 'start', behavior: 'smooth' });
  }
  return showPage();
}
