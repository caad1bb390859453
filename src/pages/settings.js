// The Email Settings page's entry: the Mailgun webhook signing key field.
// The key is write-only: typed here, sent once with Save, then dropped from
// the field; the API only ever says whether one is saved.
import { formatMoment } from './dom.js';
import { ApiError, graphql } from './graphql.js';
import { clearError, handleFailure, setStatus, showSignedIn, startPage, tokenOrAsk } from './session.js';
import { CLEAR_KEY_MUTATION, SET_KEY_MUTATION, SETTINGS_QUERY, VIEWER_QUERY, keyScopeFor } from './settings-queries.js';
import { currentToken } from './token.js';
import { loadWebhooks, wireWebhooks } from './webhooks-panel.js';

const $ = (id) => document.getElementById(id);

const state = {
  /** 'ORG' | 'TEAM' once the viewer may change a key */
  scope: null,
  viewer: null,
  saving: false,
};

const SCOPE_NOTES = {
  ORG: (viewer) =>
    `The organisation's key (${viewer.orgId}). Mailgun webhooks about its sends are verified with it, except for a partner team that has a key of its own.`,
  TEAM: (viewer) => `Your team's key (${viewer.team}). Mailgun webhooks about your team's sends are verified with it instead of the organisation's.`,
};

const FALLBACKS = { ORG: "the platform's key, if the server has one", TEAM: "the organisation's key, or else the platform's" };

function renderKeyState(settings) {
  const line = $('key-state');
  const saved = settings.mailgunSigningKeySet;
  line.replaceChildren();
  line.classList.toggle('is-saved', saved);
  if (saved) {
    const badge = document.createElement('span');
    badge.className = 'saved-badge';
    badge.textContent = 'Saved';
    const when = settings.updatedAt ? ` on ${formatMoment(settings.updatedAt)}` : '';
    line.append(badge, ` The key was saved${when}. Type a new one to replace it.`);
  } else {
    line.textContent = `No key saved: webhooks are verified with ${FALLBACKS[settings.scope]}.`;
  }
  // ••• stands for the saved key; the key itself never reaches the page.
  $('signing-key').placeholder = saved ? '••••••••••••••••' : 'Paste the key from Mailgun';
  $('clear-row').hidden = !saved;
  $('clear-key').checked = false;
  syncControls();
}

/** The field, Show/Hide and Clear agree with each other. */
function syncControls() {
  const input = $('signing-key');
  const clearing = $('clear-key').checked;
  input.disabled = clearing || state.saving;
  if (clearing) input.value = '';
  const toggle = $('key-visibility');
  toggle.disabled = input.disabled || input.value === '';
  if (toggle.disabled) setVisible(false);
  $('save-key').disabled = state.saving;
}

function setVisible(visible) {
  $('signing-key').type = visible ? 'text' : 'password';
  $('key-visibility').textContent = visible ? 'Hide' : 'Show';
  $('key-visibility').setAttribute('aria-pressed', String(visible));
}

function showFieldError(message) {
  $('key-error').textContent = message;
  $('key-error').hidden = false;
  $('signing-key').setAttribute('aria-invalid', 'true');
}

function clearFieldError() {
  $('key-error').hidden = true;
  $('key-error').textContent = '';
  $('signing-key').removeAttribute('aria-invalid');
}

async function load() {
  const token = tokenOrAsk();
  if (!token) return;
  clearError();
  setStatus('Loading the settings…');
  try {
    const { viewer } = await graphql(token, VIEWER_QUERY, {});
    state.viewer = viewer;
    showSignedIn(viewer);
    await loadWebhooks(viewer);
    const { scope, refusal } = keyScopeFor(viewer);
    state.scope = scope ?? null;
    $('refusal').hidden = !refusal;
    $('refusal').textContent = refusal ?? '';
    $('key-form').hidden = Boolean(refusal);
    $('scope-note').textContent = scope ? SCOPE_NOTES[scope](viewer) : '';
    if (refusal) return setStatus('');
    const { emailSettings } = await graphql(token, SETTINGS_QUERY, { scope });
    renderKeyState(emailSettings);
    setStatus('');
  } catch (error) {
    handleFailure(error, load);
  }
}

async function save() {
  clearFieldError();
  const clearing = $('clear-key').checked;
  const key = $('signing-key').value.trim();
  if (!clearing && key === '') {
    showFieldError('Type or paste a key first, or tick "Clear".');
    return $('signing-key').focus();
  }
  state.saving = true;
  syncControls();
  setStatus(clearing ? 'Removing the key…' : 'Saving the key…');
  try {
    const data = clearing
      ? await graphql(currentToken(), CLEAR_KEY_MUTATION, { scope: state.scope })
      : await graphql(currentToken(), SET_KEY_MUTATION, { scope: state.scope, key });
    $('signing-key').value = '';
    state.saving = false;
    renderKeyState(clearing ? data.clearMailgunSigningKey : data.setMailgunSigningKey);
    setStatus(clearing ? 'The key was removed.' : 'The key was saved. It is stored encrypted and will not be shown again.');
  } catch (error) {
    state.saving = false;
    syncControls();
    setStatus('');
    // A refused token goes to the token prompt; anything else belongs to the field.
    if (error instanceof ApiError && error.kind === 'unauthenticated') return handleFailure(error, save);
    showFieldError(error instanceof ApiError ? error.message : `Something went wrong: ${error}`);
    $('signing-key').focus();
  }
}

function wire() {
  $('signing-key').addEventListener('input', () => {
    clearFieldError();
    syncControls();
  });
  $('key-visibility').addEventListener('click', () => setVisible($('signing-key').type === 'password'));
  $('clear-key').addEventListener('change', () => {
    clearFieldError();
    syncControls();
  });
  $('key-form').addEventListener('submit', (event) => {
    event.preventDefault();
    if (!state.saving) void save();
  });
}

wire();
wireWebhooks();
startPage({
  submitLabel: 'Open the settings',
  content: 'settings',
  askText: 'Paste a token to see the email settings.',
  forbiddenHint: 'This token may not manage these settings.',
  load,
  reset: () => {
    $('signing-key').value = '';
    clearFieldError();
  },
});
