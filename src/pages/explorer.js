// GET /graphql in a browser: GraphiQL (its npm package's browser build,
// served by this server), signed in like /stats: the token from #token=...
// or the form, kept in this tab's sessionStorage, sent as a bearer on every
// request GraphiQL makes. Nothing is loaded from another origin.
import { graphql } from './graphql.js';
import { handleFailure, showSignedIn, startPage, tokenOrAsk } from './session.js';
import { currentToken } from './token.js';

const $ = (id) => document.getElementById(id);

const VIEWER_QUERY = 'query Viewer { viewer { userId orgId role team } }';
const FIRST_QUERY = `# The last 30 days, as on the Stats page.
# Ctrl+Enter runs it; Docs lists every field.
{
  overview {
    sends
    opened
    clicked
    openRate
    clickRate
  }
}
`;

// The browser build's globals (explorer.html loads them before this module runs).
const { React, ReactDOM, GraphiQL } = window;

let root = null;

/** GraphiQL's requests, with the token of this tab at the time of each (it may change). */
async function fetcher(params) {
  const response = await fetch('/graphql', {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${currentToken() ?? ''}` },
    body: JSON.stringify(params),
    cache: 'no-store',
  });
  return response.json();
}

function mountExplorer() {
  if (root) return;
  $('explorer').hidden = false;
  root = ReactDOM.createRoot($('explorer'));
  // shouldPersistHeaders false: nothing typed in the headers pane (a token) reaches localStorage.
  root.render(React.createElement(GraphiQL, { fetcher, defaultQuery: FIRST_QUERY, shouldPersistHeaders: false }));
}

function unmountExplorer() {
  root?.unmount();
  root = null;
  $('explorer').hidden = true;
}

async function load() {
  const token = tokenOrAsk();
  if (!token) return;
  try {
    const { viewer } = await graphql(token, VIEWER_QUERY);
    showSignedIn(viewer);
    mountExplorer();
  } catch (error) {
    unmountExplorer();
    handleFailure(error, load);
  }
}

startPage({
  submitLabel: 'Open the explorer',
  content: 'explorer',
  askText: 'Paste a token to use the explorer.',
  forbiddenHint: '',
  showsSendScope: true,
  load,
  reset: unmountExplorer,
});
