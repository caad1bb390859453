// The browser pages' files: each page's HTML at its own path (/stats,
// /settings), and their scripts, styles and the chart library under /pages/.
// Files are read relative to the project root (the library from
// node_modules), so ts-node, Jest and the compiled server in
// dist/ serve the same files with no copy step. The pages themselves talk
// only to /graphql.
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import type { App } from '../app';
import type { RouteHandler, Router } from '../http/router';
import { sendError } from '../http/respond';
import { projectRoot } from '../paths';

export const PAGES_DIR = path.join(projectRoot, 'src', 'pages');
export const PAGE_ASSET_PREFIX = '/pages/';

// The bearer token sits in sessionStorage, so only our own scripts may run
// beside it: no inline script or style, nothing from another origin, no
// framing, and fetches to this origin only (the pages need /graphql alone).
// The chart library sets element.style properties from script (CSSOM), which
// style-src does not govern, and its stylesheet is one of our files: no
// 'unsafe-inline' is needed anywhere. GraphiQL's stylesheet carries its fonts
// as data: URLs, which are no origin at all (font-src).
export const PAGES_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "font-src 'self' data:",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

const SECURITY_HEADERS = {
  'content-security-policy': PAGES_CSP,
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

// The only files served from node_modules, under names of ours so the pages
// never see node_modules paths: uPlot's ES module and its stylesheet,
// graphql-sse's browser client (its UMD file: the package exports no path to
// it, so it is found beside the package's entry), and GraphiQL's browser
// build with the React it runs on (the explorer). React and GraphiQL list
// only their module entries in package.json "exports": their browser builds
// are found beside their package.json.
const packageFile = (name: string, file: string) => path.join(path.dirname(require.resolve(`${name}/package.json`)), file);
const VENDOR_FILES: Record<string, string> = {
  'uplot.js': require.resolve('uplot/dist/uPlot.esm.js'),
  'uplot.css': require.resolve('uplot/dist/uPlot.min.css'),
  'graphql-sse.js': path.join(path.dirname(require.resolve('graphql-sse')), '..', 'umd', 'graphql-sse.min.js'),
  'react.js': packageFile('react', 'umd/react.production.min.js'),
  'react-dom.js': packageFile('react-dom', 'umd/react-dom.production.min.js'),
  'graphiql.js': packageFile('graphiql', 'graphiql.min.js'),
  'graphiql.css': packageFile('graphiql', 'graphiql.min.css'),
};

interface PageFile {
  body: Buffer;
  gzipped: Buffer | null;
  etag: string;
}

/** Files are read once per process: they only change with a new build, checkout or install. */
const cache = new Map<string, PageFile>();

async function loadFile(name: string): Promise<PageFile | null> {
  const cached = cache.get(name);
  if (cached) return cached;
  try {
    const body = await readFile(VENDOR_FILES[name] ?? path.join(PAGES_DIR, name));
    // The chart library is 145 KB as it ships and 42 KB gzipped.
    const gzipped = body.length > 1024 ? gzipSync(body) : null;
    const etag = `"${createHash('sha256').update(body).digest('base64url').slice(0, 22)}"`;
    const file = { body, gzipped, etag };
    cache.set(name, file);
    return file;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
}

const acceptsGzip = (req: IncomingMessage) => /\bgzip\b/.test(String(req.headers['accept-encoding'] ?? ''));

async function serveFile(app: App, req: IncomingMessage, res: ServerResponse, name: string): Promise<void> {
  const file = await loadFile(name);
  if (file === null) {
    if (name.endsWith('.html')) app.log.error({ dir: PAGES_DIR, name }, 'page files are missing');
    sendError(res, 404, 'not found', SECURITY_HEADERS);
    return;
  }
  const isHtml = name.endsWith('.html');
  // The HTML is never stored (it is the entry to figures behind a token);
  // scripts and styles are revalidated so a new build is picked up at once,
  // and the ETag makes that revalidation a 304 without the body.
  const caching = isHtml ? { 'cache-control': 'no-store' } : { 'cache-control': 'no-cache', etag: file.etag, vary: 'accept-encoding' };
  if (!isHtml && req.headers['if-none-match'] === file.etag) {
    res.writeHead(304, { ...SECURITY_HEADERS, ...caching });
    res.end();
    return;
  }
  const gzip = file.gzipped !== null && acceptsGzip(req);
  const body = gzip ? file.gzipped! : file.body;
  res.writeHead(200, {
    ...SECURITY_HEADERS,
    ...caching,
    'content-type': CONTENT_TYPES[path.extname(name)],
    'content-length': String(body.length),
    ...(gzip ? { 'content-encoding': 'gzip' } : {}),
  });
  res.end(req.method === 'HEAD' ? undefined : body);
}

/** Serves a page's HTML, for a route that decides itself when (GET /graphql in a browser). */
export function pageHandler(app: App, htmlName: string): RouteHandler {
  return (req, res) => serveFile(app, req, res, htmlName);
}

/** A page's HTML at its path; `path/` with a slash leads back to it. */
export function registerPage(router: Router, app: App, pagePath: string, htmlName: string): void {
  router.on(['GET', 'HEAD'], pagePath, pageHandler(app, htmlName));
  router.on(['GET', 'HEAD'], `${pagePath}/`, (_req, res) => {
    res.writeHead(308, { location: pagePath, 'content-length': '0' });
    res.end();
  });
}

/** Scripts and styles of every page, and the chart library. Never the HTML, never a folder. */
export function registerPageAssets(router: Router, app: App): void {
  router.under(['GET', 'HEAD'], PAGE_ASSET_PREFIX, async (req, res, routePath) => {
    const name = routePath.slice(PAGE_ASSET_PREFIX.length);
    if (!ASSET_NAME.test(name)) return sendError(res, 404, 'not found', SECURITY_HEADERS);
    await serveFile(app, req, res, name);
  });
}
