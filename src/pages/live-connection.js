// The Live panel's connection: one subscription over /graphql/stream with
// graphql-sse's own client (stats.html loads its UMD file: the global
// graphqlSse). It reopens by itself after a network drop or a server
// restart, and each time it opens it reads the latest events again, so what
// happened while it was away is not missing.
import { graphql } from './graphql.js';
import { ACTIVITY_QUERY, LIVE_SUBSCRIPTION } from './stats-queries.js';

/** Waits before each new attempt; the last one repeats. A little jitter spreads a restarted server's reconnections. */
const RETRY_DELAYS_MS = [500, 1000, 2000, 4000, 5000];
/** Over a limit: the stream is refused, and tried again after this. */
const PAUSE_MS = 30_000;
/** Events read on (re)connecting. */
const CATCH_UP = 100;

/**
 * Opens the stream of `variables` ({ campaignId } or { templateId } or {}).
 * `token()` gives the bearer token. `handlers.events(list)` receives what
 * arrives, `handlers.state(kind, message)` how the connection is:
 * 'connecting', 'live', 'reconnecting', 'paused' (over a limit) or 'stopped'.
 * Returns `{ close() }`.
 */
export function connectLive(variables, token, handlers) {
  const { createClient, NetworkError } = globalThis.graphqlSse;
  // retryAttempts 0: the retries are ours, so the panel can say when it is reconnecting and why.
  const client = createClient({ url: '/graphql/stream', headers: () => ({ authorization: `Bearer ${token()}` }), retryAttempts: 0 });
  let closed = false;
  let attempt = 0;
  let dispose = null;
  let timer = null;

  function later(kind, message, delayMs) {
    handlers.state(kind, message);
    timer = setTimeout(open, delayMs);
  }

  async function opened() {
    attempt = 0;
    handlers.state('live', 'Live: opens and clicks appear here as they happen.');
    try {
      const data = await graphql(token(), ACTIVITY_QUERY, { ...variables, limit: CATCH_UP });
      if (!closed) handlers.events(data.activity);
    } catch {
      // The stream goes on; only the catch-up is missing.
    }
  }

  function lost(error) {
    dispose?.();
    if (error instanceof NetworkError && error.response?.status === 401) {
      handlers.state('stopped', 'Live updates stopped: the server refused the token.');
      return;
    }
    const delay = RETRY_DELAYS_MS[Math.min(attempt, RETRY_DELAYS_MS.length - 1)] + Math.floor(Math.random() * 250);
    attempt++;
    later('reconnecting', 'Connection lost: reconnecting…', delay);
  }

  /** Errors that trying again will not mend: the token, the role, the document. */
  const FINAL = new Set(['UNAUTHENTICATED', 'FORBIDDEN', 'BAD_USER_INPUT', 'GRAPHQL_VALIDATION_FAILED']);

  function refused(error) {
    const code = error.extensions?.code;
    dispose?.();
    if (code === 'TOO_MANY_STREAMS') later('paused', `Live updates paused: ${error.message}. Trying again in 30 s.`, PAUSE_MS);
    else if (FINAL.has(code)) handlers.state('stopped', `Live updates stopped: ${error.message}`);
    // A client too slow, a server closing or failing (its database down): it passes.
    else lost(null);
  }

  function open() {
    if (closed) return;
    // What one attempt hears; anything after it ended (or after close) is ignored.
    let ended = false;
    const end = (then) => (value) => {
      if (closed || ended) return;
      ended = true;
      then(value);
    };
    if (attempt === 0) handlers.state('connecting', 'Connecting to live updates…');
    dispose = client.subscribe(
      { query: LIVE_SUBSCRIPTION, variables },
      {
        next(result) {
          if (closed || ended) return;
          if (result.errors?.length) end(refused)(result.errors[0]);
          else handlers.events([result.data.activity]);
        },
        error: end(lost),
        complete: end(() => lost(null)),
      },
      {
        connected: () => {
          if (!closed && !ended) void opened();
        },
      },
    );
  }

  open();
  return {
    close() {
      closed = true;
      clearTimeout(timer);
      dispose?.();
      client.dispose();
    },
  };
}
