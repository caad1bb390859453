// GET /metrics (contract section 1): Prometheus text for the scraper, and for
// nobody else. With METRICS_TOKEN set it needs that bearer; without it, a
// production server answers loopback clients only (a scraper beside it, or
// an SSH tunnel), since the figures describe traffic and failures.
import { createHash, timingSafeEqual } from 'node:crypto';
import { isIP } from 'node:net';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { App } from '../app';
import { clientIp } from '../events/client-ip';
import { sendError } from '../http/respond';
import type { Router } from '../http/router';

export const METRICS_PATH = '/metrics';

const digest = (text: string) => createHash('sha256').update(text).digest();

/** Compared as digests: equal lengths, constant time, and the token's length stays secret. */
function presentsToken(header: string | undefined, token: string): boolean {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header ?? '');
  return match !== null && timingSafeEqual(digest(match[1]), digest(token));
}

function isLoopback(address: string): boolean {
  if (isIP(address) === 4) return address.startsWith('127.');
  return address === '::1';
}

type Access = 'allowed' | 'needs-token' | 'loopback-only';

function access(app: App, req: IncomingMessage): Access {
  const { metricsToken, production, trustProxy } = app.config;
  if (metricsToken !== null) return presentsToken(req.headers.authorization, metricsToken) ? 'allowed' : 'needs-token';
  if (!production) return 'allowed';
  // Behind a proxy on the same host the socket is loopback: the client is the one the proxy names.
  return isLoopback(clientIp(req.socket.remoteAddress, req.headers['x-forwarded-for'], trustProxy)) ? 'allowed' : 'loopback-only';
}

async function serveMetrics(app: App, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const allowed = access(app, req);
  if (allowed === 'needs-token') return sendError(res, 401, 'send Authorization: Bearer <METRICS_TOKEN>', { 'www-authenticate': 'Bearer' });
  if (allowed === 'loopback-only') return sendError(res, 403, 'metrics are served to loopback clients only unless METRICS_TOKEN is set');
  const body = await app.metrics.registry.metrics();
  res.writeHead(200, { 'content-type': app.metrics.registry.contentType, 'cache-control': 'no-store' });
  res.end(body);
}

export function registerMetricsRoute(router: Router, app: App): void {
  router.on(['GET'], METRICS_PATH, (req, res) => serveMetrics(app, req, res));
}
