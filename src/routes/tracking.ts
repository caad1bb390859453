// GET/HEAD /track/open/{token}.gif and /track/click/{token}: the routes mail
// clients hit. Answer first, from the token alone; then hand the event to the
// recorder, which never delays or fails the answer.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { App } from '../app';
import { clientIp } from '../events/client-ip';
import type { EventKind, EventSource, PendingEvent } from '../events/event';
import { locationHeader } from '../http/location';
import type { Router } from '../http/router';

export const OPEN_PREFIX = '/track/open/';
export const CLICK_PREFIX = '/track/click/';

/** The 43-byte transparent 1x1 GIF89a. */
export const PIXEL_GIF = Buffer.from('R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAICRAEAOw==', 'base64');

const NO_STORE = 'no-store, no-cache, must-revalidate, private';
const PIXEL_HEADERS = {
  'content-type': 'image/gif',
  'content-length': String(PIXEL_GIF.length),
  'cache-control': NO_STORE,
  pragma: 'no-cache',
  expires: '0',
};
const NOT_FOUND_BODY = 'Not found\n';
const NOT_FOUND_HEADERS = {
  'content-type': 'text/plain; charset=utf-8',
  'content-length': String(Buffer.byteLength(NOT_FOUND_BODY)),
  'cache-control': NO_STORE,
};

function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value.join(', ') : value;
}

/**
 * Header strings are fresh per request; thousands of buffered events share a
 * handful of user agents and organisations, so identical strings are kept once.
 */
class StringPool {
  private readonly strings = new Map<string, string>();

  constructor(private readonly capacity: number) {}

  intern(value: string): string {
    const known = this.strings.get(value);
    if (known !== undefined) return known;
    if (this.strings.size >= this.capacity) this.strings.clear();
    this.strings.set(value, value);
    return value;
  }
}

const userAgents = new StringPool(10_000);
/** X-Requested-With: an Android WebView's app id, a few hundred in the wild */
const appIds = new StringPool(1_000);
const MAX_APP_ID = 128;
const organisations = new StringPool(10_000);
const MAX_USER_AGENT = 1024;

/** The app an Android WebView names (the writer parses it with the user agent): none for most requests. */
function hintsOf(req: IncomingMessage): Pick<PendingEvent, 'clientHints'> {
  const requestedWith = header(req, 'x-requested-with');
  // XMLHttpRequest is what scripts send, not an app.
  if (requestedWith === undefined || requestedWith === '' || requestedWith === 'XMLHttpRequest') return {};
  return { clientHints: { requestedWith: appIds.intern(requestedWith.slice(0, MAX_APP_ID)) } };
}

function recordEvent(
  app: App,
  req: IncomingMessage,
  kind: EventKind,
  source: EventSource,
  target: { orgId: string; sendId: string; position: number | null; url: string | null; trap?: boolean },
): void {
  const userAgent = header(req, 'user-agent');
  const purpose = header(req, 'sec-purpose') ?? header(req, 'purpose') ?? header(req, 'x-moz');
  // The plain address serves the network rule here and is hashed below; it is never kept.
  const ip = clientIp(req.socket.remoteAddress, req.headers['x-forwarded-for'], app.config.trustProxy);
  const method = req.method ?? 'GET';
  const verdict = target.trap
    ? app.classifier.classifyTrap(method, purpose)
    : app.classifier.classify(method, userAgent, purpose, kind === 'OPEN' ? 'open' : 'click', ip || undefined);
  if (!verdict.countable && !verdict.bot) return; // HEAD and prefetch: answered, not recorded
  app.recorder.record({
    orgId: organisations.intern(target.orgId),
    sendId: target.sendId,
    kind,
    source,
    at: Date.now(),
    countable: verdict.countable,
    bot: verdict.bot,
    botReason: verdict.botReason,
    mpp: verdict.mpp,
    linkPosition: target.position,
    url: target.url,
    userAgent: userAgent === undefined ? null : userAgents.intern(userAgent.slice(0, MAX_USER_AGENT)),
    ipHashHex: ip ? app.ipHasher.hash(target.sendId, ip) : null,
    ...hintsOf(req),
  });
}

function servePixel(app: App, req: IncomingMessage, res: ServerResponse, path: string): void {
  res.writeHead(200, PIXEL_HEADERS);
  res.end(req.method === 'HEAD' ? undefined : PIXEL_GIF);
  const token = path.slice(OPEN_PREFIX.length, path.endsWith('.gif') ? -4 : undefined);
  const decoded = app.tokens.decode(token);
  if (decoded?.kind !== 'open') return;
  recordEvent(app, req, 'OPEN', 'PIXEL', { orgId: decoded.orgId, sendId: decoded.sendId, position: null, url: null });
}

function redirectClick(app: App, req: IncomingMessage, res: ServerResponse, path: string): void {
  const decoded = app.tokens.decode(path.slice(CLICK_PREFIX.length));
  if (decoded?.kind === 'trap') {
    followTrap(app, req, res, decoded);
    return;
  }
  if (decoded?.kind !== 'click') {
    res.writeHead(404, NOT_FOUND_HEADERS);
    res.end(req.method === 'HEAD' ? undefined : NOT_FOUND_BODY);
    return;
  }
  res.writeHead(302, { location: locationHeader(decoded.url), 'cache-control': NO_STORE, 'content-length': '0' });
  res.end();
  recordEvent(app, req, 'CLICK', 'REDIRECT', {
    orgId: decoded.orgId,
    sendId: decoded.sendId,
    position: decoded.position,
    url: decoded.url,
  });
}

/** The trap link leads to the service's own front page, and tells the recorder a machine was here. */
function followTrap(app: App, req: IncomingMessage, res: ServerResponse, trap: { orgId: string; sendId: string }): void {
  res.writeHead(302, { location: `${app.config.publicBaseUrl}/`, 'cache-control': NO_STORE, 'content-length': '0' });
  res.end();
  recordEvent(app, req, 'CLICK', 'REDIRECT', { orgId: trap.orgId, sendId: trap.sendId, position: null, url: null, trap: true });
}

export function registerTrackingRoutes(router: Router, app: App): void {
  router.under(['GET', 'HEAD'], OPEN_PREFIX, (req, res, path) => servePixel(app, req, res, path));
  router.under(['GET', 'HEAD'], CLICK_PREFIX, (req, res, path) => redirectClick(app, req, res, path));
}
