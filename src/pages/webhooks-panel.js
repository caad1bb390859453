// The Settings page's outbound webhooks panel: the endpoints of the viewer's
// scope, added, edited, enabled or disabled, deleted; a new secret shown
// once; recent deliveries with their status and a Redeliver button; a test
// event. Everything through the GraphQL API; text only through textContent.
import { el, formatMoment } from './dom.js';
import { ApiError, graphql } from './graphql.js';
import { handleFailure } from './session.js';
import { currentToken } from './token.js';
import {
  CREATE_MUTATION,
  DELETE_MUTATION,
  DELIVERIES_QUERY,
  ENDPOINTS_QUERY,
  ENGAGEMENT_TYPES,
  REDELIVER_MUTATION,
  TEST_MUTATION,
  UPDATE_MUTATION,
  endpointScopeFor,
} from './webhooks-queries.js';

const $ = (id) => document.getElementById(id);
const state = { scope: null, editing: null, busy: false };

function say(text) {
  $('hooks-status').textContent = text;
}

function showFormError(message) {
  $('hook-error').textContent = message;
  $('hook-error').hidden = !message;
}

async function call(query, variables) {
  try {
    return await graphql(currentToken(), query, variables);
  } catch (error) {
    if (error instanceof ApiError && error.kind === 'unauthenticated') handleFailure(error, () => loadWebhooks());
    throw error;
  }
}

function eventsLabel(events) {
  return events.length === ENGAGEMENT_TYPES.length ? 'every event' : events.map((type) => type.toLowerCase()).join(', ');
}

function deliveryRow(delivery) {
  const redeliver = el('button', { type: 'button', class: 'quiet', text: 'Redeliver' });
  redeliver.addEventListener('click', () => void act(redeliver, 'Queued again.', () => call(REDELIVER_MUTATION, { deliveryId: delivery.id })));
  const outcome = delivery.lastError ?? (delivery.lastStatusCode ? `answered ${delivery.lastStatusCode}` : 'not tried yet');
  return el(
    'tr',
    { class: 'delivery' },
    el('td', { text: delivery.type.toLowerCase() }),
    el('td', {}, el('span', { class: `delivery-status is-${delivery.status.toLowerCase()}`, text: delivery.status })),
    el('td', { text: String(delivery.attempts) }),
    el('td', { text: outcome }),
    el('td', { text: formatMoment(delivery.lastAttemptAt ?? delivery.createdAt) }),
    el('td', {}, redeliver),
  );
}

async function showDeliveries(endpoint, holder) {
  const { webhookDeliveries } = await call(DELIVERIES_QUERY, { endpointId: endpoint.id });
  holder.replaceChildren(
    webhookDeliveries.length === 0
      ? el('p', { class: 'hint', text: 'No deliveries yet.' })
      : el(
          'table',
          { class: 'deliveries' },
          el('caption', { class: 'visually-hidden', text: `Recent deliveries to ${endpoint.url}` }),
          el('thead', {}, el('tr', {}, ...['Event', 'Status', 'Attempts', 'Last answer', 'When', ''].map((text) => el('th', { scope: 'col', text })))),
          el('tbody', {}, ...webhookDeliveries.map(deliveryRow)),
        ),
  );
}

/** Runs an action from a button: disabled while it runs, the list reloaded after. */
async function act(button, done, action) {
  button.disabled = true;
  try {
    await action();
    say(done);
    await loadWebhooks();
  } catch (error) {
    say(error instanceof ApiError ? error.message : `Something went wrong: ${error}`);
    button.disabled = false;
  }
}

function endpointItem(endpoint) {
  const deliveries = el('div', { class: 'deliveries-holder' });
  const button = (text, handler) => {
    const node = el('button', { type: 'button', class: 'quiet', text });
    node.addEventListener('click', () => handler(node));
    return node;
  };
  const actions = el(
    'div',
    { class: 'hook-actions' },
    button('Send test event', (node) => void act(node, 'Test event queued.', () => call(TEST_MUTATION, { id: endpoint.id }))),
    button(endpoint.enabled ? 'Disable' : 'Enable', (node) =>
      void act(node, endpoint.enabled ? 'Endpoint disabled.' : 'Endpoint enabled.', () => call(UPDATE_MUTATION, { id: endpoint.id, enabled: !endpoint.enabled })),
    ),
    button('Edit', () => startEditing(endpoint)),
    button('Delete', (node) => {
      if (!window.confirm(`Delete the endpoint ${endpoint.url} and its delivery records?`)) return;
      void act(node, 'Endpoint deleted.', () => call(DELETE_MUTATION, { id: endpoint.id }));
    }),
  );
  const state = endpoint.enabled ? 'Enabled' : endpoint.disabledReason === 'GONE' ? 'Disabled: the receiver answered 410 Gone' : 'Disabled';
  const item = el(
    'li',
    { class: 'hook', 'data-endpoint': endpoint.id },
    el('p', { class: 'hook-url', text: endpoint.url }),
    el('p', { class: `hook-state ${endpoint.enabled ? 'is-on' : 'is-off'}`, text: `${state} · ${eventsLabel(endpoint.events)}${endpoint.humanOnly ? ' · people only' : ''}` }),
    actions,
    deliveries,
  );
  void showDeliveries(endpoint, deliveries).catch((error) => deliveries.replaceChildren(el('p', { class: 'field-error', text: error.message })));
  return item;
}

