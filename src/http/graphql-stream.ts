// /graphql/stream: GraphQL over Server-Sent Events (graphql-sse's protocol,
// "distinct connections" mode) for Subscription.activity, on the same schema,
// context, shield and query limits as /graphql. graphql-sse's server-agnostic
// handler does the protocol; this adapter does what its node:http one does
// not: the body read only up to 64 KB before the caller is known, the bearer
// token checked before a stream opens, a client too slow to read its events
// let go rather than buffered without end, and every stream ended when the
// server closes (clients reconnect, to this instance or another).
import type { IncomingMessage, ServerResponse } from 'node:http';
import { getOperationAST, GraphQLError, parse, specifiedRules, validate, type DocumentNode, type ValidationRule } from 'graphql';
import { createHandler, type Response as StreamResponse } from 'graphql-sse';
import { decodeJwt } from 'jose';
import type { App } from '../app';
import { authenticate } from '../auth/jwt';
import type { Viewer } from '../auth/viewer';
import { formatGraphQLError } from '../errors';
import { createCompiledSubscribe } from '../graphql/compiled-subscribe';
import { createContext } from '../graphql/context';
import { limitRefusal, measureOperation } from '../graphql/query-limits';
import { buildGraphQLSchema } from '../graphql/schema';
import { readBody } from './body';
import { sendError } from './respond';

export const GRAPHQL_STREAM_PATH = '/graphql/stream';
/** A subscription document is small; nothing more is read before the token is checked (contract section 8). */
const STREAM_BODY_LIMIT = 64 * 1024;
/** Bytes a stream may leave unsent in its socket before its client counts as gone (about 2,000 events). */
const MAX_UNSENT_BYTES = 1024 * 1024;

const CORS_HEADERS = {
  'access-control-allow-origin': '*',
  'access-control-allow-methods': 'GET, POST, OPTIONS',
  'access-control-allow-headers': 'authorization, content-type',
  'access-control-max-age': '600',
};

/** For /graphql, which runs a document once: a subscription is refused there with where to send it. */
export const subscriptionsOnStreamRule: ValidationRule = (context) => ({
  OperationDefinition(operation) {
    if (operation.operation !== 'subscription') return;
    context.reportError(new GraphQLError(`Subscriptions are served at ${GRAPHQL_STREAM_PATH} (GraphQL over Server-Sent Events), not here`, { nodes: [operation] }));
  },
});

export interface GraphQLStreamEndpoint {
  handle(req: IncomingMessage, res: ServerResponse): Promise<void>;
  /** ends every open stream without `complete`, so its client reconnects (to this instance once it is back, or another) */
  closeAll(): void;
}

interface StreamRequestContext {
  viewer: Viewer | null;
  /** epoch ms when the caller's token expires: its stream ends then, and the client's reconnection is refused */
  expiresAt: number | null;
}

/** setTimeout's longest wait (about 24.8 days); a token may live longer. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/** When the (verified) bearer token of the header expires, from its `exp`. */
function tokenExpiry(header: string | undefined): number | null {
  const token = /^Bearer\s+(\S+)/i.exec(header ?? '')?.[1];
  const exp = token ? decodeJwt(token).exp : undefined;
  return typeof exp === 'number' ? exp * 1000 : null;
}

/** Runs `then` at `at` (epoch ms), however far away; returns what cancels it. */
function at(time: number, then: () => void): () => void {
  let timer: NodeJS.Timeout;
  const arm = () => {
    const wait = time - Date.now();
    timer = wait > MAX_TIMER_MS ? setTimeout(arm, MAX_TIMER_MS) : setTimeout(then, Math.max(0, wait));
    timer.unref();
  };
  arm();
  return () => clearTimeout(timer);
}

function refusal(status: number, code: string, message: string): StreamResponse {
  const body = JSON.stringify({ errors: [{ message, extensions: { code } }] });
  return [body, { status, statusText: status === 401 ? 'Unauthorized' : 'Bad Request', headers: { 'content-type': 'application/json; charset=utf-8' } }];
}

const acceptsEventStream = (req: IncomingMessage) => /(^|,)\s*text\/event-stream\s*(;|,|$)/i.test(String(req.headers.accept ?? ''));

