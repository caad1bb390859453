// Inserts sends and their links directly, for tests of what happens after
// instrumentation (routes, webhooks, stats), with tokens minted like the
// instrumenter mints them.
import { randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { TokenCodec } from '../../src/events/tokens';
import { addLinkFigures, addSendFigures } from '../../src/rollups/contributions';
import { TEST_ENV } from './app';

export const testTokens = new TokenCodec(TEST_ENV.TRACKING_SIGNING_SECRET);

export interface TestSend {
  orgId: string;
  sendId: string;
  openToken: string;
  clickTokens: string[];
  /** the send's hidden trap link */
  trapToken: string;
}

export interface TestSendOptions {
  orgId: string;
  senderId?: string;
  senderTeamId?: string | null;
  contactId?: string;
  email?: string;
  campaignId?: string | null;
  templateId?: string | null;
  sentAt?: Date;
  links?: string[];
  messageId?: string | null;
}

export async function insertSend(db: DataSource, options: TestSendOptions): Promise<TestSend> {
  const sendId = randomUUID();
  const links = options.links ?? [];
  await db.query(
    `INSERT INTO sends (org_id, id, sent_at, sender_id, sender_team_id, contact_id, recipient_email,
                        campaign_id, template_id, tracked, tracked_links, message_id)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, true, $10, $11)`,
    [
      options.orgId,
      sendId,
      (options.sentAt ?? new Date()).toISOString(),
      options.senderId ?? 'sender-1',
      options.senderTeamId ?? null,
      options.contactId ?? 'contact-1',
      options.email ?? 'someone@example.com',
      options.campaignId ?? null,
      options.templateId ?? null,
      links.length,
      options.messageId ?? null,
    ],
  );
  if (links.length > 0) {
    await db.query(
      `INSERT INTO send_links (org_id, send_id, position, url)
       SELECT $1, $2, position - 1, url FROM unnest($3::text[]) WITH ORDINALITY AS l(url, position)`,
      [options.orgId, sendId, links],
    );
  }
  // What the instrumenter adds to the rollups with a send.
  await addSendFigures(db.manager, options.orgId, [sendId], 1);
  await addLinkFigures(db.manager, options.orgId, [sendId], 1);
  return {
    orgId: options.orgId,
    sendId,
    openToken: testTokens.encodeOpen(options.orgId, sendId),
    clickTokens: links.map((url, position) => testTokens.encodeClick(options.orgId, sendId, position, url)),
    trapToken: testTokens.encodeTrap(options.orgId, sendId),
  };
}

export interface SendCounters {
  opens: number;
  clicks: number;
  mpp_opens: number;
  bot_opens: number;
  bot_clicks: number;
  first_opened_at: Date | null;
  last_opened_at: Date | null;
  last_clicked_at: Date | null;
}

export async function sendCounters(db: DataSource, send: TestSend): Promise<SendCounters> {
  const [row] = await db.query(
    `SELECT opens, clicks, mpp_opens, bot_opens, bot_clicks, first_opened_at, last_opened_at, last_clicked_at FROM sends WHERE org_id = $1 AND id = $2`,
    [send.orgId, send.sendId],
  );
  return row as SendCounters;
}

export async function linkCounters(db: DataSource, send: TestSend): Promise<{ position: number; clicks: number; unique_clickers: number }[]> {
  return db.query(
    `SELECT position, clicks, unique_clickers FROM send_links WHERE org_id = $1 AND send_id = $2 ORDER BY position`,
    [send.orgId, send.sendId],
  );
}

export interface StoredEvent {
  kind: string;
  source: string;
  counted: boolean;
  bot: boolean;
  mpp: boolean;
}

export async function storedEvents(db: DataSource, send: TestSend): Promise<StoredEvent[]> {
  return db.query(
    `SELECT kind, source, counted, bot, mpp FROM tracking_events WHERE org_id = $1 AND send_id = $2 ORDER BY occurred_at, id`,
    [send.orgId, send.sendId],
  );
}

/** The stored events with why each machine's is one: clicks first, then opens, each oldest first. */
export async function storedReasons(db: DataSource, send: TestSend): Promise<(StoredEvent & { bot_reason: string | null })[]> {
  return db.query(
    `SELECT kind, source, counted, bot, mpp, bot_reason FROM tracking_events WHERE org_id = $1 AND send_id = $2 ORDER BY kind, occurred_at, id`,
    [send.orgId, send.sendId],
  );
}
