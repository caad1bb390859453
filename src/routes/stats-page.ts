// GET /stats: the Stats page, a static HTML shell plus its script modules and
// stylesheet from src/stats-page/. Files are read relative to the project
// root, so ts-node, Jest and the compiled server in dist/ serve the same
// files with no copy step. The page itself talks only to /graphql.
import { readFile } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import path from 'node:path';
import type { App } from '../app';
import type { Router } from '../http/router';
import { sendError } from '../http/respond';
import { projectRoot } from '../paths';

export const STATS_PAGE_PATH = '/stats';
const ASSET_PREFIX = '/stats/';
export const STATS_PAGE_DIR = path.join(projectRoot, 'src', 'stats-page');

// The bearer token sits in sessionStorage, so only our own scripts may run
// beside it: no inline script or style, nothing from another origin, no
// framing, and fetches to this origin only (the page needs /graphql alone).
export const STATS_PAGE_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

const SECURITY_HEADERS = {
  'content-security-policy': STATS_PAGE_CSP,
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
};

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
};

// Asset names are checked against this before touching the disk: a flat
// folder of lower-case names, so no path can climb out of it.
const ASSET_NAME = /^[a-z][a-z0-9-]*\.(?:js|css)$/;

/** Files are read once per process: they only change with a new build or checkout. */
const cache = new Map<string, Buffer>();

async function loadFile(name: string): Promise<Buffer | null> {
  const cached = cache.get(name);
  if (cached) return cached;
  try {
    const body = await readFile(path.join(STATS_PAGE_DIR, name));
    cache.set(name, body);
    return body;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
}

async function serveFile(app: App, req: IncomingMessage, res: ServerResponse, name: string): Promise<void> {
  const body = await loadFile(name);
  if (body === null) {
    if (name === 'stats.html') app.log.error({ dir: STATS_PAGE_DIR }, 'stats page files are missing');
    sendError(res, 404, 'not found', SECURITY_HEADERS);
    return;
  }
  const extension = path.extname(name);
  res.writeHead(200, {
    ...SECURITY_HEADERS,
    'content-type': CONTENT_TYPES[extension],
    'content-length': String(body.length),
    // The HTML is never stored (it is the entry to figures behind a token);
    // scripts and styles are revalidated so a new build is picked up at once.
    'cache-control': extension === '.html' ? 'no-store' : 'no-cache',
  });
  res.end(req.method === 'HEAD' ? undefined : body);
}

export function registerStatsPageRoutes(router: Router, app: App): void {
  router.on(['GET', 'HEAD'], STATS_PAGE_PATH, (req, res) => serveFile(app, req, res, 'stats.html'));
  router.under(['GET', 'HEAD'], ASSET_PREFIX, async (req, res, routePath) => {
    const name = routePath.slice(ASSET_PREFIX.length);
    if (name === '') {
      res.writeHead(308, { location: STATS_PAGE_PATH, 'content-length': '0' });
      res.end();
      return;
    }
    if (!ASSET_NAME.test(name)) return sendError(res, 404, 'not found', SECURITY_HEADERS);
    await serveFile(app, req, res, name);
  });
}
