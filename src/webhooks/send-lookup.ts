// Finds the sends a batch of webhook events are about, then, in each
// organisation's own transaction, locks them with their status and the sealed
// signing keys that may verify them. An event names its send by
// user-variables send_id (with org_id, or alone: a uuid is unique across
// organisations); an event without a usable send_id (none, not a uuid, or
// none of ours) is matched by its Message-Id across all organisations, and
// only when exactly one send carries it. Whichever way it was found, the
// event is then verified with that send's own key (signing-key.ts), which is
// what keeps one organisation from writing to another's sends. The look-up
// reads across organisations (a Message-Id, or a send id without its
// organisation, fans out to every shard on Citus); the lock and the keys are
// one organisation's.
import type { EntityManager } from 'typeorm';
import type { SendStatus } from '../db/entities/send.entity';
import type { MailgunEvent } from './map-mailgun-event';
import type { SendRef } from './map-tracking-event';
import { runPrepared, type PreparedStatement } from '../db/prepared';

export interface WebhookSend extends SendRef {
  senderTeamId: string | null;
  senderId: string;
  campaignId: string | null;
  templateId: string | null;
  tracked: boolean;
  contactId: string;
  recipientEmail: string;
  /** when instrumentEmail recorded it: no event of the send can be older */
  sentAt: Date;
  /** as locked for this transaction */
  status: SendStatus;
  statusChangedAt: Date | null;
  /** the sending team's sealed key, when the team has one */
  teamKey: Buffer | null;
  /** the organisation's sealed key (team ''), when it has one */
  orgKey: Buffer | null;
}

interface Row {
  id: string;
  sender_team_id: string | null;
  sender_id: string;
  campaign_id: string | null;
  template_id: string | null;
  tracked: boolean;
  contact_id: string;
  recipient_email: string;
  sent_at: Date;
  status: SendStatus;
  status_changed_at: Date | null;
}

// Each branch is a LATERAL probe per key, so every look-up is an index scan:
// the primary key (org_id, id); the primary key skip-scanned on its leading
// org_id for a send id alone (PostgreSQL 18); sends_by_message_id_idx
// (message_id, org_id) for the Message-Id, stored with or without angle
// brackets, probed only for the events no send id matched. The send-id and
// Message-Id probes stop at two rows: a second one makes the match ambiguous.
export const FIND_SENDS: PreparedStatement = {
  name: 'mailgun-find-sends-v3',
  text: `
  WITH k AS (
    SELECT * FROM unnest($1::int[], $2::text[], $3::uuid[], $4::text[]) AS k(i, org_id, send_id, message_id)
  ), by_send_id AS (
    SELECT k.i, s.org_id, s.id FROM k CROSS JOIN LATERAL (
      SELECT org_id, id FROM sends WHERE org_id = k.org_id AND id = k.send_id) s
    WHERE k.send_id IS NOT NULL AND k.org_id IS NOT NULL
    UNION ALL
    SELECT k.i, s.org_id, s.id FROM k CROSS JOIN LATERAL (
      SELECT org_id, id FROM sends WHERE id = k.send_id LIMIT 2) s
    WHERE k.send_id IS NOT NULL AND k.org_id IS NULL
  )
  SELECT i, org_id, id FROM by_send_id
  UNION ALL
  SELECT k.i, s.org_id, s.id FROM k CROSS JOIN LATERAL (
    SELECT org_id, id FROM sends WHERE message_id IN (k.message_id, '<' || k.message_id || '>') LIMIT 2) s
  WHERE k.message_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM by_send_id b WHERE b.i = k.i)`,
};

// Then, in the organisation's transaction, the sends found are locked, in
// key order (the order the event writer locks them in, so webhook and pixel
// batches queue on the same rows instead of deadlocking), by a statement on
// sends alone: a locking statement that joins, when a concurrent writer
// updates the row it waits for, can re-check it into the wrong number of rows
// (a lost look-up, seen under load).
const LOCK_SENDS: PreparedStatement = {
  name: 'mailgun-lock-sends-v3',
  text: `
  SELECT id, sender_team_id, sender_id, campaign_id, template_id, tracked, contact_id, recipient_email, sent_at, status, status_changed_at
  FROM sends WHERE org_id = $1 AND id = ANY($2::uuid[])
  ORDER BY id
  FOR UPDATE`,
};

// The sealed keys that may verify the sends' events: the teams' and the organisation's.
const SIGNING_KEYS: PreparedStatement = {
  name: 'mailgun-signing-keys-v2',
  text: `
  SELECT team_id, mailgun_signing_key_enc AS key FROM email_settings
  WHERE org_id = $1 AND mailgun_signing_key_enc IS NOT NULL`,
};

/** One answer per event, in order: its send, or null when none (or more than one) matches. Locks nothing: outside a transaction is fine. */
export async function resolveWebhookSends(db: EntityManager, events: readonly MailgunEvent[]): Promise<(SendRef | null)[]> {
  const wanted = events.map((event, i) => ({ event, i })).filter(({ event }) => event.sendId !== null || event.messageId !== null);
  if (wanted.length === 0) return events.map(() => null);
  const matches = await runPrepared<{ i: number; org_id: string; id: string }>(db, FIND_SENDS, [
    wanted.map(({ i }) => i),
    wanted.map(({ event }) => event.orgId),
    wanted.map(({ event }) => event.sendId),
    wanted.map(({ event }) => event.messageId),
  ]);
  const found = new Map<number, SendRef | 'ambiguous'>();
  for (const match of matches) found.set(match.i, found.has(match.i) ? 'ambiguous' : { orgId: match.org_id, sendId: match.id });
  return events.map((_, i) => {
    const match = found.get(i);
    return match === undefined || match === 'ambiguous' ? null : match;
  });
}

/** Locks one organisation's sends, in the caller's transaction; returns those that exist, by send id. */
export async function lockWebhookSends(db: EntityManager, orgId: string, sendIds: readonly string[]): Promise<Map<string, WebhookSend>> {
  if (sendIds.length === 0) return new Map();
  const locked = await runPrepared<Row>(db, LOCK_SENDS, [orgId, [...new Set(sendIds)]]);
  const keys = await runPrepared<{ team_id: string; key: Buffer }>(db, SIGNING_KEYS, [orgId]);
  const keyOf = new Map(keys.map((row) => [row.team_id, row.key]));
  return new Map(
    locked.map((row) => [
      row.id,
      {
        orgId,
        sendId: row.id,
        senderTeamId: row.sender_team_id,
        senderId: row.sender_id,
        campaignId: row.campaign_id,
        templateId: row.template_id,
        tracked: row.tracked,
        contactId: row.contact_id,
        recipientEmail: row.recipient_email,
        sentAt: row.sent_at,
        status: row.status,
        statusChangedAt: row.status_changed_at,
        teamKey: row.sender_team_id === null ? null : (keyOf.get(row.sender_team_id) ?? null),
        orgKey: keyOf.get('') ?? null,
      },
    ]),
  );
}
