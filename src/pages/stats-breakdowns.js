// Who the readers are (contract section 13): the view's or a drilled-down
// row's sends by mailbox provider and its counted opens and clicks by mail
// client, as two tables with a bar per row, each with its CSV. One request
// per view and range; the page hands in where to draw and its session.
import { el, formatCount, formatRate } from './dom.js';
import { downloadText, slug } from './download.js';
import { graphql } from './graphql.js';
import { readersCsv } from './stats-csv.js';
import { num } from './stats-render.js';

const ROW = 'key label sends opened clicked openRate clickRate humanOpenRate opens clicks mppOpens';

/** The whole view's, or a campaign's or template's, providers and clients in one request. */
function breakdownsQuery(kind) {
  const fields = `providers: breakdown(by: MAILBOX_PROVIDER, range: $range) { ${ROW} }
    clients: breakdown(by: EMAIL_CLIENT, range: $range) { ${ROW} }`;
  if (kind === 'all') return `query Breakdowns($range: RangeInput) { ${fields} }`;
  return `query ${kind === 'campaign' ? 'Campaign' : 'Template'}Breakdowns($id: ID!, $range: RangeInput) { ${kind}(id: $id) { ${fields} } }`;
}

const TABLES = {
  providers: { title: 'Mailbox providers', heading: 'Provider', empty: 'No sends in this range.', what: 'sends' },
  clients: { title: 'Mail clients', heading: 'Mail client', empty: 'No opens or clicks in this range.', what: 'sends with an open or click from it' },
};

/** The sends cell: the figure, and a bar as long as its share of the table's largest row (for the eye only). */
function sendsCell(row, largest) {
  const bar = el('span', { class: 'bar', 'aria-hidden': 'true' });
  // Through the CSSOM: the pages' Content-Security-Policy refuses style attributes.
  bar.style.width = `${largest === 0 ? 0 : Math.max(1, Math.round((100 * row.sends) / largest))}%`;
  return el('td', { class: 'num bar-cell' }, bar, el('span', { class: 'bar-value', text: formatCount(row.sends) }));
}

function breakdownTable(id, table, rows, rangeLabel) {
  const withMpp = id === 'clients';
  const headers = [table.heading, 'Sends', 'Open rate', 'Click rate', 'Human open rate', ...(withMpp ? ['MPP opens'] : [])];
  const largest = rows.reduce((max, row) => Math.max(max, row.sends), 0);
  const body = rows.length
    ? rows.map((row) =>
        el(
          'tr',
          { 'data-key': row.key, class: row.key === 'APPLE_MPP' ? 'is-mpp' : null },
          el('th', { scope: 'row', text: row.label }),
          sendsCell(row, largest),
          num(formatRate(row.openRate)),
          num(formatRate(row.clickRate)),
          num(formatRate(row.humanOpenRate)),
          withMpp ? num(formatCount(row.mppOpens)) : null,
        ),
      )
    : [el('tr', {}, el('td', { colspan: headers.length, class: 'empty', text: table.empty }))];
  return el(
    'div',
    { class: 'table-scroll', role: 'region', 'aria-label': table.title, tabindex: '0' },
    el(
      'table',
      { class: 'figures breakdown-table', id: `${id}-table` },
      el('caption', { text: `${table.title}, ${rangeLabel}: sends counts ${table.what}; rates are over all the sends` }),
      el('thead', {}, el('tr', {}, ...headers.map((text, index) => el('th', { scope: 'col', class: index === 0 ? null : 'num', text })))),
      el('tbody', {}, ...body),
    ),
  );
}

/**
 * Fills `container` with the providers and clients of `view` ({ kind: 'all' }
 * or { kind, id, name }) in `range`; `session` gives the token, the status
 * line and the page's failure handling. Returns once drawn.
 */
export async function showBreakdowns(container, view, range, session) {
  container.setAttribute('aria-busy', 'true');
  try {
    const variables = view.kind === 'all' ? { range: range.input } : { id: view.id, range: range.input };
    const data = await graphql(session.token(), breakdownsQuery(view.kind), variables);
    const figures = view.kind === 'all' ? data : data[view.kind];
    if (!figures) {
      container.replaceChildren();
      return;
    }
    const name = view.kind === 'all' ? 'all' : view.name;
    container.replaceChildren(
      ...Object.entries(TABLES).flatMap(([id, table]) => {
        const download = el('button', { type: 'button', class: 'quiet csv-button', id: `${id}-csv`, text: `Download CSV of the ${table.title.toLowerCase()}` });
        download.addEventListener('click', () =>
          downloadText(`${id}-${slug(name)}-${slug(range.label)}.csv`, readersCsv(table.heading, figures[id])),
        );
        return [el('div', { class: 'table-head' }, el('h3', { text: table.title }), download), breakdownTable(id, table, figures[id], range.label)];
      }),
    );
  } catch (error) {
    session.fail(error, () => showBreakdowns(container, view, range, session));
  } finally {
    container.removeAttribute('aria-busy');
  }
}
