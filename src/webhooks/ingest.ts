// Verified ingestion of Mailgun events, batched across concurrent requests:
// requests arriving together share one send look-up, then one transaction
// per organisation (group commit), and each still gets its own answer. The
// whole handling of an event is its organisation's transaction, so an answer
// of 200 always means stored: any database failure answers "unavailable" and
// Mailgun retries later. Every statement of that transaction takes the
// organisation as a scalar (on Citus, its shard); events of no known send
// are claimed under '' in a transaction of their own.
import type { EntityManager } from 'typeorm';
import type { App } from '../app';
import { writeEvents } from '../events/write-events';
import { applyDeliveryEffects, type VerifiedEvent } from './apply-effects';
import { claimEvents, claimTokens, pruneTokens, releaseEvents } from './claims';
import type { MailgunEvent } from './map-mailgun-event';
import { toTrackingEvent, type SendRef, type WebhookEventHelpers } from './map-tracking-event';
import { lockWebhookSends, resolveWebhookSends, type WebhookSend } from './send-lookup';
import { verifyMailgunSignature, type MailgunSignature } from './signature';
import { chooseSigningKey, KeyOpener } from './signing-key';
import { hasEffect } from './status-rules';

export type IngestOutcome =
  | 'processed' // verified, effects written
  | 'ignored' // verified, nothing to do (accepted, ..., or its send is unknown)
  | 'duplicate' // verified, this event id was handled before
  | 'unverified' // no key verifies the signature
  | 'replayed' // verified, but its token already came with another event
  | 'unavailable'; // the database failed: nothing stored

interface Pending {
  signature: MailgunSignature;
  event: MailgunEvent;
  resolve(outcome: IngestOutcome): void;
}

/** An event of a batch, with where it goes: its send as the look-up found it, or none. */
interface Routed {
  index: number;
  pending: Pending;
  send: SendRef | null;
}

interface Candidate {
  index: number;
  event: MailgunEvent;
  send: WebhookSend | null;
  /** the organisation whose key verified it, '' for the platform key: its token's scope */
  owner: string;
  token: string;
}

export interface IngestOptions {
  /** events per transaction */
  maxBatch: number;
  /** transactions in flight at once */
  concurrency: number;
  /** events a batch needs to start while another transaction is in flight */
  minParallelBatch: number;
  /** events waiting for a transaction; past it new ones are answered "unavailable" at once (a stuck database) */
  maxQueued: number;
}

/** Expired tokens are pruned on one batch in this many. */
const PRUNE_EVERY_BATCHES = 64;
const DEFAULT_OPTIONS: IngestOptions = { maxBatch: 500, concurrency: 2, minParallelBatch: 20, maxQueued: 10_000 };

/** Failures of the connection itself: retrying event by event would only wait on them again. */
function isConnectionError(error: unknown): boolean {
  const code = String((error as { code?: unknown }).code ?? (error as { driverError?: { code?: unknown } }).driverError?.code ?? '');
  if (/^(08|53|57)/.test(code) || ['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EAI_AGAIN'].includes(code)) return true;
  return /timeout|terminat|connect|Connection|ECONN/i.test(error instanceof Error ? error.message : String(error));
}

/** How much earlier than its send an event's own time may be: clocks and queues disagree, not by a day. */
const EVENT_BEFORE_SEND_ALLOWANCE_MS = 24 * 3600_000;

/**
 * No event of a send happened long before the send was recorded. Mailgun's
 * test-webhook payloads carry a fixed 2018 event time under a fresh
 * signature; such a time would date an open or a bounce years before the
 * email, and outside the 10-minute cross-source dedupe. The send's own time
 * stands in: deterministic, so a retried event keeps its stored id and time.
 */
function notLongBeforeItsSend(event: MailgunEvent, send: WebhookSend | null): MailgunEvent {
  if (send === null || event.occurredAt.getTime() >= send.sentAt.getTime() - EVENT_BEFORE_SEND_ALLOWANCE_MS) return event;
  return { ...event, occurredAt: send.sentAt };
}

export class WebhookIngester {
  private readonly queue: Pending[] = [];
  private running = 0;
  private scheduled = false;
  private batches = 0;
  private readonly helpers: WebhookEventHelpers;

