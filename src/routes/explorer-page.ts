// GET /graphql in a browser: the GraphQL explorer (src/pages/explorer.html,
// GraphiQL from its npm package), served like /stats under the pages'
// policy. Everything else at /graphql is the API itself.
import type { IncomingMessage } from 'node:http';
import type { App } from '../app';
import type { RouteHandler } from '../http/router';
import { pageHandler } from './page-files';

/** A browser opening the address: GET, HTML preferred, and no query to run. */
export function wantsExplorer(req: IncomingMessage): boolean {
  if (req.method !== 'GET' && req.method !== 'HEAD') return false;
  const accept = String(req.headers.accept ?? '');
  if (!/\btext\/html\b/i.test(accept)) return false;
  const url = req.url ?? '/';
  const search = url.includes('?') ? url.slice(url.indexOf('?')) : '';
  return !new URLSearchParams(search).has('query');
}

export function explorerPage(app: App): RouteHandler {
  return pageHandler(app, 'explorer.html');
}
