// One node:http server: /graphql through Apollo, /graphql/stream (live
// activity over SSE), /healthz, and the plain routes (pixel, click,
// webhooks) on the bare fast path, off Apollo's.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { App } from './app';
import { DatabaseHealth } from './db/health';
import { createGraphQLEndpoint } from './http/graphql-handler';
import { createGraphQLStream, GRAPHQL_STREAM_PATH } from './http/graphql-stream';
import { sendError, sendJson } from './http/respond';
import { Router } from './http/router';
import { routeLabel } from './metrics';
import { explorerPage, wantsExplorer } from './routes/explorer-page';
import { registerMailgunRoutes } from './routes/mailgun';
import { registerMetricsRoute } from './routes/metrics';
import { registerPageAssets } from './routes/page-files';
import { registerSettingsPageRoutes } from './routes/settings-page';
import { registerStatsPageRoutes } from './routes/stats-page';
import { registerTrackingRoutes } from './routes/tracking';

export interface RunningServer {
  readonly http: Server;
  readonly url: string;
  /** stops accepting, ends the live streams, lets in-flight requests finish (cut off after `graceMs`), then releases Apollo */
  close(graceMs?: number): Promise<void>;
}

function pathOf(url: string): string {
  const query = url.indexOf('?');
  return query === -1 ? url : url.slice(0, query);
}

export interface ServerTimeouts {
  /** a client must send its request headers within this */
  headersMs: number;
  /** and its whole request within this */
  requestMs: number;
}

export const defaultTimeouts: ServerTimeouts = { headersMs: 10_000, requestMs: 60_000 };

export async function startServer(
  app: App,
  port = app.config.port,
  host = app.config.host,
  timeouts: ServerTimeouts = defaultTimeouts,
): Promise<RunningServer> {
  const router = new Router();
  const health = new DatabaseHealth(app.db);
  const graphql = await createGraphQLEndpoint(app);
  const stream = createGraphQLStream(app);

  const explorer = explorerPage(app);
  router.on(['GET', 'HEAD', 'POST', 'OPTIONS'], '/graphql', (req, res, path) => (wantsExplorer(req) ? explorer(req, res, path) : graphql.handle(req, res)));
  router.on(['GET', 'POST', 'OPTIONS'], GRAPHQL_STREAM_PATH, (req, res) => stream.handle(req, res));
  registerTrackingRoutes(router, app);
  registerMailgunRoutes(router, app);
  registerStatsPageRoutes(router, app);
  registerSettingsPageRoutes(router, app);
  registerPageAssets(router, app);
  router.on(['GET', 'HEAD'], '/healthz', async (_req, res) => {
    sendJson(res, 200, { status: 'ok', db: await health.state() });
  });
  registerMetricsRoute(router, app);

  const handle = (req: IncomingMessage, res: ServerResponse) => {
    const path = pathOf(req.url ?? '/');
    const label = routeLabel(path);
    const route = router.match(req.method ?? 'GET', path);
    if (route === null || route === 'method-not-allowed') {
      if (route === null) sendError(res, 404, 'not found');
      else sendError(res, 405, 'method not allowed');
      app.metrics.countRequest(label, res.statusCode);
      return;
    }
    const done = route(req, res, path);
    if (!(done instanceof Promise)) {
      app.metrics.countRequest(label, res.statusCode);
      return;
    }
    done
      .catch((error: unknown) => {
        app.log.error({ err: error, route: label }, 'request failed');
        if (!res.headersSent) sendError(res, 500, 'internal error');
        else res.destroy();
      })
      .finally(() => app.metrics.countRequest(label, res.statusCode));
  };

  // Slow clients cannot hold sockets open forever (slow-loris): the timeouts
  // are checked every second rather than Node's default 30 s.
  const http = createServer({ connectionsCheckingInterval: 1_000 }, handle);
  http.headersTimeout = timeouts.headersMs;
  http.requestTimeout = timeouts.requestMs;
  http.keepAliveTimeout = 5_000;

  await new Promise<void>((resolve, reject) => {
    http.once('error', reject);
    http.listen(port, host, () => {
      http.off('error', reject);
      resolve();
    });
  });
  const address = http.address() as AddressInfo;
  const shownHost = host === '0.0.0.0' || host === '::' ? 'localhost' : host;

  return {
    http,
    url: `http://${shownHost.includes(':') ? `[${shownHost}]` : shownHost}:${address.port}`,
    async close(graceMs = 10_000) {
      const closed = new Promise<void>((resolve) => http.close(() => resolve()));
      http.closeIdleConnections();
      // Live streams never finish by themselves: their clients reconnect elsewhere.
      stream.closeAll();
      await app.live.stop();
      // Requests still running after the grace period are cut off.
      const force = setTimeout(() => http.closeAllConnections(), graceMs);
      await closed;
      clearTimeout(force);
      await graphql.stop();
    },
  };
}
