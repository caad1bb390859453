// The body of POST /graphql, read only as far as the caller has earned
// (contract section 8): 64 KiB before the caller is known, 20 MiB after; its
// JSON bounded before it is parsed, and parsed off the main thread when it
// is large. Every way a body can be wrong is a 4xx with a clear message.
import type { IncomingMessage } from 'node:http';
import type { JsonBounds } from '../bounded-json';
import { WorkersBusyError } from '../worker-pool';
import { BodyTooLargeError, readBody, type ReceivedBody } from './body';
import { parseJsonBody } from './json-off-thread';

/** What anyone may send before a token is checked: a query with variables fits in it many times over. */
export const UNAUTHENTICATED_BODY_LIMIT = 64 * 1024;
/** instrumentEmail carries whole emails: 8 MiB of HTML plus JSON escaping. */
export const GRAPHQL_BODY_LIMIT = 20 * 1024 * 1024;
/**
 * The GraphQL document itself: graphql-js lexes it on the main thread, a few
 * milliseconds per 64 KiB of escaped string literal once warm and hundreds
 * for a few MB; an email belongs in variables.
 */
export const MAX_DOCUMENT_LENGTH = 64 * 1024;
/** An operation's variables nest a few levels and hold a few dozen values. */
export const GRAPHQL_JSON_BOUNDS: JsonBounds = { maxDepth: 32, maxValues: 10_000 };

export type BodyOutcome =
  | { ok: true; body: unknown }
  /** `oversize` when the body was over its limit: answered with refuseOversize, which drops the rest first */
  | { ok: false; status: number; message: string; headers?: Record<string, string>; oversize?: BodyTooLargeError };

const refuse = (status: number, message: string, headers?: Record<string, string>): BodyOutcome => ({ ok: false, status, message, headers });

const isJson = (req: IncomingMessage) => /^application\/(?:graphql-response\+)?json\b/i.test(req.headers['content-type'] ?? '');

function documentTooLong(body: unknown): boolean {
  const query = typeof body === 'object' && body !== null && !Array.isArray(body) ? (body as { query?: unknown }).query : undefined;
  return typeof query === 'string' && query.length > MAX_DOCUMENT_LENGTH;
}

export async function readGraphQLBody(req: IncomingMessage, authenticated: boolean): Promise<BodyOutcome> {
  if (req.method !== 'POST') return { ok: true, body: undefined };
  const limit = authenticated ? GRAPHQL_BODY_LIMIT : UNAUTHENTICATED_BODY_LIMIT;
  let raw: ReceivedBody;
  try {
    raw = await readBody(req, limit);
  } catch (error) {
    if (!(error instanceof BodyTooLargeError)) return refuse(400, 'request body could not be read', { connection: 'close' });
    const why = authenticated ? 'request body over 20 MiB' : 'request body over 64 KiB without a valid bearer token: authenticate first';
    return { ok: false, status: 413, message: why, oversize: error };
  }
  // Apollo answers other content types itself; their bytes are never decoded here.
  if (!isJson(req)) return { ok: true, body: '' };
  if (raw.length === 0) return { ok: true, body: undefined };
  let parsed;
  try {
    parsed = await parseJsonBody(raw, GRAPHQL_JSON_BOUNDS);
  } catch (error) {
    if (error instanceof WorkersBusyError) return refuse(503, error.message, { 'retry-after': '1' });
    throw error;
  }
  if (!parsed.ok) return refuse(400, `request body ${parsed.problem}`);
  if (documentTooLong(parsed.value)) {
    return refuse(413, `the GraphQL document is over ${MAX_DOCUMENT_LENGTH / 1024} KiB: pass large values, such as an email's HTML, as variables`);
  }
  return { ok: true, body: parsed.value };
}
