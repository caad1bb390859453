// Builds the Stats page's parts from API data, through dom.js's el (text
// only, never markup).
import { el, formatCount, formatDay, formatRate } from './dom.js';

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
export function displayName(kind, item) {
  if (kind === 'template' && item.id === AD_HOC) return 'Ad-hoc (no template)';
  return item.name ?? item.id;
}

/** What the figures leave out, said next to them: nothing is hidden. */
const machineOpens = (stats) => `${formatCount(stats.botOpens)} machine ${stats.botOpens === 1 ? 'open' : 'opens'} filtered out`;
const machineClicks = (stats) => `${formatCount(stats.botClicks)} machine ${stats.botClicks === 1 ? 'click' : 'clicks'} filtered out`;
const untracked = (stats) => `${formatCount(stats.untrackedSends)} untracked ${stats.untrackedSends === 1 ? 'send' : 'sends'} left out`;

const CARDS = [
  {
    key: 'sends',
    label: 'Total sends',
    value: (stats) => formatCount(stats.sends),
    note: (stats) => (stats.lastSentAt ? `tracked, last on ${formatDay(stats.lastSentAt)}` : 'nothing tracked in this range'),
    aside: untracked,
  },
  {
    key: 'open-rate',
    label: 'Open rate',
    value: (stats) => formatRate(stats.openRate),
    note: (stats) => `${formatCount(stats.opened)} opened, ${formatRate(stats.humanOpenRate)} without Apple MPP`,
    aside: machineOpens,
  },
  {
    key: 'click-rate',
    label: 'Click rate',
    value: (stats) => formatRate(stats.clickRate),
    note: (stats) => `${formatCount(stats.clicked)} clicked, click-to-open ${formatRate(stats.clickToOpenRate)}`,
    aside: machineClicks,
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
        card.aside ? el('p', { class: 'card-aside', text: card.aside(stats) }) : null,
      ),
    ),
  );
}

export const num = (text) => el('td', { class: 'num', text });

function mppCell(stats) {
  const level = mppLevel(stats.mppShare);
  if (level === 'none') {
    // The dash is for the eye; a screen reader says why there is no figure.
    return el('td', { class: 'num mpp-none' }, el('span', { 'aria-hidden': 'true', text: '–' }), el('span', { class: 'visually-hidden', text: 'no opens' }));
  }
  return el('td', { class: `num mpp-${level}`, text: formatRate(stats.mppShare) });
}

const rateCells = (stats) => [num(formatRate(stats.openRate)), num(formatRate(stats.clickRate)), num(formatRate(stats.clickToOpenRate)), mppCell(stats)];

/**
 * The campaigns or templates table. Each row's name is a button: Tab reaches
 * it and Enter opens the drill-down; a click anywhere on the row does too.
 */
export function renderBreakdown(tbody, kind, rows, openId) {
  if (rows.length === 0) {
    tbody.replaceChildren(el('tr', {}, el('td', { colspan: 7, class: 'empty', text: `No ${kind}s with sends in this range.` })));
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
export function figuresTable(caption, headers, rows, emptyText) {
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

/** A named link shows its name, with the first URL under it; its button lists who clicked it. */
function linkCells(link) {
  const label = link.name ?? link.url;
  const who = el('button', { type: 'button', class: 'quiet who-clicked', 'data-link': label, 'aria-label': `Who clicked ${label}`, text: 'Who clicked' });
  who.disabled = link.clicks === 0;
  const heading = link.name === null || link.name === undefined
    ? el('th', { scope: 'row', class: 'url', text: link.url })
    : el('th', { scope: 'row', class: 'url' }, el('span', { class: 'link-name', text: link.name }), el('span', { class: 'link-url', text: link.url }));
  return [heading, num(formatCount(link.clicks)), num(formatCount(link.uniqueClicks)), el('td', {}, who)];
}

const linksTable = (links) =>
  figuresTable('Clicks per link', [['Link'], ['Clicks', true], ['Unique clicks', true], ['Recipients']], links.map(linkCells), 'No clicks in this range.');

const templatesTable = (rows) =>
  figuresTable(
    'Templates in this campaign',
    [['Template'], ['Sends', true], ['Open rate', true], ['Click rate', true], ['Click-to-open', true], ['MPP share', true]],
    rows.map((row) => [el('th', { scope: 'row', text: displayName('template', row.template) }), num(formatCount(row.stats.sends)), ...rateCells(row.stats)]),
    'No sends in this range.',
  );

/** The line under a drill-down's heading: its figures, and what they leave out. */
function detailSummary(stats, rangeLabel) {
  return [
    el('p', { class: 'detail-summary', text: `${formatCount(stats.sends)} sends, ${formatRate(stats.openRate)} opened, ${formatRate(stats.clickRate)} clicked (click-to-open ${formatRate(stats.clickToOpenRate)}), ${formatCount(stats.failed)} failed (${rangeLabel})` }),
    el('p', { class: 'detail-aside', text: `Kept out of these figures: ${machineOpens(stats)}, ${machineClicks(stats)} (bots, link scanners, mail-security proxies); ${untracked(stats)} (tracking off, plain text, or the recipient declined).` }),
  ];
}

const csvButton = (id, label) => el('button', { type: 'button', class: 'quiet csv-button', id, text: label });

/**
 * The drill-down of one campaign or template. Returns its parts for the
 * caller to fill and wire: the heading (to take the focus), the chart's, the
 * breakdowns' and the recipients' containers, the links' table (its "Who
 * clicked" buttons) and their CSV button.
 */
export function renderDetail(section, kind, item, rangeLabel, onClose) {
  const heading = el('h2', { id: 'detail-heading', tabindex: '-1', text: `${kind === 'campaign' ? 'Campaign' : 'Template'}: ${displayName(kind, item)}` });
  const close = el('button', { type: 'button', class: 'quiet', id: 'detail-close', text: 'Close' });
  close.addEventListener('click', onClose);
  const chart = el('div', { class: 'timeline', id: 'detail-timeline' });
  const linksCsv = csvButton('links-csv', 'Download CSV of the links');
  const recipients = el('div', { class: 'recipients', id: 'recipients' });
  const links = linksTable(item.links);
  const breakdowns = el('div', { class: 'breakdowns', id: 'detail-breakdowns' });
  section.replaceChildren(
    el('div', { class: 'section-head' }, heading, close),
    ...detailSummary(item.stats, rangeLabel),
    chart,
    el('div', { class: 'table-head' }, el('h3', { text: 'Links' }), linksCsv),
    links,
    kind === 'campaign' ? templatesTable(item.templates) : null,
    el('h3', { class: 'readers-heading', text: 'Readers' }),
    breakdowns,
    recipients,
  );
  return { heading, chart, recipients, linksCsv, links, breakdowns };
}
