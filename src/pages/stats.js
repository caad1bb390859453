// The Stats page's entry: wires the Range control, the table and the
// drill-down to the GraphQL API. State lives here; DOM building is in
// stats-render.js, the documents in stats-queries.js.
import { formatCount } from './dom.js';
import { downloadText, slug } from './download.js';
import { graphql } from './graphql.js';
import { resolveRange } from './range.js';
import { clearError, handleFailure, setStatus, showError, showSignedIn, startPage, tokenOrAsk } from './session.js';
import { renderTimeline } from './stats-chart.js';
import { showBreakdowns } from './stats-breakdowns.js';
import { breakdownCsv, linksCsv } from './stats-csv.js';
import { CAMPAIGN_QUERY, DASHBOARD_QUERY, TEMPLATE_QUERY } from './stats-queries.js';
import { createLivePanel } from './stats-live.js';
import { showRecipients } from './stats-recipients.js';
import { displayName, renderBreakdown, renderCards, renderDetail } from './stats-render.js';
import { currentToken } from './token.js';

const $ = (id) => document.getElementById(id);

/** The API buckets the timeline by the reader's calendar days. */
const TIME_ZONE = Intl.DateTimeFormat().resolvedOptions().timeZone;

/** What the drill-down's parts need from the page. */
const session = { token: currentToken, status: setStatus, fail: handleFailure };

const live = createLivePanel(currentToken);

const state = {
  view: 'campaigns',
  range: resolveRange('LAST_30_DAYS'),
  dashboard: null,
  /** the open drill-down: { kind: 'campaign' | 'template', id } */
  open: null,
  /** bumped per request, so an answer overtaken by a newer one is dropped */
  generation: { dashboard: 0, detail: 0 },
};

const VIEWS = {
  campaigns: { kind: 'campaign', heading: 'Campaign', title: 'Campaigns' },
  templates: { kind: 'template', heading: 'Template', title: 'Templates' },
};

function renderTable() {
  const view = VIEWS[state.view];
  const rows = state.dashboard[state.view];
  $('breakdown-name').textContent = view.heading;
  $('breakdown-caption').textContent = `${view.title}, ${state.range.label}: ${formatCount(rows.length)}`;
  const openId = state.open?.kind === view.kind ? state.open.id : null;
  renderBreakdown($('breakdown').tBodies[0], view.kind, rows, openId);
  for (const button of document.querySelectorAll('.toggle button')) {
    button.setAttribute('aria-pressed', String(button.dataset.view === state.view));
  }
}

async function loadDashboard() {
  const token = tokenOrAsk();
  if (!token) return;
  const generation = ++state.generation.dashboard;
  clearError();
  setStatus(`Loading ${state.range.label}…`);
  $('dashboard').setAttribute('aria-busy', 'true');
  try {
    const data = await graphql(token, DASHBOARD_QUERY, { range: state.range.input, timeZone: TIME_ZONE });
    if (generation !== state.generation.dashboard) return;
    state.dashboard = data;
    showSignedIn(data.viewer);
    renderCards($('cards'), data.overview);
    renderTimeline($('overview-timeline'), data.timeline, `Activity, ${state.range.label}`);
    renderTable();
    live.setNames(data.campaigns);
    live.start();
    void showBreakdowns($('readers'), { kind: 'all' }, state.range, session);
    setStatus(`Showing ${state.range.label}: ${formatCount(data.overview.sends)} sends.`);
    if (state.open) await loadDetail(false);
  } catch (error) {
    if (generation === state.generation.dashboard) handleFailure(error, loadDashboard);
  } finally {
    if (generation === state.generation.dashboard) $('dashboard').removeAttribute('aria-busy');
  }
}