  constructor(
    private readonly app: App,
    private readonly options: IngestOptions = DEFAULT_OPTIONS,
  ) {
    this.helpers = {
      decodeToken: (token) => app.tokens.decode(token),
      hashIp: (sendId, ip) => app.ipHasher.hash(sendId, ip),
      isBotUserAgent: (userAgent) => app.classifier.isBot(userAgent),
      isBotNetwork: (ip) => app.classifier.isBotNetwork(ip),
      countGmailProxy: app.config.countGmailProxy,
    };
  }

  ingest(signature: MailgunSignature, event: MailgunEvent): Promise<IngestOutcome> {
    if (this.queue.length >= this.options.maxQueued) return Promise.resolve('unavailable');
    return new Promise((resolve) => {
      this.queue.push({ signature, event, resolve });
      this.schedule();
    });
  }

  /**
   * Whether another transaction may start now. The first starts at once (low
   * latency when quiet); another only for a batch worth its round trips:
   * under load, fewer and larger transactions cost the database less per
   * event than many small ones.
   */
  private mayStart(): boolean {
    if (this.queue.length === 0 || this.running >= this.options.concurrency) return false;
    return this.running === 0 || this.queue.length >= this.options.minParallelBatch;
  }

  /** Starts a batch on the next turn of the loop, so requests parsed in this one join it. */
  private schedule(): void {
    if (this.scheduled || !this.mayStart()) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      if (!this.mayStart()) return;
      const batch = this.queue.splice(0, this.options.maxBatch);
      this.running++;
      void this.run(batch).finally(() => {
        this.running--;
        this.schedule();
      });
      this.schedule();
    });
  }

  private async run(batch: Pending[]): Promise<void> {
    const outcomes: IngestOutcome[] = batch.map(() => 'unverified');
    let found: (SendRef | null)[];
    try {
      found = await resolveWebhookSends(this.app.db.manager, batch.map((pending) => pending.event));
    } catch (error) {
      batch.forEach((pending) => pending.resolve(this.failed(error)));
      return;
    }
    const byOrganisation = new Map<string, Routed[]>();
    batch.forEach((pending, index) => {
      const send = found[index];
      const group = byOrganisation.get(send?.orgId ?? '') ?? [];
      group.push({ index, pending, send });
      byOrganisation.set(send?.orgId ?? '', group);
    });
    for (const [orgId, group] of byOrganisation) await this.runGroup(orgId, group, outcomes);
    batch.forEach((pending, index) => pending.resolve(outcomes[index]));
  }

  /** One organisation's events in one transaction; something in them rather than the database: each alone. */
  private async runGroup(orgId: string, group: readonly Routed[], outcomes: IngestOutcome[]): Promise<void> {
    try {
      await this.ingestGroup(orgId, group, outcomes);
    } catch (error) {
      if (group.length > 1 && !isConnectionError(error)) {
        for (const routed of group) await this.ingestGroup(orgId, [routed], outcomes).catch((failure: unknown) => (outcomes[routed.index] = this.failed(failure)));
      } else {
        for (const routed of group) outcomes[routed.index] = this.failed(error);
      }
    }
  }

  private failed(error: unknown): IngestOutcome {
    this.app.log.error({ err: error }, 'mailgun webhook: could not store the event, answering 503 so Mailgun retries');
    return 'unavailable';
  }

  /** One transaction: lock the organisation's sends, verify, claim, apply. Outcomes are written only once it commits. */
  private async ingestGroup(orgId: string, group: readonly Routed[], outcomes: IngestOutcome[]): Promise<void> {
    const decided = new Map<number, IngestOutcome>();
    await this.app.db.transaction(async (db) => {
      const sendIds = group.flatMap(({ send }) => (send ? [send.sendId] : []));
      const locked = orgId === '' ? new Map<string, WebhookSend>() : await lockWebhookSends(db, orgId, sendIds);
      // A send the look-up found and that is gone by now is an unknown send.
      const candidates = this.verify(group.map(({ index, pending, send }) => ({ index, pending, send: send ? (locked.get(send.sendId) ?? null) : null })));
      if (candidates.length > 0) await this.store(db, orgId, candidates, decided);
    });
    for (const { index } of group) outcomes[index] = decided.get(index) ?? 'unverified';
  }

  /** The events whose signature verifies with their send's key (an unknown send: the platform key). */
  private verify(group: readonly { index: number; pending: Pending; send: WebhookSend | null }[]): Candidate[] {
    const opener = new KeyOpener(this.app.config.secretsEncryptionKey);
    const candidates: Candidate[] = [];
    for (const { index, pending, send } of group) {
      const { signature, event } = pending;
      const choice = chooseSigningKey(send, this.app.config.mailgunWebhookSigningKey, opener);
      if (choice.key === null) {
        if (choice.reason === 'stored key unreadable') {
          this.app.log.error({ orgId: send?.orgId, teamId: send?.senderTeamId }, 'mailgun webhook: stored signing key cannot be decrypted');
        }
        continue;
      }
      if (!verifyMailgunSignature(choice.key, signature)) continue;
      candidates.push({ index, event: notLongBeforeItsSend(event, send), send, owner: choice.owner, token: signature.token });
    }
    return candidates;
  }

  /** Claims, then effects, in the organisation's transaction; decides each candidate's outcome. */
  private async store(db: EntityManager, orgId: string, candidates: readonly Candidate[], outcomes: Map<number, IngestOutcome>): Promise<void> {
    // Repeats within the batch: the same event again, or its token with another event.
    const events = new Set<string>();
    const tokens = new Set<string>();
    const distinct: Candidate[] = [];
    for (const candidate of candidates) {
      if (events.has(candidate.event.id)) outcomes.set(candidate.index, 'duplicate');
      else if (tokens.has(`${candidate.owner}\n${candidate.token}`)) outcomes.set(candidate.index, 'replayed');
      else {
        events.add(candidate.event.id);
        tokens.add(`${candidate.owner}\n${candidate.token}`);
        distinct.push(candidate);
      }
    }
    const owners = [...new Set(distinct.map((candidate) => candidate.owner))].sort();
    if (++this.batches % PRUNE_EVERY_BATCHES === 0) for (const owner of owners) await pruneTokens(db, owner);
    const claimed = await claimEvents(db, orgId, distinct.map((candidate) => candidate.event.id));
    const fresh = new Set<string>();
    for (const owner of owners) {
      const tokensOf = distinct.filter((candidate) => candidate.owner === owner && claimed.has(candidate.event.id)).map((candidate) => candidate.token);
      for (const token of await claimTokens(db, owner, tokensOf)) fresh.add(`${owner}\n${token}`);
    }

    const replays: string[] = [];
    const verified: (VerifiedEvent & { index: number })[] = [];
    for (const candidate of distinct) {
      if (!claimed.has(candidate.event.id)) outcomes.set(candidate.index, 'duplicate');
      else if (!fresh.has(`${candidate.owner}\n${candidate.token}`)) {
        outcomes.set(candidate.index, 'replayed');
        replays.push(candidate.event.id);
      } else {
        // A send of an erased contact has no address left (privacy/forget-contact.ts): like an unknown
        // send, nothing about it is recorded any more, neither status nor suppression nor event.
        const send = candidate.send !== null && candidate.send.recipientEmail !== '' ? candidate.send : null;
        outcomes.set(candidate.index, send !== null && hasEffect(candidate.event) ? 'processed' : 'ignored');
        if (send !== null) verified.push({ event: candidate.event, send, index: candidate.index });
      }
    }
    await releaseEvents(db, orgId, replays);
    await applyDeliveryEffects(db, orgId, verified);
    const tracking = verified.flatMap(({ event, send, index }) => {
      const input = toTrackingEvent(event, send, this.helpers);
      return input ? [{ input, index }] : [];
    });
    if (tracking.length === 0) return;
    const written = await writeEvents(db, tracking.map(({ input }) => input));
    // An open or click of a contact who withdrew consent or was erased is answered like one of an unknown send.
    tracking.forEach(({ index }, position) => {
      if (written.withheld[position]) outcomes.set(index, 'ignored');
    });
  }
}