function startEditing(endpoint) {
  state.editing = endpoint;
  $('hook-url').value = endpoint.url;
  $('hook-human').checked = endpoint.humanOnly;
  for (const box of document.querySelectorAll('#hook-events input')) box.checked = endpoint.events.includes(box.value);
  $('hook-submit').textContent = 'Save changes';
  $('hook-cancel').hidden = false;
  $('hook-form-heading').textContent = 'Edit the endpoint';
  $('hook-url').focus();
}

function resetForm() {
  state.editing = null;
  $('hook-form').reset();
  for (const box of document.querySelectorAll('#hook-events input')) box.checked = true;
  $('hook-submit').textContent = 'Add endpoint';
  $('hook-cancel').hidden = true;
  $('hook-form-heading').textContent = 'Add an endpoint';
  showFormError('');
}

function showSecret(secret) {
  $('hook-secret-value').textContent = secret;
  $('hook-secret').hidden = false;
}

async function submit() {
  showFormError('');
  const url = $('hook-url').value.trim();
  const events = [...document.querySelectorAll('#hook-events input:checked')].map((box) => box.value);
  if (url === '') return showFormError('Type the URL the events should be sent to.');
  if (events.length === 0) return showFormError('Choose at least one event.');
  const chosen = events.length === ENGAGEMENT_TYPES.length ? null : events;
  const humanOnly = $('hook-human').checked;
  state.busy = true;
  $('hook-submit').disabled = true;
  try {
    if (state.editing) {
      // null: every type, also the ones added later.
      await call(UPDATE_MUTATION, { id: state.editing.id, url, events: chosen, humanOnly });
      say('Endpoint saved.');
    } else {
      const { createWebhookEndpoint } = await call(CREATE_MUTATION, { scope: state.scope, url, events: chosen, humanOnly });
      showSecret(createWebhookEndpoint.secret);
      say('Endpoint added. Copy its signing secret now: it will not be shown again.');
    }
    resetForm();
    await loadWebhooks();
  } catch (error) {
    showFormError(error instanceof ApiError ? error.message : `Something went wrong: ${error}`);
  } finally {
    state.busy = false;
    $('hook-submit').disabled = false;
  }
}

/** Called by the page once the viewer is known; again after every change. */
export async function loadWebhooks(viewer) {
  if (viewer) {
    const { scope, refusal } = endpointScopeFor(viewer);
    state.scope = scope ?? null;
    $('webhooks').hidden = false;
    $('hooks-refusal').hidden = !refusal;
    $('hooks-refusal').textContent = refusal ?? '';
    $('hooks-body').hidden = Boolean(refusal);
    if (refusal) return;
  }
  const { webhookEndpoints } = await call(ENDPOINTS_QUERY, { scope: state.scope });
  $('hooks-list').replaceChildren(...webhookEndpoints.map(endpointItem));
  $('hooks-empty').hidden = webhookEndpoints.length > 0;
}

export function wireWebhooks() {
  $('hook-events').append(
    ...ENGAGEMENT_TYPES.map((type) =>
      el('label', { class: 'hook-event' }, el('input', { type: 'checkbox', value: type, checked: 'checked' }), ` ${type.toLowerCase()}`),
    ),
  );
  $('hook-form').addEventListener('submit', (event) => {
    event.preventDefault();
    if (!state.busy) void submit();
  });
  $('hook-cancel').addEventListener('click', resetForm);
  $('hooks-refresh').addEventListener('click', () => {
    say('');
    void loadWebhooks().catch((error) => say(error.message));
  });
  $('hook-secret-done').addEventListener('click', () => {
    $('hook-secret-value').textContent = '';
    $('hook-secret').hidden = true;
  });
}