async function loadDetail(moveFocus) {
  const { kind, id } = state.open;
  const generation = ++state.generation.detail;
  const section = $('detail');
  section.setAttribute('aria-busy', 'true');
  setStatus('Loading the details…');
  try {
    const query = kind === 'campaign' ? CAMPAIGN_QUERY : TEMPLATE_QUERY;
    const data = await graphql(currentToken(), query, { id, range: state.range.input, timeZone: TIME_ZONE });
    if (generation !== state.generation.detail) return;
    const item = data[kind];
    if (!item) {
      closeDetail();
      setStatus('That row is no longer visible with this token.');
      return;
    }
    const parts = renderDetail(section, kind, item, state.range.label, () => closeDetail(true));
    const heading = parts.heading;
    const name = displayName(kind, item);
    section.hidden = false;
    renderTimeline(parts.chart, item.timeline, `Activity of ${name}, ${state.range.label}`, 'Over time');
    parts.linksCsv.addEventListener('click', () => downloadText(`links-${slug(name)}-${slug(state.range.label)}.csv`, linksCsv(item.links)));
    void showBreakdowns(parts.breakdowns, { kind, id, name }, state.range, session);
    void showRecipients(parts.recipients, { kind, id, name }, state.range, session);
    // "Who clicked": the recipients list, kept to the sends that clicked that link.
    parts.links.addEventListener('click', (event) => {
      const button = event.target.closest('button[data-link]');
      if (!button) return;
      void showRecipients(parts.recipients, { kind, id, name, link: button.dataset.link }, state.range, session, true);
    });
    setStatus(`Showing the details of ${heading.textContent}.`);
    if (moveFocus) {
      heading.focus();
      heading.scrollIntoView({ block: 'start', behavior: 'smooth' });
    }
  } catch (error) {
    if (generation === state.generation.detail) handleFailure(error, () => loadDetail(moveFocus));
  } finally {
    section.removeAttribute('aria-busy');
  }
}

function openDetail(id) {
  state.open = { kind: VIEWS[state.view].kind, id };
  const row = state.dashboard[state.view].find((candidate) => candidate.id === id);
  live.setScope({ ...state.open, name: row ? displayName(state.open.kind, row) : id });
  renderTable();
  void loadDetail(true);
}

/** Back to the row the drill-down came from, so keyboard users keep their place. */
function closeDetail(returnFocus = false) {
  const id = state.open?.id;
  state.open = null;
  live.setScope(null);
  state.generation.detail++; // an answer still on its way must not reopen it
  $('detail').hidden = true;
  $('detail').replaceChildren();
  if (!state.dashboard) return;
  renderTable();
  if (returnFocus) {
    const row = [...$('breakdown').tBodies[0].rows].find((candidate) => candidate.dataset.id === id);
    row?.querySelector('button')?.focus();
  }
}

function applyRange() {
  const preset = $('range-preset').value;
  $('custom-range').hidden = preset !== 'CUSTOM';
  const range = resolveRange(preset, $('range-from').value, $('range-to').value);
  if (range.problem) return showError(range.problem, null);
  state.range = range;
  void loadDashboard();
}

function wire() {
  $('range-preset').addEventListener('change', () => {
    if ($('range-preset').value !== 'CUSTOM') applyRange();
    else $('custom-range').hidden = false;
  });
  $('range-form').addEventListener('submit', (event) => {
    event.preventDefault();
    applyRange();
  });
  for (const button of document.querySelectorAll('.toggle button')) {
    button.addEventListener('click', () => {
      state.view = button.dataset.view;
      if (state.dashboard) renderTable();
    });
  }
  $('breakdown-csv').addEventListener('click', () => {
    if (!state.dashboard) return;
    const kind = VIEWS[state.view].kind;
    downloadText(`${state.view}-${slug(state.range.label)}.csv`, breakdownCsv(kind, state.dashboard[state.view]));
  });
  // One listener for every row: the name button (Enter, Space, click) and a
  // click anywhere else on the row lead to the same place.
  $('breakdown').tBodies[0].addEventListener('click', (event) => {
    const row = event.target.closest('tr[data-id]');
    if (row) openDetail(row.dataset.id);
  });
}

wire();
startPage({
  submitLabel: 'Show the stats',
  content: 'dashboard',
  askText: 'Paste a token to see the stats.',
  forbiddenHint: "This token's role may not see these figures.",
  showsSendScope: true,
  load: loadDashboard,
  reset: () => {
    live.stop();
    closeDetail();
  },
});
