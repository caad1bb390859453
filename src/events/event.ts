// The one shape every open and click takes on its way to the database, from
// the pixel, the redirect and Mailgun's webhooks alike.
import { createHmac, hash } from 'node:crypto';
import type { ClientEvidence } from '../breakdowns/mail-clients';

export type EventKind = 'OPEN' | 'CLICK';
export type EventSource = 'PIXEL' | 'REDIRECT' | 'WEBHOOK';
/** Why an event is a machine's (contract section 4); null for a person's. */
export type BotReason = 'USER_AGENT' | 'NETWORK' | 'BURST' | 'TRAP' | 'MAILGUN';

/** What an open or click is, whichever way it travels to the writer. */
interface EventFacts {
  orgId: string;
  sendId: string;
  kind: EventKind;
  source: EventSource;
  /** false for HEAD, prefetches and bots: recorded (bots) or not, never counted */
  countable: boolean;
  bot: boolean;
  /** set with `bot`; TRAP on the trap link's click, which also marks its client a machine for the send */
  botReason: BotReason | null;
  mpp: boolean;
  linkPosition: number | null;
  url: string | null;
  userAgent: string | null;
  /** fixed when the event is journaled (deterministic for webhook events), so a repeat is stored once */
  id?: string;
  /**
   * What else names the mail client, for the writer's parser (contract
   * section 13): an Android WebView's X-Requested-With, Mailgun's client-info.
   * Absent for most events.
   */
  clientHints?: ClientHints;
}

export type ClientHints = Pick<ClientEvidence, 'requestedWith' | 'webhook'>;

/**
 * An event as the pixel and the redirect hand it to the recorder and the
 * journal keeps it: the time as epoch milliseconds, the client pseudonym as hex.
 */
export interface PendingEvent extends EventFacts {
  at: number;
  ipHashHex: string | null;
}

export function toEventInput(event: PendingEvent): TrackingEventInput {
  return {
    orgId: event.orgId,
    sendId: event.sendId,
    kind: event.kind,
    source: event.source,
    occurredAt: new Date(event.at),
    countable: event.countable,
    bot: event.bot,
    botReason: event.botReason,
    mpp: event.mpp,
    linkPosition: event.linkPosition,
    url: event.url,
    userAgent: event.userAgent,
    ipHash: event.ipHashHex,
    id: event.id,
    clientHints: event.clientHints,
  };
}

/** An event as the writer takes it, from the journal or a Mailgun webhook. */
export interface TrackingEventInput extends EventFacts {
  /** the event's own time: the request's, or Mailgun's event-data.timestamp */
  occurredAt: Date;
  /** keyed per send, see IpHasher: 32 hex characters (stored as 16 bytes) */
  ipHash: string | null;
}

/** Same-client repeats of a pixel or redirect event within this window collapse. */
export const CLIENT_DEDUPE_MS = 5_000;
/** Webhook events collapse into a counted event of the same kind within this window. */
export const WEBHOOK_DEDUPE_MS = 10 * 60_000;

/**
 * Hashes client IPs with a key and the send id, so dedupe works within one
 * send while nothing links a recipient's address across emails; no plain IP is
 * ever stored.
 */
export class IpHasher {
  private readonly prefix: string;

  constructor(secret: string) {
    this.prefix = createHmac('sha256', secret).update('client-ip-hash-v1').digest('hex');
  }

  /**
   * SHA-256 over a secret prefix, the send and the address, truncated to 128
   * bits: a pseudonym compared for equality, never verified as a MAC, so the
   * one-shot hash (cheaper than an HMAC on the hot path) is enough. As 32
   * hex characters: the form the writer compares and sends to PostgreSQL.
   */
  hash(sendId: string, ip: string): string {
    return hash('sha256', `${this.prefix}|${sendId}|${ip}`, 'hex').slice(0, 32);
  }
}
