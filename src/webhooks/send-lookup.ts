// Finds and locks the sends a batch of webhook events are about, with their
// status and the sealed signing keys that may verify them, in one statement
// at the start of the batch's transaction. An event names its send by
// user-variables send_id (with org_id, or alone: a uuid is unique across
// organisations); an event without a usable send_id (none, not a uuid, or
// none of ours) is matched by its Message-Id across all organisations, and
// only when exactly one send carries it. Whichever way it was found, the
// event is then verified with that send's own key (signing-key.ts), which is
// what keeps one organisation from writing to another's sends.
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

// One arm per way of naming a send, each a join of the batch's keys with
// sends, so each look-up is an index probe: the primary key (org_id, id);
// the primary key skip-scanned on its leading org_id for a send id alone
// (PostgreSQL 18); sends_by_message_id_idx (message_id, org_id) for the
// Message-Id, stored with or without angle brackets. Joins rather than
// LATERAL subqueries with LIMIT, because Citus runs joins on every shard
// and cannot push such subqueries down: a send id alone and a Message-Id
// are looked up on every shard (a webhook without org_id fans out, see
// docs/scaling.md), an org_id and send id on that organisation's shard.
// `how` ranks the arms: a send id that matched wins over the Message-Id,
// and two rows of the winning arm make the match ambiguous (findWebhookSends).
export const FIND_SENDS: PreparedStatement = {
  name: 'mailgun-find-sends-v4',
  text: `
  WITH k AS (
    SELECT * FROM unnest($1::int[], $2::text[], $3::uuid[], $4::text[]) AS k(i, org_id, send_id, message_id)
  )
  SELECT k.i, s.org_id, s.id, 1 AS how FROM k JOIN sends s ON s.org_id = k.org_id AND s.id = k.send_id
  UNION ALL
  SELECT k.i, s.org_id, s.id, 1 AS how FROM k JOIN sends s ON s.id = k.send_id WHERE k.org_id IS NULL
  UNION ALL
  SELECT k.i, s.org_id, s.id, 2 AS how FROM k JOIN sends s ON s.message_id IN (k.message_id, '<' || k.message_id || '>')
  WHERE s.message_id IS NOT NULL`,
};

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
  const wanted = events.map((event, i) => ({ event, i })).filter(({ event }) => event.sendId !== null || event.messageId !== null);
  if (wanted.length === 0) return events.map(() => null);
  const matches = await runPrepared<{ i: number; org_id: string; id: string; how: number }>(db, FIND_SENDS, [
    wanted.map(({ i }) => i),
    wanted.map(({ event }) => event.orgId),
    wanted.map(({ event }) => event.sendId),
    wanted.map(({ event }) => event.messageId),
  ]);
  // Per event, the best-ranked arm's rows: one is the send, more are ambiguous.
  const best = new Map<number, { how: number; rows: { orgId: string; id: string }[] }>();
  for (const match of matches) {
    const known = best.get(match.i);
    if (known && known.how < match.how) continue;
    if (!known || known.how > match.how) best.set(match.i, { how: match.how, rows: [] });
    best.get(match.i)?.rows.push({ orgId: match.org_id, id: match.id });
  }
  const found = new Map<number, { orgId: string; id: string } | 'ambiguous'>();
  for (const [i, { rows }] of best) found.set(i, rows.length === 1 ? rows[0] : 'ambiguous');
  const unique = [...found.values()].filter((match) => match !== 'ambiguous');
  if (unique.length === 0) return events.map(() => null);
  const orgs = [...new Set(unique.map((match) => match.orgId))];
  const locked = await runPrepared<Row>(db, LOCK_SENDS, [orgs, [...new Set(unique.map((match) => match.id))]]);
  const keys = await runPrepared<{ org_id: string; team_id: string; key: Buffer }>(db, SIGNING_KEYS, [orgs]);
  const keyOf = new Map(keys.map((row) => [`${row.org_id}\n${row.team_id}`, row.key]));
  const sends = new Map(locked.map((row) => [`${row.org_id}\n${row.id}`, row]));
  return events.map((_, i) => {
    const match = found.get(i);
    const row = match === undefined || match === 'ambiguous' ? undefined : sends.get(`${match.orgId}\n${match.id}`);
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
