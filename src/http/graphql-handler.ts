// /graphql: Apollo Server 5 mounted on the bare node:http server through
// executeHTTPGraphQLRequest. Authentication happens here, once per request.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { ApolloServer, HeaderMap } from '@apollo/server';
import { ApolloServerPluginCacheControlDisabled } from '@apollo/server/plugin/disabled';
import { ApolloServerPluginLandingPageLocalDefault } from '@apollo/server/plugin/landingPage/default';
import type { App } from '../app';
import { authenticate } from '../auth/jwt';
import { isDatabaseError } from '../db/database-error';
import { formatGraphQLError } from '../errors';
import { createContext, type Context } from '../graphql/context';
import { queryLimitsRule } from '../graphql/query-limits';
import { buildGraphQLSchema } from '../graphql/schema';
import { BodyTooLargeError, readBody } from './body';
import { subscriptionsOnStreamRule } from './graphql-stream';
import { sendError } from './respond';

/** instrumentEmail carries whole emails: 8 MiB of HTML plus JSON escaping. */
export const GRAPHQL_BODY_LIMIT = 20 * 1024 * 1024;

const CORS_HEADERS = {
  'access-control-allow-origin': '*',
  'access-control-allow-methods': 'GET, POST, OPTIONS',
  'access-control-allow-headers': 'authorization, content-type, apollo-require-preflight',
  'access-control-max-age': '600',
};

export interface GraphQLEndpoint {
  handle(req: IncomingMessage, res: ServerResponse): Promise<void>;
  stop(): Promise<void>;
}

function headerMap(req: IncomingMessage): HeaderMap {
  const headers = new HeaderMap();
  for (const [name, value] of Object.entries(req.headers)) {
    if (value !== undefined) headers.set(name, Array.isArray(value) ? value.join(', ') : value);
  }
  return headers;
}

async function parseBody(req: IncomingMessage): Promise<unknown> {
  if (req.method !== 'POST') return undefined;
  const raw = await readBody(req, GRAPHQL_BODY_LIMIT);
  const type = req.headers['content-type'] ?? '';
  if (!type.includes('application/json')) return raw.toString('utf8');
  return raw.length === 0 ? undefined : JSON.parse(raw.toString('utf8'));
}

export async function createGraphQLEndpoint(app: App): Promise<GraphQLEndpoint> {
  const apollo = new ApolloServer<Context>({
    schema: buildGraphQLSchema(),
    introspection: true,
    includeStacktraceInErrorResponses: false,
    validationRules: [queryLimitsRule(), subscriptionsOnStreamRule],
    parseOptions: { maxTokens: 10_000 },
    formatError: (formatted, error) =>
      formatGraphQLError(formatted, error, (unexpected) => {
        if (isDatabaseError(unexpected)) app.metrics.countDatabaseError('graphql');
        app.log.error({ err: unexpected }, 'GraphQL request failed');
      }),
    // Apollo's default cache-control plugin computes a cache hint for every
    // resolved field; nothing here is cacheable (every answer is one
    // viewer's), and on a page of 1,000 recipients that cost a third of the request.
    plugins: [ApolloServerPluginLandingPageLocalDefault({ embed: true, footer: false }), ApolloServerPluginCacheControlDisabled()],
    // The process's shutdown (main.ts) owns SIGINT/SIGTERM and stops Apollo
    // itself. Apollo's own handlers would race it: a second stop() while the
    // first is under way waits for a barrier that a successful stop never
    // releases, so the process hung on Ctrl-C.
    stopOnTerminationSignals: false,
  });
  await apollo.start();

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (req.method === 'OPTIONS') {
      res.writeHead(204, CORS_HEADERS).end();
      return;
    }
    let body: unknown;
    try {
      body = await parseBody(req);
    } catch (error) {
      if (error instanceof BodyTooLargeError) return sendError(res, 413, error.message, CORS_HEADERS);
      return sendError(res, 400, 'request body is not valid JSON', CORS_HEADERS);
    }
    const auth = await authenticate(req.headers.authorization, app.config.authJwtSecret);
    const url = req.url ?? '/';
    const queryStart = url.indexOf('?');
    const response = await apollo.executeHTTPGraphQLRequest({
      httpGraphQLRequest: {
        method: req.method ?? 'GET',
        headers: headerMap(req),
        search: queryStart === -1 ? '' : url.slice(queryStart),
        body,
      },
      context: async () => createContext(app, auth.viewer, auth.viewer ? null : auth.problem),
    });
    res.statusCode = response.status ?? 200;
    for (const [name, value] of Object.entries(CORS_HEADERS)) res.setHeader(name, value);
    for (const [name, value] of response.headers) res.setHeader(name, value);
    if (response.body.kind === 'complete') {
      res.end(response.body.string);
      return;
    }
    for await (const chunk of response.body.asyncIterator) res.write(chunk);
    res.end();
  }

  return { handle, stop: () => apollo.stop() };
}
