// Builds the Stats page's parts from API data, through dom.js's el (text
// only, never markup).
import { el, formatCount, formatDay, formatMoment, formatRate } from './dom.js';

/**
 * The MPP share's colour: 'low' under 25 %, 'mid' 25 to 49 %, 'high' 50 % and
 * over, 'none' with no opens. Judged on the figure as shown (one decimal), so
 * a share printed as 25.0 % is never grey.
 */
function mppLevel(share) {
  if (share === null || share === undefined) return 'none';
  const shown = Math.round(share * 1000) / 10;
  if (shown < 25) return 'low';
  return shown < 50 ? 'mid' : 'high';
}

const AD_HOC = 'ad-hoc';

/** A campaign or template's name; the ad-hoc row and unnamed ids say what they are. */
function displayName(kind, item) {
  if (kind === 'template' && item.id === AD_HOC) return 'Ad-hoc (no template)';
  return item.name ?? item.id;
}

const CARDS = [
  {
    key: 'sends',
    label: 'Total sends',
    value: (stats) => formatCount(stats.sends),
    note: (stats) => (stats.lastSentAt ? `last on ${formatDay(stats.lastSentAt)}` : 'nothing sent in this range'),
  },
  {
    key: 'open-rate',
    label: 'Open rate',
    value: (stats) => formatRate(stats.openRate),
    note: (stats) => `${formatCount(stats.opened)} opened, ${formatRate(stats.humanOpenRate)} without Apple MPP`,
  },
  {
    key: 'click-rate',
    label: 'Click rate',
    value: (stats) => formatRate(stats.clickRate),
    note: (stats) => `${formatCount(stats.clicked)} clicked`,
  },
  {
    key: 'failed',
    label: 'Failed / bounced',
    value: (stats) => formatCount(stats.failed),
    note: (stats) => `${formatRate(stats.sends === 0 ? 0 : stats.failed / stats.sends)} of sends`,
  },
];

export function renderCards(list, stats) {
  list.replaceChildren(
    ...CARDS.map((card) =>
      el(
        'li',
        { class: 'card', 'data-card': card.key },
        el('h3', { text: card.label }),
        el('p', { class: 'card-value', text: card.value(stats) }),
        el('p', { class: 'card-note', text: card.note(stats) }),
      ),
    ),
  );
}

const num = (text) => el('td', { class: 'num', text });

function mppCell(stats) {
  const level = mppLevel(stats.mppShare);
  if (level === 'none') {
    // The dash is for the eye; a screen reader says why there is no figure.
    return el('td', { class: 'num mpp-none' }, el('span', { 'aria-hidden': 'true', text: '–' }), el('span', { class: 'visually-hidden', text: 'no opens' }));
  }
  return el('td', { class: `num mpp-${level}`, text: formatRate(stats.mppShare) });
}

const rateCells = (stats) => [num(formatRate(stats.openRate)), num(formatRate(stats.clickRate)), mppCell(stats)];

/**
 * The campaigns or templates table. Each row's name is a button: Tab reaches
 * it and Enter opens the drill-down; a click anywhere on the row does too.
 */
export function renderBreakdown(tbody, kind, rows, openId) {
  if (rows.length === 0) {
    tbody.replaceChildren(el('tr', {}, el('td', { colspan: 6, class: 'empty', text: `No ${kind}s with sends in this range.` })));
    return;
  }
  tbody.replaceChildren(
    ...rows.map((row) => {
      const open = row.id === openId;
      return el(
        'tr',
        { 'data-id': row.id, class: open ? 'is-open' : null },
        el('th', { scope: 'row' }, el('button', { type: 'button', class: 'row-button', 'aria-expanded': String(open), 'aria-controls': 'detail', text: displayName(kind, row) })),
        num(formatCount(row.stats.sends)),
        ...rateCells(row.stats),
        el('td', { text: formatDay(row.stats.lastSentAt) }),
      );
    }),
  );
}

/** A captioned table in its own horizontally scrolling region (for phones). */
function figuresTable(caption, headers, rows, emptyText) {
  const body = rows.length > 0 ? rows.map((cells) => el('tr', {}, ...cells)) : [el('tr', {}, el('td', { colspan: headers.length, class: 'empty', text: emptyText }))];
  return el(
    'div',
    { class: 'table-scroll', role: 'region', 'aria-label': caption, tabindex: '0' },
    el(
      'table',
      { class: 'figures' },
      el('caption', { text: caption }),
      el('thead', {}, el('tr', {}, ...headers.map(([text, isNumber]) => el('th', { scope: 'col', class: isNumber ? 'num' : null, text })))),
      el('tbody', {}, ...body),
    ),
  );
}

const linksTable = (links) =>
  figuresTable(
    'Clicks per link',
    [['Link'], ['Clicks', true], ['Unique clicks', true]],
    links.map((link) => [el('th', { scope: 'row', class: 'url', text: link.url }), num(formatCount(link.clicks)), num(formatCount(link.uniqueClicks))]),
    'No clicks in this range.',
  );

const templatesTable = (rows) =>
  figuresTable(
    'Templates in this campaign',
    [['Template'], ['Sends', true], ['Open rate', true], ['Click rate', true], ['MPP share', true]],
    rows.map((row) => [el('th', { scope: 'row', text: displayName('template', row.template) }), num(formatCount(row.stats.sends)), ...rateCells(row.stats)]),
    'No sends in this range.',
  );

const recipientsTable = (recipients) =>
  figuresTable(
    'Latest 50 recipients',
    [['Recipient'], ['Sent'], ['Opens', true], ['Clicks', true], ['MPP opens', true], ['First opened'], ['Last clicked']],
    recipients.map((recipient) => [
      el('th', { scope: 'row', text: recipient.email }),
      el('td', { class: 'when', text: formatMoment(recipient.sentAt) }),
      num(formatCount(recipient.opens)),
      num(formatCount(recipient.clicks)),
      num(formatCount(recipient.mppOpens)),
      el('td', { class: 'when', text: formatMoment(recipient.firstOpenedAt) }),
      el('td', { class: 'when', text: formatMoment(recipient.lastClickedAt) }),
    ]),
    'No sends in this range.',
  );

/** The drill-down of one campaign or template; returns its heading, to take the focus. */
export function renderDetail(section, kind, item, rangeLabel, onClose) {
  const heading = el('h2', { id: 'detail-heading', tabindex: '-1', text: `${kind === 'campaign' ? 'Campaign' : 'Template'}: ${displayName(kind, item)}` });
  const close = el('button', { type: 'button', class: 'quiet', id: 'detail-close', text: 'Close' });
  close.addEventListener('click', onClose);
  const stats = item.stats;
  const summary = `${formatCount(stats.sends)} sends, ${formatRate(stats.openRate)} opened, ${formatRate(stats.clickRate)} clicked, ${formatCount(stats.failed)} failed (${rangeLabel})`;
  section.replaceChildren(
    el('div', { class: 'section-head' }, heading, close),
    el('p', { class: 'detail-summary', text: summary }),
    linksTable(item.links),
    kind === 'campaign' ? templatesTable(item.templates) : null,
    recipientsTable(item.recipients),
  );
  return heading;
}
