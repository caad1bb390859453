// Finds and locks the sends a batch of webhook events are about, with their
// status and the sealed signing keys that may verify them, in one statement
// at the start of the batch's transaction. An event names its send by
// user-variables send_id (with org_id, or alone: a uuid is unique across
// organisations) or, without a send_id, by the Message-Id within its
// organisation.
import type { EntityManager } from 'typeorm';
import type { SendStatus } from '../db/entities/send.entity';
import type { MailgunEvent } from './map-mailgun-event';
import { runPrepared, type PreparedStatement } from '../db/prepared';

export interface WebhookSend {
  orgId: string;
  sendId: string;
  senderTeamId: string | null;
  contactId: string;
  recipientEmail: string;
  /** as locked for this transaction */
  status: SendStatus;
  statusChangedAt: Date | null;
  /** the sending team's sealed key, when the team has one */
  teamKey: Buffer | null;
  /** the organisation's sealed key (team ''), when it has one */
  orgKey: Buffer | null;
}

interface Row {
  i: number;
  org_id: string;
  id: string;
  sender_team_id: string | null;
  contact_id: string;
  recipient_email: string;
  status: SendStatus;
  status_changed_at: Date | null;
  team_key: Buffer | null;
  org_key: Buffer | null;
}

// Each branch is a LATERAL probe per key, so every look-up is an index scan:
// the primary key (org_id, id); the primary key skip-scanned on its leading
// org_id for a send id alone (PostgreSQL 18); sends_message_id_idx for the
// Message-Id, stored with or without angle brackets, the recipient breaking
// ties when one message went to several contacts. The sends found are then
// locked in key order, the order the event writer locks them in, so webhook
// and pixel batches queue on the same rows instead of deadlocking.
const FIND_AND_LOCK_SENDS: PreparedStatement = {
  name: 'mailgun-find-sends-v1',
  text: `
  WITH k AS (
    SELECT * FROM unnest($1::int[], $2::text[], $3::uuid[], $4::text[], $5::text[]) AS k(i, org_id, send_id, message_id, recipient)
  ), found AS (
    SELECT k.i, s.org_id, s.id FROM k CROSS JOIN LATERAL (
      SELECT org_id, id FROM sends WHERE org_id = k.org_id AND id = k.send_id) s
    WHERE k.send_id IS NOT NULL AND k.org_id IS NOT NULL
    UNION ALL
    SELECT k.i, s.org_id, s.id FROM k CROSS JOIN LATERAL (
      SELECT org_id, id FROM sends WHERE id = k.send_id LIMIT 2) s
    WHERE k.send_id IS NOT NULL AND k.org_id IS NULL
    UNION ALL
    SELECT k.i, s.org_id, s.id FROM k CROSS JOIN LATERAL (
      SELECT org_id, id FROM sends
      WHERE org_id = k.org_id AND message_id IN (k.message_id, '<' || k.message_id || '>')
      ORDER BY lower(recipient_email) = lower(k.recipient) DESC NULLS LAST, sent_at DESC
      LIMIT 1) s
    WHERE k.send_id IS NULL AND k.org_id IS NOT NULL AND k.message_id IS NOT NULL
  )
  SELECT f.i, s.org_id, s.id, s.sender_team_id, s.contact_id, s.recipient_email, s.status, s.status_changed_at,
         t.mailgun_signing_key_enc AS team_key, o.mailgun_signing_key_enc AS org_key
  FROM found f
  CROSS JOIN LATERAL (SELECT * FROM sends WHERE org_id = f.org_id AND id = f.id) s
  LEFT JOIN email_settings t ON t.org_id = s.org_id AND t.team_id = s.sender_team_id
  LEFT JOIN email_settings o ON o.org_id = s.org_id AND o.team_id = ''
  ORDER BY s.org_id, s.id
  FOR UPDATE OF s`,
};

/** One answer per event, in order: its send, or null when none (or more than one) matches. */
export async function findWebhookSends(db: EntityManager, events: readonly MailgunEvent[]): Promise<(WebhookSend | null)[]> {
  const wanted = events.map((event, i) => ({ event, i })).filter(({ event }) => event.sendId !== null || (event.orgId !== null && event.messageId !== null));
  if (wanted.length === 0) return events.map(() => null);
  const rows = await runPrepared<Row>(db, FIND_AND_LOCK_SENDS, [
    wanted.map(({ i }) => i),
    wanted.map(({ event }) => event.orgId),
    wanted.map(({ event }) => event.sendId),
    wanted.map(({ event }) => event.messageId),
    wanted.map(({ event }) => event.recipient),
  ]);
  const found = new Map<number, Row | 'ambiguous'>();
  for (const row of rows) found.set(row.i, found.has(row.i) ? 'ambiguous' : row);
  return events.map((_, i) => {
    const row = found.get(i);
    if (row === undefined || row === 'ambiguous') return null;
    return {
      orgId: row.org_id,
      sendId: row.id,
      senderTeamId: row.sender_team_id,
      contactId: row.contact_id,
      recipientEmail: row.recipient_email,
      status: row.status,
      statusChangedAt: row.status_changed_at,
      teamKey: row.team_key,
      orgKey: row.org_key,
    };
  });
}
