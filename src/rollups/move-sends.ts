// The one way to move sends (to another time, sender, campaign or template,
// tracked or not) or delete them with their figures: the service itself never
// does either, and an UPDATE or DELETE of sends by hand leaves the rollups
// as they were (nothing follows a send but the code that changes it). Set-
// based, one organisation per transaction: the sends are locked like the
// event writer locks them, their figures taken out under their old
// attribution, and, for a move, put back under the new one.
import type { DataSource, EntityManager } from 'typeorm';
import { holdCompaction, transactionOf } from './compact-organisation';
import { addAllFigures } from './contributions';
import { recountLatestSends, type LeftSend } from './latest-send';

/** What changes; a field left out keeps its value. */
export interface SendMove {
  sentAt?: Date;
  senderId?: string;
  campaignId?: string | null;
  templateId?: string | null;
  tracked?: boolean;
}

interface Locked {
  id: string;
  sender_id: string;
  campaign_key: string;
  template_key: string;
  sent_at: Date;
}

// In key order, as the event writer and the webhooks lock them.
const LOCK = `SELECT id, sender_id, coalesce(campaign_id, '') AS campaign_key,
                     coalesce(template_id, '') AS template_key, sent_at
              FROM sends WHERE org_id = $1 AND id = ANY($2::uuid[]) ORDER BY id FOR UPDATE`;

const MOVE = `UPDATE sends SET sent_at = coalesce($3, sent_at), sender_id = coalesce($4, sender_id),
                campaign_id = CASE WHEN $5 THEN $6 ELSE campaign_id END, template_id = CASE WHEN $7 THEN $8 ELSE template_id END,
                tracked = coalesce($9, tracked)
              WHERE org_id = $1 AND id = ANY($2::uuid[])`;

// Everything of the sends: their links, activity, client counters, raw events and machine windows (each table's primary key leads with the send).
const DELETE = ['send_activity', 'send_links', 'send_clients', 'machine_clients', 'tracking_events'].map(
  (table) => `DELETE FROM ${table} WHERE org_id = $1 AND send_id = ANY($2::uuid[])`,
);

const leftSends = (locked: readonly Locked[]): LeftSend[] =>
  locked.map((send) => ({ sentAt: send.sent_at, senderId: send.sender_id, campaignKey: send.campaign_key, templateKey: send.template_key }));

/** Moves the sends and their figures (in the caller's transaction, or one of its own); returns how many existed. */
export async function moveSends(db: DataSource | EntityManager, orgId: string, sendIds: readonly string[], move: SendMove): Promise<number> {
  return transactionOf(db, async (manager) => {
    const locked: Locked[] = await manager.query(LOCK, [orgId, sendIds]);
    const ids = locked.map((send) => send.id);
    await addAllFigures(manager, orgId, ids, -1);
    await manager.query(MOVE, [
      orgId,
      ids,
      move.sentAt?.toISOString() ?? null,
      move.senderId ?? null,
      move.campaignId !== undefined,
      move.campaignId ?? null,
      move.templateId !== undefined,
      move.templateId ?? null,
      move.tracked ?? null,
    ]);
    await addAllFigures(manager, orgId, ids, 1);
    await recountLatestSends(manager, orgId, leftSends(locked));
    return ids.length;
  });
}

/** Deletes the sends with everything of theirs, and their figures (in the caller's transaction, or one of its own); returns how many existed. */
export async function deleteSends(db: DataSource | EntityManager, orgId: string, sendIds: readonly string[]): Promise<number> {
  return transactionOf(db, async (manager) => {
    const locked: Locked[] = await manager.query(LOCK, [orgId, sendIds]);
    const ids = locked.map((send) => send.id);
    await addAllFigures(manager, orgId, ids, -1);
    for (const statement of DELETE) await manager.query(statement, [orgId, ids]);
    await manager.query(`DELETE FROM sends WHERE org_id = $1 AND id = ANY($2::uuid[])`, [orgId, ids]);
    await recountLatestSends(manager, orgId, leftSends(locked));
    return ids.length;
  });
}

// Every row of the organisation's sends and of its figures.
const ORGANISATION_SENDS = [
  'send_activity', 'send_links', 'send_clients', 'machine_clients', 'tracking_events', 'sends',
  'send_stats_deltas', 'send_stats_rollups', 'send_link_stats_deltas', 'send_link_stats', 'send_activity_deltas', 'send_activity_rollups',
  'breakdown_deltas', 'breakdown_rollups',
].map((table) => `DELETE FROM ${table} WHERE org_id = $1`);

/**
 * Deletes every send of the organisation with everything of theirs and all
 * its figures: no figure to take out one by one, no latest send to look up.
 * One snapshot (REPEATABLE READ), so a send recorded meanwhile keeps its
 * figures with it. A writer or compactor that changed one of these rows
 * since the snapshot makes it fail with a serialization error: it runs again
 * (three times at most).
 */
export async function deleteAllSends(db: DataSource, orgId: string): Promise<number> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await db.transaction('REPEATABLE READ', async (manager) => {
        await holdCompaction(manager);
        const locked: { id: string }[] = await manager.query(`SELECT id FROM sends WHERE org_id = $1 ORDER BY id FOR UPDATE`, [orgId]);
        for (const statement of ORGANISATION_SENDS) await manager.query(statement, [orgId]);
        return locked.length;
      });
    } catch (error) {
      const code = (error as { driverError?: { code?: string }; code?: string }).driverError?.code ?? (error as { code?: string }).code;
      if (code !== '40001' || attempt === 3) throw error;
    }
  }
}
