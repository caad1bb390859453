// A Mailgun `opened` or `clicked` event -> the tracking event the pixel and
// the redirect would have produced: same bot and MPP rules, the original link
// behind our tracking URL, a keyed IP pseudonym, and an id derived from
// Mailgun's event id so storing it twice is a no-op. Pure given its helpers.
import { hash } from 'node:crypto';
import { botVerdict, isMppProxy } from '../events/classify';
import type { BotReason, EventKind, TrackingEventInput } from '../events/event';
import type { TrackingToken } from '../events/tokens';
import type { MailgunEvent } from './map-mailgun-event';

export interface WebhookEventHelpers {
  decodeToken(token: string): TrackingToken | null;
  hashIp(sendId: string, ip: string): string;
  isBotUserAgent(userAgent: string): boolean;
  /** the plain `event-data.ip` lies in a mail-security scanning network */
  isBotNetwork(ip: string): boolean;
  /** EMAIL_TRACKING_COUNT_GMAIL_PROXY: Gmail's image proxy fetches for a person opening the email */
  countGmailProxy: boolean;
}

export type ClientRules = Pick<WebhookEventHelpers, 'isBotUserAgent' | 'countGmailProxy'>;

export interface SendRef {
  orgId: string;
  sendId: string;
}

/**
 * A uuid from SHA-256 of the organisation and Mailgun's event id, with the
 * version nibble 8 (RFC 9562's custom layout) and the RFC variant bits.
 */
export function webhookEventUuid(orgId: string, eventId: string): string {
  const bytes = hash('sha256', JSON.stringify(['mailgun-event', orgId, eventId]), 'buffer') as unknown as Buffer;
  bytes[6] = (bytes[6] & 0x0f) | 0x80;
  bytes[8] = (bytes[8] & 0x3f) | 0x80;
  const hex = bytes.subarray(0, 16).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}

export interface WebhookClient {
  countable: boolean;
  bot: boolean;
  botReason: BotReason | null;
  mpp: boolean;
}

/**
 * Mailgun's client-info.bot first: "apple" is Apple's privacy proxy (an open,
 * counted and flagged MPP); "gmail" is Gmail's image proxy, which follows
 * EMAIL_TRACKING_COUNT_GMAIL_PROXY like GoogleImageProxy at the pixel; any
 * other value ("generic", ...) is a bot. Null, "" or absent say nothing.
 * Then the user agent and the client's network through the same rules as
 * the pixel. A missing user agent alone does not make a bot here: Mailgun
 * saw the client and left its own verdict empty.
 */
export function classifyWebhookClient(
  kind: EventKind,
  clientBot: string | null,
  userAgent: string | null,
  rules: ClientRules,
  fromBotNetwork = false,
): WebhookClient {
  if (clientBot === 'apple') return { countable: true, bot: false, botReason: null, mpp: kind === 'OPEN' };
  const countedGmail = clientBot === 'gmail' && rules.countGmailProxy;
  if (clientBot !== null && !countedGmail) return { countable: false, bot: true, botReason: 'MAILGUN', mpp: false };
  if (userAgent !== null && rules.isBotUserAgent(userAgent)) return { countable: false, bot: true, botReason: 'USER_AGENT', mpp: false };
  if (fromBotNetwork) return { countable: false, bot: true, botReason: 'NETWORK', mpp: false };
  return { countable: true, bot: false, botReason: null, mpp: kind === 'OPEN' && isMppProxy(userAgent ?? undefined) };
}

const TRACKING_PATH = /\/track\/click\/([A-Za-z0-9_-]+)\/?(?:[?#].*)?$/;

export interface ClickTarget {
  url: string | null;
  position: number | null;
  /** the send's hidden trap link: no link of the email, and only machines follow it */
  trap?: true;
}

/**
 * Mailgun reports the href it saw, which is usually our tracking URL: the
 * token then gives the original URL and link position (or the trap link),
 * provided it belongs to this very send. Any other URL is taken as it is
 * (the writer looks its position up among the send's links).
 */
export function resolveClickTarget(url: string | null, send: SendRef, decode: (token: string) => TrackingToken | null): ClickTarget {
  const token = url === null ? null : TRACKING_PATH.exec(url)?.[1];
  const decoded = token ? decode(token) : null;
  if (decoded === null || decoded.orgId !== send.orgId || decoded.sendId !== send.sendId) return { url, position: null };
  if (decoded.kind === 'click') return { url: decoded.url, position: decoded.position };
  if (decoded.kind === 'trap') return { url: null, position: null, trap: true };
  return { url, position: null };
}

/** The tracking event of an opened or clicked event; null for every other type. */
export function toTrackingEvent(event: MailgunEvent, send: SendRef, helpers: WebhookEventHelpers): TrackingEventInput | null {
  if (event.type !== 'opened' && event.type !== 'clicked') return null;
  const kind: EventKind = event.type === 'opened' ? 'OPEN' : 'CLICK';
  const target: ClickTarget = kind === 'CLICK' ? resolveClickTarget(event.url, send, helpers.decodeToken) : { url: null, position: null };
  const fromBotNetwork = event.ip !== null && helpers.isBotNetwork(event.ip);
  const client = target.trap
    ? botVerdict('TRAP')
    : classifyWebhookClient(kind, event.clientBot, event.userAgent, helpers, fromBotNetwork);
  return {
    orgId: send.orgId,
    sendId: send.sendId,
    kind,
    source: 'WEBHOOK',
    occurredAt: event.occurredAt,
    countable: client.countable,
    bot: client.bot,
    botReason: client.botReason,
    mpp: client.mpp,
    linkPosition: target.position,
    url: target.url,
    userAgent: event.userAgent,
    ipHash: event.ip === null ? null : helpers.hashIp(send.sendId, event.ip),
    id: webhookEventUuid(send.orgId, event.id),
    clientHints: { webhook: { bot: event.clientBot, deviceType: event.deviceType } },
  };
}
