// Live activity streams as a client holds them: graphql-sse's own client on
// /graphql/stream (distinct connections mode), collecting what arrives, for
// the live*.test.ts integration tests.
import { createClient, type Client } from 'graphql-sse';

/** Every field of ActivityEvent. */
export const ACTIVITY_FIELDS = 'id type occurredAt sendId campaignId templateId contactId email subject source counted bot botReason mpp url';

export const ACTIVITY_SUBSCRIPTION = `subscription Live($campaignId: ID, $templateId: ID, $humanOnly: Boolean) {
  activity(campaignId: $campaignId, templateId: $templateId, humanOnly: $humanOnly) { ${ACTIVITY_FIELDS} }
}`;

export interface ActivityResult {
  id: string;
  type: 'OPENED' | 'CLICKED' | 'RECLASSIFIED';
  occurredAt: string;
  sendId: string;
  campaignId: string | null;
  templateId: string | null;
  contactId: string;
  email: string;
  subject: string | null;
  source: string;
  counted: boolean;
  bot: boolean;
  botReason: string | null;
  mpp: boolean;
  url: string | null;
}

export interface StreamError {
  message: string;
  extensions?: { code?: string };
}

export interface LiveStream {
  /** what arrived, in order, with when it arrived */
  readonly events: (ActivityResult & { arrivedAt: number })[];
  readonly errors: StreamError[];
  /** resolves once the server accepted the stream (rejects if it ended first) */
  readonly connected: Promise<void>;
  /** resolves when the stream ends: completed, failed, or closed */
  readonly ended: Promise<void>;
  waitFor(predicate: (event: ActivityResult) => boolean, timeoutMs?: number): Promise<ActivityResult & { arrivedAt: number }>;
  close(): void;
}

export interface StreamVariables {
  campaignId?: string;
  templateId?: string;
  humanOnly?: boolean;
}

export function openLiveStream(baseUrl: string, token: string, variables: StreamVariables = {}, query = ACTIVITY_SUBSCRIPTION): LiveStream {
  const client: Client = createClient({ url: `${baseUrl}/graphql/stream`, headers: { authorization: `Bearer ${token}` }, retryAttempts: 0 });
  const events: (ActivityResult & { arrivedAt: number })[] = [];
  const errors: StreamError[] = [];
  const waiters = new Set<() => void>();
  let markConnected!: () => void;
  let markEnded!: () => void;
  const connected = new Promise<void>((resolve) => (markConnected = resolve));
  const ended = new Promise<void>((resolve) => (markEnded = resolve));
  const wake = () => waiters.forEach((waiter) => waiter());
  const dispose = client.subscribe<{ activity: ActivityResult }>(
    { query, variables: variables as Record<string, unknown> },
    {
      next(result) {
        if (result.errors) errors.push(...(result.errors as unknown as StreamError[]));
        if (result.data?.activity) events.push({ ...result.data.activity, arrivedAt: Date.now() });
        wake();
      },
      error(error) {
        errors.push({ message: error instanceof Error ? error.message : String(error) });
        markEnded();
        wake();
      },
      complete() {
        markEnded();
        wake();
      },
    },
    { connected: () => markConnected() },
  );
  const connectedOrEnded = Promise.race([connected, ended.then(() => Promise.reject(new Error(`the stream ended before it opened: ${JSON.stringify(errors)}`)))]);
  connectedOrEnded.catch(() => undefined);
  return {
    events,
    errors,
    connected: connectedOrEnded,
    ended,
    waitFor(predicate, timeoutMs = 5_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const found = events.find(predicate);
          if (!found) return;
          waiters.delete(check);
          clearTimeout(timer);
          resolve(found);
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`no such event within ${timeoutMs} ms; arrived: ${JSON.stringify(events)}; errors: ${JSON.stringify(errors)}`));
        }, timeoutMs);
        waiters.add(check);
        check();
      });
    },
    close() {
      dispose();
      client.dispose();
    },
  };
}

/** A person's browser, by its user agent: counted. */
export const PERSON_UA = 'Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0';
/** Apple Mail Privacy Protection's proxy: counted, and flagged MPP. */
export const MPP_UA = 'Mozilla/5.0';
/** A chat app's link preview: a machine's (USER_AGENT). */
export const BOT_UA = 'Slackbot-LinkExpanding 1.0 (+https://api.slack.com/robots)';

export async function hitPixel(baseUrl: string, openToken: string, userAgent = PERSON_UA, ip?: string): Promise<void> {
  const response = await fetch(`${baseUrl}/track/open/${openToken}.gif`, { headers: { 'user-agent': userAgent, ...(ip ? { 'x-forwarded-for': ip } : {}) } });
  await response.arrayBuffer();
}

export async function hitLink(baseUrl: string, clickToken: string, userAgent = PERSON_UA, ip?: string): Promise<void> {
  const response = await fetch(`${baseUrl}/track/click/${clickToken}`, { headers: { 'user-agent': userAgent, ...(ip ? { 'x-forwarded-for': ip } : {}) }, redirect: 'manual' });
  await response.arrayBuffer();
}
