// Finds the sends a batch of webhook events are about (send-refs.ts: on the
// organisation's shard when the event names it, else on every shard), then,
// in each organisation's own transaction, locks them with their status and
// the sealed signing keys that may verify them. Whichever way a send was
// found, the event is then verified with that send's own key
// (signing-key.ts), which is what keeps one organisation from writing to
// another's sends. The lock and the keys are one organisation's.
import type { EntityManager } from 'typeorm';
import type { SendStatus } from '../db/entities/send.entity';
import { runPrepared, type PreparedStatement } from '../db/prepared';
import { findSendRefs, type SendRef } from './send-refs';

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

/**
 * One answer per event, in order: its send, or null when none (or more than
 * one) matches (send-refs.ts). Locks nothing: outside a transaction is fine.
 */
export const resolveWebhookSends = findSendRefs;

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
