// Finds and locks the sends a batch of webhook events are about, with their
// status and the sealed signing keys that may verify them, at the start of
// the batch's transaction: which send each event names (send-refs.ts), then
// those sends locked. Whichever way a send was found, the event is then
// verified with that send's own key (signing-key.ts), which is what keeps
// one organisation from writing to another's sends.
import type { EntityManager } from 'typeorm';
import type { SendStatus } from '../db/entities/send.entity';
import type { MailgunEvent } from './map-mailgun-event';
import { runPrepared, type PreparedStatement } from '../db/prepared';
import { findSendRefs, type SendRef } from './send-refs';

export interface WebhookSend {
  orgId: string;
  sendId: string;
  senderTeamId: string | null;
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
  org_id: string;
  id: string;
  sender_team_id: string | null;
  contact_id: string;
  recipient_email: string;
  sent_at: Date;
  status: SendStatus;
  status_changed_at: Date | null;
}

// Then the sends found are locked, in key order (the order the event writer
// locks them in, so webhook and pixel batches queue on the same rows instead
// of deadlocking), by a statement on sends alone: a locking statement that
// joins, when a concurrent writer updates the row it waits for, can re-check
// it into the wrong number of rows (a lost look-up, seen under load). Send
// ids are unique, so the two ANY lists select exactly the pairs found.
const LOCK_SENDS: PreparedStatement = {
  name: 'mailgun-lock-sends-v2',
  text: `
  SELECT org_id, id, sender_team_id, contact_id, recipient_email, sent_at, status, status_changed_at
  FROM sends WHERE org_id = ANY($1::text[]) AND id = ANY($2::uuid[])
  ORDER BY org_id, id
  FOR UPDATE`,
};

// The sealed keys that may verify the sends' events: the teams' and the organisations'.
const SIGNING_KEYS: PreparedStatement = {
  name: 'mailgun-signing-keys-v1',
  text: `
  SELECT org_id, team_id, mailgun_signing_key_enc AS key FROM email_settings
  WHERE org_id = ANY($1::text[]) AND mailgun_signing_key_enc IS NOT NULL`,
};

/** One answer per event, in order: its send, or null when none (or more than one) matches. */
export async function findWebhookSends(db: EntityManager, events: readonly MailgunEvent[]): Promise<(WebhookSend | null)[]> {
  const found = await findSendRefs(db, events);
  const unique = found.filter((match): match is SendRef => match !== null);
  if (unique.length === 0) return events.map(() => null);
  const orgs = [...new Set(unique.map((match) => match.orgId))];
  const locked = await runPrepared<Row>(db, LOCK_SENDS, [orgs, [...new Set(unique.map((match) => match.sendId))]]);
  const keys = await runPrepared<{ org_id: string; team_id: string; key: Buffer }>(db, SIGNING_KEYS, [orgs]);
  const keyOf = new Map(keys.map((row) => [`${row.org_id}\n${row.team_id}`, row.key]));
  const sends = new Map(locked.map((row) => [`${row.org_id}\n${row.id}`, row]));
  return events.map((_, i) => {
    const match = found[i];
    const row = match === null ? undefined : sends.get(`${match.orgId}\n${match.sendId}`);
    if (row === undefined) return null;
    return {
      orgId: row.org_id,
      sendId: row.id,
      senderTeamId: row.sender_team_id,
      contactId: row.contact_id,
      recipientEmail: row.recipient_email,
      sentAt: row.sent_at,
      status: row.status,
      statusChangedAt: row.status_changed_at,
      teamKey: row.sender_team_id === null ? null : (keyOf.get(`${row.org_id}\n${row.sender_team_id}`) ?? null),
      orgKey: keyOf.get(`${row.org_id}\n`) ?? null,
    };
  });
}
