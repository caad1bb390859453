// The Stats page's Live panel: the latest opens and clicks of the view (the
// whole organisation, or the drilled-down campaign or template) as they
// happen: who, what, which email, when. Machine and MPP events are marked
// and wait behind a toggle that starts off. Arrivals only change the list in
// memory (live-feed.js, bounded); the DOM follows once per animation frame,
// reusing the rows it already has, so a thousand events a second cost a
// redraw per frame, not per event.
import { el, formatMoment } from './dom.js';
import { connectLive } from './live-connection.js';
import { ago, createFeed, isMachineOrMpp } from './live-feed.js';

/** Rows drawn at most; the feed keeps a few hundred, so the toggle has some to show. */
const SHOWN = 100;
const CLOCK_MS = 5_000;

const REASONS = {
  USER_AGENT: 'a bot or link preview',
  NETWORK: 'a mail-security scanner',
  BURST: 'followed every link at once',
  TRAP: 'followed the hidden link',
  MAILGUN: 'reported by Mailgun',
};

function mark(row) {
  if (row.bot) return `Machine: ${REASONS[row.botReason] ?? 'not a person'}${row.reclassified ? ' (found afterwards)' : ''}`;
  if (row.mpp) return 'Apple MPP (the proxy opens every email)';
  return row.reclassified ? 'Not counted: already counted from another source' : 'Not counted: a repeat';
}

export function createLivePanel(token) {
  const $ = (id) => document.getElementById(id);
  const feed = createFeed();
  /** row id -> { node, version } of what is drawn */
  const drawn = new Map();
  const names = new Map();
  let scope = null;
  let connection = null;
  let frame = 0;
  let clock = null;

  function rowNode(row) {
    const machine = isMachineOrMpp(row);
    const campaign = row.campaignId === null ? null : (names.get(row.campaignId) ?? row.campaignId);
    const what = row.kind === 'CLICKED' ? el('span', { class: 'live-what' }, 'clicked ', el('span', { class: 'url', text: row.url ?? '' })) : el('span', { class: 'live-what', text: 'opened' });
    return el(
      'li',
      { class: machine ? 'live-row is-machine' : 'live-row', 'data-id': row.id, 'data-kind': row.kind },
      el('span', { class: row.email ? 'live-who' : 'live-who erased', text: row.email || 'erased' }),
      what,
      el('span', { class: 'live-email', text: [row.subject || '(no subject)', campaign].filter(Boolean).join(' · ') }),
      el('time', { class: 'live-when', datetime: row.occurredAt, title: formatMoment(row.occurredAt), text: ago(row.at, Date.now()) }),
      machine ? el('span', { class: 'live-mark', text: mark(row) }) : null,
    );
  }

  function render() {
    frame = 0;
    const showMachines = $('live-machines').checked;
    const rows = feed.rows(showMachines, SHOWN);
    const nodes = rows.map((row) => {
      const known = drawn.get(row.id);
      if (known && known.version === row.version) return known.node;
      const node = rowNode(row);
      drawn.set(row.id, { node, version: row.version });
      return node;
    });
    const keep = new Set(rows.map((row) => row.id));
    for (const id of drawn.keys()) if (!keep.has(id)) drawn.delete(id);
    $('live-list').replaceChildren(...nodes);
    $('live-empty').hidden = nodes.length > 0;
    const hidden = feed.hiddenCount();
    $('live-hidden').textContent = hidden === 0 ? '' : `(${hidden} ${showMachines ? 'shown' : 'hidden'})`;
  }

  function schedule() {
    frame ||= requestAnimationFrame(render);
  }

  function state(kind, message) {
    $('live').dataset.state = kind;
    $('live-state').textContent = message;
  }

  function tick() {
    if (document.hidden) return;
    const now = Date.now();
    for (const time of $('live-list').querySelectorAll('time')) time.textContent = ago(Date.parse(time.getAttribute('datetime')), now);
  }

  function connect() {
    connection?.close();
    feed.clear();
    drawn.clear();
    schedule();
    const variables = scope === null ? {} : scope.kind === 'campaign' ? { campaignId: scope.id } : { templateId: scope.id };
    $('live-scope').textContent = scope === null ? 'Every email you may see.' : `Only ${scope.kind} ${scope.name}.`;
    connection = connectLive(variables, token, {
      events(events) {
        feed.add(events);
        schedule();
      },
      state,
    });
  }

  $('live-machines').addEventListener('change', schedule);

  return {
    /** Opens the stream (once; the view's changes reopen it). */
    start() {
      $('live').hidden = false;
      clock ??= setInterval(tick, CLOCK_MS);
      if (!connection) connect();
    },
    /** Closes it: the token changed or was forgotten. */
    stop() {
      connection?.close();
      connection = null;
      clearInterval(clock);
      clock = null;
      feed.clear();
      drawn.clear();
      render();
    },
    /** The view changed: null for the whole organisation, or { kind, id, name } of the drill-down. */
    setScope(next) {
      if ((next?.kind ?? null) === (scope?.kind ?? null) && next?.id === scope?.id) return;
      scope = next;
      if (connection) connect();
    },
    /** Campaign names for the rows, from the dashboard's table. */
    setNames(campaigns) {
      for (const campaign of campaigns) names.set(campaign.id, campaign.name ?? campaign.id);
    },
  };
}