export function createGraphQLStream(app: App): GraphQLStreamEndpoint {
  const schema = buildGraphQLSchema();
  /** each open stream, with what ends it */
  const open = new Map<ServerResponse, () => void>();
  const formatErrors = (errors: readonly GraphQLError[]) =>
    errors.map((error) => formatGraphQLError(error.toJSON(), error, (unexpected) => app.log.error({ err: unexpected }, 'GraphQL stream failed')));

  const handler = createHandler<IncomingMessage, StreamRequestContext, ReturnType<typeof streamContext>>({
    schema,
    subscribe: createCompiledSubscribe(schema),
    // Every request needs a valid token; null afterwards turns graphql-sse's
    // "single connection mode" off: each subscription is its own request.
    async authenticate(req) {
      const auth = await authenticate(req.raw.headers.authorization, app.config.authJwtSecret, app.config.authMaxTokenLifetimeHours);
      if (!auth.viewer) return refusal(401, 'UNAUTHENTICATED', `Authentication required: ${auth.problem ?? 'send Authorization: Bearer <token>'}`);
      req.context.viewer = auth.viewer;
      req.context.expiresAt = tokenExpiry(req.raw.headers.authorization);
      return null;
    },
    onSubscribe(req, params) {
      let document: DocumentNode;
      try {
        document = parse(params.query, { maxTokens: 10_000 });
      } catch (error) {
        return refusal(400, 'GRAPHQL_PARSE_FAILED', (error as Error).message);
      }
      const operation = getOperationAST(document, params.operationName);
      if (operation?.operation !== 'subscription') {
        return refusal(400, 'BAD_REQUEST', `Only subscriptions are served at ${GRAPHQL_STREAM_PATH}: send queries and mutations to /graphql`);
      }
      // The query limits of /graphql (graphql/query-limits.ts), measured with
      // the variables it will run with, on a document that validates (one
      // that does not gets its validation errors from graphql-sse, below).
      // A refusal is the stream's only event, as /graphql's is its answer.
      if (validate(schema, document).length === 0) {
        const refused = limitRefusal(measureOperation(schema, document, operation, params.variables ?? {}));
        // `data: null` is what graphql-sse recognises as a result.
        if (refused !== null) return { data: null, errors: [new GraphQLError(refused, { extensions: { code: 'GRAPHQL_VALIDATION_FAILED' } })] };
      }
      return { schema, document, operationName: params.operationName, variableValues: params.variables, contextValue: streamContext(req.context.viewer) };
    },
    // Coded as /graphql codes them (Apollo), so the formatting below passes them through.
    validate: (validated, document) =>
      validate(validated, document, specifiedRules).map((error) => new GraphQLError(error.message, { nodes: error.nodes, extensions: { code: 'GRAPHQL_VALIDATION_FAILED' } })),
    // The same error formatting as /graphql (no SQL, no stack). graphql-sse
    // types errors as GraphQLError but only serialises them: the formatted
    // shape is what goes out.
    onNext: (_context, _req, result) => (result.errors ? { ...result, errors: formatErrors(result.errors) as unknown as GraphQLError[] } : undefined),
  });

  // graphql-sse wants a plain record as its context type; ours is an interface.
  function streamContext(viewer: Viewer | null) {
    return { ...createContext(app, viewer, null) };
  }

  async function pipe(body: AsyncGenerator<string, void, undefined>, res: ServerResponse, expiresAt: number | null): Promise<void> {
    res.socket?.setNoDelay(true);
    const stop = () => void body.return(undefined);
    open.set(res, stop);
    res.once('close', stop);
    // A stream lasts no longer than the token that opened it.
    const cancelExpiry = expiresAt === null ? () => undefined : at(expiresAt, stop);
    // A batch's events come out in one turn of the event loop: corked until
    // the next turn, they leave in one write rather than one per event.
    let corked = false;
    const uncork = () => {
      corked = false;
      res.uncork();
    };
    try {
      for await (const chunk of body) {
        if (res.destroyed) break;
        if (!corked) {
          corked = true;
          res.cork();
          setImmediate(uncork);
        }
        res.write(chunk);
        if (res.writableLength > MAX_UNSENT_BYTES) {
          app.log.warn('live activity: a client stopped reading its stream; closed');
          res.destroy();
          break;
        }
      }
    } catch (error) {
      // The stream ended with an error (a client too slow for its queue): said once, then closed.
      const [formatted] = formatErrors([error as GraphQLError]);
      if (!res.destroyed) res.write(`event: next\ndata: ${JSON.stringify({ errors: [formatted] })}\n\n`);
    } finally {
      cancelExpiry();
      res.off('close', stop);
      open.delete(res);
      if (!res.destroyed) res.end();
    }
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (req.method === 'OPTIONS') {
      res.writeHead(204, CORS_HEADERS).end();
      return;
    }
    if (!acceptsEventStream(req)) {
      return sendError(res, 406, `send Accept: text/event-stream (GraphQL over SSE, distinct connections mode)`, CORS_HEADERS);
    }
    const context: StreamRequestContext = { viewer: null, expiresAt: null };
    const [body, init] = await handler({
      method: req.method ?? 'GET',
      url: req.url ?? GRAPHQL_STREAM_PATH,
      headers: {
        // graphql-sse compares Accept as a whole; the check above allowed lists and parameters.
        get: (key) => (key === 'accept' ? 'text/event-stream' : [req.headers[key] ?? []].flat().join(', ') || null),
      },
      body: async () => (await readBody(req, STREAM_BODY_LIMIT)).toBuffer().toString('utf8'),
      raw: req,
      context,
    });
    const streaming = body !== null && typeof body !== 'string';
    // A stream's connection is not reused after it: its end is the stream's end.
    const streamHeaders = streaming ? { 'x-accel-buffering': 'no', connection: 'close' } : {};
    res.writeHead(init.status, init.statusText, { ...CORS_HEADERS, ...init.headers, ...streamHeaders });
    if (!streaming) {
      res.end(body ?? undefined);
      return;
    }
    await pipe(body, res, context.expiresAt);
  }

  return {
    handle,
    closeAll() {
      // Ended cleanly (the last chunk written) rather than cut: to the client it is a lost connection to retry, not a broken response.
      for (const stop of open.values()) stop();
    },
  };
}
