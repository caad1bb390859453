// One attempt of one delivery over HTTP, with undici: a pool per origin whose
// connections are opened through the target guard; no redirect is followed
// (undici follows none unless asked); 10 s for the whole attempt; at most
// 64 KB of the answer read, the rest discarded with the connection.
import { Agent, errors } from 'undici';
import { checkTargetUrl } from './target-rules';
import { guardedLookup, TargetRefusedError } from './target-guard';

/** The contract: any 2xx within 10 s is delivered. */
export const ATTEMPT_TIMEOUT_MS = 10_000;
export const MAX_RESPONSE_BYTES = 64 * 1024;

export interface AttemptResult {
  /** the receiver's status code; null when no answer came */
  statusCode: number | null;
  /** why no 2xx, in words safe to show and store (never the body, a header or the secret) */
  error: string | null;
}

export interface OutgoingMessage {
  url: string;
  headers: Record<string, string>;
  body: string;
}

function failureReason(error: unknown): string {
  if (error instanceof TargetRefusedError) return error.message;
  const cause = (error as { cause?: unknown }).cause;
  if (cause instanceof TargetRefusedError) return cause.message;
  if (error instanceof errors.HeadersTimeoutError || error instanceof errors.BodyTimeoutError || (error as Error).name === 'TimeoutError') {
    return `no answer within ${ATTEMPT_TIMEOUT_MS / 1000} s`;
  }
  if (error instanceof errors.ConnectTimeoutError) return 'connection timed out';
  const code = String((error as { code?: unknown }).code ?? (cause as { code?: unknown } | undefined)?.code ?? '');
  if (code === 'ECONNREFUSED') return 'connection refused';
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return 'host name does not resolve';
  if (code === 'ECONNRESET' || code === 'UND_ERR_SOCKET') return 'connection closed by the receiver';
  if (code.startsWith('ERR_TLS') || code.startsWith('CERT_') || code.includes('CERT')) return 'TLS failed';
  return 'request failed';
}

export class HttpSender {
  private readonly agent: Agent;

  constructor(
    private readonly allowPrivate: boolean,
    /** connections per origin; the dispatcher bounds what each endpoint has in flight */
    connections = 32,
  ) {
    this.agent = new Agent({
      connections,
      keepAliveTimeout: 4_000,
      headersTimeout: ATTEMPT_TIMEOUT_MS,
      bodyTimeout: ATTEMPT_TIMEOUT_MS,
      connect: { lookup: guardedLookup(allowPrivate), timeout: ATTEMPT_TIMEOUT_MS },
    });
  }

  async send(message: OutgoingMessage): Promise<AttemptResult> {
    // IP literals are connected to without a lookup: checked here, every attempt.
    const checked = checkTargetUrl(message.url, this.allowPrivate);
    if ('problem' in checked) return { statusCode: null, error: `target refused: ${checked.problem}` };
    try {
      const response = await this.agent.request({
        origin: checked.url.origin,
        path: `${checked.url.pathname}${checked.url.search}`,
        method: 'POST',
        headers: { ...message.headers, 'content-type': 'application/json', 'user-agent': 'email-tracking-webhooks/1' },
        body: message.body,
        signal: AbortSignal.timeout(ATTEMPT_TIMEOUT_MS),
      });
      // Read up to the cap and discarded; past it, undici destroys the connection.
      await response.body.dump({ limit: MAX_RESPONSE_BYTES });
      const ok = response.statusCode >= 200 && response.statusCode < 300;
      return { statusCode: response.statusCode, error: ok ? null : `answered ${response.statusCode}` };
    } catch (error) {
      return { statusCode: null, error: failureReason(error) };
    }
  }

  /** Ends every connection now: an attempt still in flight is abandoned (its lease brings it back). */
  async close(): Promise<void> {
    await this.agent.destroy().catch(() => undefined);
  }
}
