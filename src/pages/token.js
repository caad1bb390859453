// The bearer token: taken once from #token=... (then removed from the address
// bar, so it is not bookmarked, shared or left in the history) or pasted in
// the form, and kept in sessionStorage: it lives as long as this tab.
const KEY = 'email-stats.token';

/** The page's own copy, for browsers that refuse sessionStorage. */
let memory = null;

/** A pasted "Bearer ey..." works as well as the bare token. */
const clean = (token) => token.trim().replace(/^Bearer\s+/i, '');

export function saveToken(token) {
  memory = clean(token);
  try {
    sessionStorage.setItem(KEY, memory);
  } catch {
    // storage disabled: the token still works for this page view
  }
}

export function forgetToken() {
  memory = null;
  try {
    sessionStorage.removeItem(KEY);
  } catch {
    // nothing was stored
  }
}

export function currentToken() {
  try {
    return sessionStorage.getItem(KEY) ?? memory;
  } catch {
    return memory;
  }
}

export function takeTokenFromUrl() {
  const params = new URLSearchParams(location.hash.slice(1));
  const token = params.get('token');
  if (token === null) return;
  if (clean(token) !== '') saveToken(token);
  params.delete('token');
  const rest = params.toString();
  history.replaceState(history.state, '', `${location.pathname}${location.search}${rest ? `#${rest}` : ''}`);
}
