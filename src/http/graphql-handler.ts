// /graphql: Apollo Server 5 mounted on the bare node:http server through
// executeHTTPGraphQLRequest. Authentication happens here, once per request.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { ApolloServer, HeaderMap } from '@apollo/server';
import { ApolloServerPluginCacheControlDisabled, ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import type { App } from '../app';
import { authenticate } from '../auth/jwt';
import { isDatabaseError } from '../db/database-error';
import { formatGraphQLError } from '../errors';
import { createContext, type Context } from '../graphql/context';
import { queryLimitsPlugin } from '../graphql/query-limits';
import { repeatedFieldsRefusal } from '../graphql/repeated-fields';
import { buildGraphQLSchema } from '../graphql/schema';
import { refuseOversize } from './body';
import { readGraphQLBody } from './graphql-body';
import { subscriptionsOnStreamRule } from './graphql-stream';
import { stringifyAnswer } from './json-off-thread';
import { endInSlices, sendError, sendJson } from './respond';

const CORS_HEADERS = {
  'access-control-allow-origin': '*',
  'access-control-allow-methods': 'GET, POST, OPTIONS',
  'access-control-allow-headers': 'authorization, content-type, apollo-require-preflight',
  'access-control-max-age': '600',
};

/**
 * Ten times the longest document the pages and the explorer send (the full
 * introspection is about 200 tokens): parsing and validating cost about the
 * same per token, on the thread that answers the pixel.
 */
const MAX_TOKENS = 2_000;

/** The document of a POST body or a GET query string, when there is one. */
function documentOf(body: unknown, search: string): string | null {
  const query = typeof body === 'object' && body !== null && !Array.isArray(body) ? (body as { query?: unknown }).query : new URLSearchParams(search).get('query');
  return typeof query === 'string' ? query : null;
}

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

export async function createGraphQLEndpoint(app: App): Promise<GraphQLEndpoint> {
  const apollo = new ApolloServer<Context>({
    schema: buildGraphQLSchema(),
    introspection: true,
    includeStacktraceInErrorResponses: false,
    // An instrumented email comes back in the answer: megabytes to serialise, off the main thread.
    stringifyResult: stringifyAnswer,
    // The query limits are a plugin (they need the variables); subscriptions go to /graphql/stream.
    validationRules: [subscriptionsOnStreamRule],
    parseOptions: { maxTokens: MAX_TOKENS },
    formatError: (formatted, error) =>
      formatGraphQLError(formatted, error, (unexpected) => {
        if (isDatabaseError(unexpected)) app.metrics.countDatabaseError('graphql');
        app.log.error({ err: unexpected }, 'GraphQL request failed');
      }),
    // Apollo's default cache-control plugin computes a cache hint for every
    // resolved field; nothing here is cacheable (every answer is one
    // viewer's), and on a page of 1,000 recipients that cost a third of the request.
    plugins: [
      // The explorer is our own page (routes/explorer-page.ts): Apollo's loaded scripts and fonts from other origins.
      ApolloServerPluginLandingPageDisabled(),
      ApolloServerPluginCacheControlDisabled(),
      queryLimitsPlugin({ introspectionNeedsToken: app.config.production }),
    ],
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
    // The caller first: how much of the body is read depends on it.
    const auth = await authenticate(req.headers.authorization, app.config.authJwtSecret, app.config.authMaxTokenLifetimeHours);
    const read = await readGraphQLBody(req, auth.viewer !== null);
    if (!read.ok) {
      if (read.oversize) return refuseOversize(res, read.oversize, read.message, CORS_HEADERS);
      return sendError(res, read.status, read.message, { ...CORS_HEADERS, ...read.headers });
    }
    const url = req.url ?? '/';
    const queryStart = url.indexOf('?');
    const search = queryStart === -1 ? '' : url.slice(queryStart);
    const document = documentOf(read.body, search);
    const refusal = document === null ? null : repeatedFieldsRefusal(document, MAX_TOKENS);
    if (refusal !== null) {
      return sendJson(res, 400, { errors: [{ message: refusal, extensions: { code: 'GRAPHQL_VALIDATION_FAILED' } }] }, CORS_HEADERS);
    }
    const response = await apollo.executeHTTPGraphQLRequest({
      httpGraphQLRequest: {
        method: req.method ?? 'GET',
        headers: headerMap(req),
        search,
        body: read.body,
      },
      context: async () => createContext(app, auth.viewer, auth.viewer ? null : auth.problem),
    });
    res.statusCode = response.status ?? 200;
    for (const [name, value] of Object.entries(CORS_HEADERS)) res.setHeader(name, value);
    for (const [name, value] of response.headers) res.setHeader(name, value);
    if (response.body.kind === 'complete') {
      await endInSlices(res, response.body.string);
      return;
    }
    for await (const chunk of response.body.asyncIterator) res.write(chunk);
    res.end();
  }

  return { handle, stop: () => apollo.stop() };
}
