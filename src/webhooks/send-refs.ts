// Which send each webhook event of a batch is about, before anything is
// locked. An event names its send by user-variables send_id with org_id
// (every email instrumentEmail rewrote carries both), by send_id alone (a
// uuid is unique across organisations), or not usably (none, not a uuid,
// none of ours): then it is matched by its Message-Id across all
// organisations. A Message-Id belongs to the organisation that recorded the
// earliest send carrying it: another organisation can only learn it from the
// email, after it went out, so its copy is always later and never matched
// (docs/webhooks.md, "Finding the send"). Within the owner, exactly one send
// must carry it.
//
// On Citus (docs/scaling.md) the first way stays on the organisation's
// shard: one statement per organisation, filtered by org_id = $1. The other
// two cannot know the organisation, so they ask every shard, in one
// statement for the whole batch: a webhook without org_id fans out.
import type { EntityManager } from 'typeorm';
import { runPrepared, type PreparedStatement } from '../db/prepared';
import type { MailgunEvent } from './map-mailgun-event';
import type { SendRef } from './map-tracking-event';

export type { SendRef };

/** The organisation's sends among the ids its events name: the primary key (org_id, id). */
const FIND_OWN_SENDS: PreparedStatement = {
  name: 'mailgun-find-own-sends-v1',
  text: `SELECT id FROM sends WHERE org_id = $1 AND id = ANY($2::uuid[])`,
};

// The rest, one arm per way of naming a send, each a join of the keys with
// sends so each look-up is an index probe: the primary key skip-scanned on
// its leading org_id for a send id alone (PostgreSQL 18),
// sends_by_message_id_idx (message_id, org_id) for the Message-Id, stored
// with or without angle brackets. Joins rather than LATERAL subqueries with
// LIMIT, which Citus cannot push down to the shards. `how` ranks the arms: a
// send id that matched wins over the Message-Id, and two rows of the winning
// arm make the match ambiguous; the Message-Id arm's rows carry their time,
// so the owner (the organisation of the earliest) is chosen in Node.
export const FIND_SENDS: PreparedStatement = {
  name: 'mailgun-find-sends-v6',
  text: `
  WITH k AS (
    SELECT * FROM unnest($1::int[], $2::uuid[], $3::text[]) AS k(i, send_id, message_id)
  )
  SELECT k.i, s.org_id, s.id, 1 AS how, s.sent_at FROM k JOIN sends s ON s.id = k.send_id
  UNION ALL
  SELECT k.i, s.org_id, s.id, 2 AS how, s.sent_at FROM k JOIN sends s ON s.message_id IN (k.message_id, '<' || k.message_id || '>')
  WHERE s.message_id IS NOT NULL`,
};

/** Events naming organisation and send, probed per organisation; which of them exist. */
async function findOwnSends(db: EntityManager, events: readonly MailgunEvent[]): Promise<Map<number, SendRef>> {
  const byOrg = new Map<string, number[]>();
  events.forEach((event, i) => {
    if (event.orgId !== null && event.sendId !== null) byOrg.set(event.orgId, [...(byOrg.get(event.orgId) ?? []), i]);
  });
  const found = new Map<number, SendRef>();
  for (const [orgId, indexes] of byOrg) {
    const rows = await runPrepared<{ id: string }>(db, FIND_OWN_SENDS, [orgId, [...new Set(indexes.map((i) => events[i].sendId))]]);
    const existing = new Set(rows.map((row) => row.id));
    for (const i of indexes) if (existing.has(events[i].sendId as string)) found.set(i, { orgId, sendId: events[i].sendId as string });
  }
  return found;
}

/** One answer per event, in order: its send, or null when none (or more than one) matches. Locks nothing. */
export async function findSendRefs(db: EntityManager, events: readonly MailgunEvent[]): Promise<(SendRef | null)[]> {
  const own = await findOwnSends(db, events);
  // A send id given with an organisation is looked for there only; failing that, the Message-Id.
  const rest = events
    .map((event, i) => ({ i, sendId: event.orgId === null ? event.sendId : null, messageId: event.messageId }))
    .filter((key) => !own.has(key.i) && (key.sendId !== null || key.messageId !== null));
  const best = new Map<number, { how: number; rows: (SendRef & { sentAt: Date })[] }>();
  if (rest.length > 0) {
    const matches = await runPrepared<{ i: number; org_id: string; id: string; how: number; sent_at: Date }>(db, FIND_SENDS, [
      rest.map((key) => key.i),
      rest.map((key) => key.sendId),
      rest.map((key) => key.messageId),
    ]);
    for (const match of matches) {
      const known = best.get(match.i);
      if (known && known.how < match.how) continue;
      if (!known || known.how > match.how) best.set(match.i, { how: match.how, rows: [] });
      best.get(match.i)?.rows.push({ orgId: match.org_id, sendId: match.id, sentAt: match.sent_at });
    }
  }
  return events.map((_, i) => {
    const found = best.get(i);
    const rows = found?.how === 2 ? ownersCopies(found.rows) : found?.rows;
    return own.get(i) ?? (rows?.length === 1 ? { orgId: rows[0].orgId, sendId: rows[0].sendId } : null);
  });
}

/** The sends carrying one Message-Id that belong to its owner: the organisation of the earliest of them (ties by send id). */
function ownersCopies<T extends SendRef & { sentAt: Date }>(rows: readonly T[]): T[] {
  const earliest = rows.reduce((first, row) =>
    row.sentAt.getTime() < first.sentAt.getTime() || (row.sentAt.getTime() === first.sentAt.getTime() && row.sendId < first.sendId) ? row : first,
  );
  return rows.filter((row) => row.orgId === earliest.orgId);
}
