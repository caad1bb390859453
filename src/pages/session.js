// What both pages do around their content: the token prompt, the status
// line, the error box with its retry, and the "who am I" line. The first
// three are built here into the page's #session; the header's #viewer and
// #forget-token are in each page's HTML.
import { el } from './dom.js';
import { ApiError } from './graphql.js';
import { currentToken, forgetToken, saveToken, takeTokenFromUrl } from './token.js';

const $ = (id) => document.getElementById(id);

let retryAction = null;
let page = null;

export function setStatus(text) {
  $('status').textContent = text;
}

export function showError(message, retry) {
  $('error-message').textContent = message;
  $('retry').hidden = !retry;
  retryAction = retry;
  $('error').hidden = false;
}

export function clearError() {
  $('error').hidden = true;
  retryAction = null;
}

export function askForToken(reason) {
  clearError();
  $(page.content).hidden = true;
  $('forget-token').hidden = true;
  $('viewer').textContent = '';
  $('token-reason').textContent = reason;
  $('token-form').hidden = false;
  setStatus(reason);
  $('token-input').focus();
}

/** What a page does about a failed request. */
export function handleFailure(error, retry) {
  if (error instanceof ApiError && error.kind === 'unauthenticated') {
    forgetToken();
    askForToken(`The server refused the token (${error.message}). Paste a valid token to continue.`);
  } else if (error instanceof ApiError && error.kind === 'forbidden') {
    showError(`Not allowed: ${error.message}. ${page.forbiddenHint}`, null);
  } else {
    showError(error instanceof ApiError ? error.message : `Something went wrong: ${error}`, retry);
  }
  setStatus('');
}

/** Who the token is; the Stats page adds which sends it sees. */
function describeViewer(viewer) {
  const team = viewer.team ? `, team ${viewer.team}` : '';
  const who = `${viewer.userId} (${viewer.role.replace('_', ' ')}${team}) in ${viewer.orgId}`;
  if (!page.showsSendScope) return who;
  const scope = ['owner', 'admin', 'service'].includes(viewer.role) ? 'every send of the organisation' : 'only the emails you sent';
  return `${who}: ${scope}`;
}

/** The token worked: the prompt goes, the content and "Use another token" come. */
export function showSignedIn(viewer) {
  $('token-form').hidden = true;
  $(page.content).hidden = false;
  $('forget-token').hidden = false;
  $('viewer').textContent = describeViewer(viewer);
}

/** The token to send, or null after asking for one. */
export function tokenOrAsk() {
  const token = currentToken();
  if (!token) askForToken(page.askText);
  return token;
}

/** The status line, the error box and the token form, as both pages show them. */
function renderSessionParts(submitLabel) {
  const hint = el('p', { class: 'hint' }, 'Get one from ', el('code', { text: 'npm run demo' }), ' or ', el('code', { text: 'npm run token' }), '. It is kept in this browser tab only.');
  $('session').replaceWith(
    el('p', { id: 'status', class: 'status', role: 'status', 'aria-live': 'polite' }),
    el('div', { id: 'error', class: 'error', role: 'alert', hidden: '' }, el('p', { id: 'error-message' }), el('button', { type: 'button', id: 'retry', class: 'quiet', text: 'Try again' })),
    el(
      'form',
      { id: 'token-form', class: 'token-form', hidden: '' },
      el('h2', { text: 'Sign in with a token' }),
      el('p', { id: 'token-reason', class: 'token-reason' }),
      el('label', { for: 'token-input', text: 'Bearer token' }),
      el('textarea', { id: 'token-input', name: 'token', rows: 4, autocomplete: 'off', autocapitalize: 'off', spellcheck: 'false', required: '' }),
      hint,
      el('button', { type: 'submit', text: submitLabel }),
    ),
  );
}

/**
 * Builds and wires the shared elements, then loads the page. Options:
 * `content` (the id of what the token unlocks), `submitLabel` (the token
 * form's button), `askText`, `forbiddenHint`, `showsSendScope`, `load`
 * (fetches and renders; it calls tokenOrAsk) and `reset` (drops what the last
 * token saw).
 */
export function startPage(options) {
  page = options;
  renderSessionParts(options.submitLabel);
  $('token-form').addEventListener('submit', (event) => {
    event.preventDefault();
    const value = $('token-input').value;
    if (value.trim() === '') return;
    saveToken(value);
    $('token-input').value = '';
    void page.load();
  });
  $('forget-token').addEventListener('click', () => {
    forgetToken();
    page.reset();
    askForToken('Paste another token.');
  });
  $('retry').addEventListener('click', () => retryAction?.());
  // Opening another #token=... link in this tab changes only the hash: no reload.
  window.addEventListener('hashchange', () => {
    if (!new URLSearchParams(location.hash.slice(1)).has('token')) return;
    takeTokenFromUrl();
    page.reset();
    void page.load();
  });
  takeTokenFromUrl();
  void page.load();
}
