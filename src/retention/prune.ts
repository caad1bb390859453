// Retention: raw events older than the window go; counters on sends and links
// stay, so every stats figure is the same before and after. Monthly partitions
// wholly older than the cutoff are dropped (instant, no bloat); the partition
// that straddles the cutoff, and the default partition, are deleted by range.
import type { DataSource, EntityManager } from 'typeorm';
import { pruneDeliveries } from '../outbound/forget-deliveries';
import { pruneLeftovers } from '../live/live-streams';

export interface PruneResult {
  /** false when another instance held the retention lock: nothing was done */
  ran: boolean;
  cutoff: Date;
  deleted: number;
  droppedPartitions: string[];
  /** outbound webhook delivery records deleted with them */
  deliveriesDeleted: number;
}

/** One key for the whole cluster of instances: a second pruner skips instead of queueing. */
const RETENTION_LOCK = `hashtext('email-tracking:retention')`;
const DAY_MS = 86_400_000;

interface Partition {
  name: string;
  /** null for the default partition */
  to: Date | null;
}

async function partitions(db: EntityManager): Promise<Partition[]> {
  const rows: { name: string; bound: string }[] = await db.query(`
    SELECT c.relname AS name, pg_get_expr(c.relpartbound, c.oid) AS bound
    FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
    WHERE i.inhparent = 'tracking_events'::regclass`);
  return rows.map((row) => {
    const to = /TO \('([^']+)'\)/.exec(row.bound);
    return { name: row.name, to: to ? new Date(to[1]) : null };
  });
}

const quoteIdent = (name: string) => `"${name.replace(/"/g, '""')}"`;

async function prunePartitions(db: EntityManager, cutoff: Date): Promise<{ deleted: number; dropped: string[] }> {
  let deleted = 0;
  const dropped: string[] = [];
  for (const partition of await partitions(db)) {
    const table = quoteIdent(partition.name);
    if (partition.to !== null && partition.to.getTime() <= cutoff.getTime()) {
      const [{ count }] = await db.query(`SELECT count(*)::bigint AS count FROM ${table}`);
      await db.query(`DROP TABLE ${table}`);
      deleted += Number(count);
      dropped.push(partition.name);
    } else {
      const [, count] = (await db.query(`DELETE FROM ${table} WHERE occurred_at < $1`, [cutoff.toISOString()])) as [unknown, number];
      deleted += Number(count);
    }
  }
  return { deleted, dropped };
}

/**
 * Deletes raw events older than `retentionDays` and makes sure the months
 * ahead have partitions. Guarded by an advisory lock: with several instances,
 * one prunes and the others skip.
 */
export async function pruneRawEvents(db: DataSource, retentionDays: number, now = new Date()): Promise<PruneResult> {
  const cutoff = new Date(now.getTime() - retentionDays * DAY_MS);
  return db.transaction(async (manager) => {
    const [{ locked }] = await manager.query(`SELECT pg_try_advisory_xact_lock(${RETENTION_LOCK}) AS locked`);
    if (!locked) return { ran: false, cutoff, deleted: 0, droppedPartitions: [], deliveriesDeleted: 0 };
    // Dropping a partition needs an exclusive lock on tracking_events; waiting
    // long for it would queue every writer behind us, so give up and retry later.
    await manager.query(`SET LOCAL lock_timeout = '2s'`);
    const { deleted, dropped } = await prunePartitions(manager, cutoff);
    await forgetOldWebhookIds(manager, now);
    await forgetOldMachineWindows(manager, cutoff);
    const deliveriesDeleted = await pruneDeliveries(manager, cutoff);
    await pruneLeftovers(manager);
    await ensureUpcomingPartitions(manager, now);
    return { ran: true, cutoff, deleted, droppedPartitions: dropped, deliveriesDeleted };
  });
}

/**
 * Mailgun retries a webhook for about 8 hours, each attempt freshly signed;
 * after a week an event id can no longer arrive, so remembering it is useless.
 */
export const WEBHOOK_ID_MEMORY_DAYS = 7;

async function forgetOldWebhookIds(db: EntityManager, now: Date): Promise<void> {
  await db.query(`DELETE FROM processed_webhook_events WHERE received_at < $1`, [new Date(now.getTime() - WEBHOOK_ID_MEMORY_DAYS * DAY_MS).toISOString()]);
}

/**
 * A machine window covers its client's events up to a minute after its last
 * click; once all of that is older than the retention cutoff, the events it
 * governs are gone and a new event of that client could not be within it.
 */
async function forgetOldMachineWindows(db: EntityManager, cutoff: Date): Promise<void> {
  await db.query(`DELETE FROM machine_clients WHERE last_at < $1`, [new Date(cutoff.getTime() - 60_000).toISOString()]);
}

/** This month and the next three exist, so inserts never land in the default partition. */
export async function ensureUpcomingPartitions(db: EntityManager | DataSource, now = new Date()): Promise<void> {
  const from = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1));
  const to = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + 3, 1));
  await db.query(`SELECT ensure_tracking_event_partitions($1::date, $2::date)`, [from.toISOString().slice(0, 10), to.toISOString().slice(0, 10)]);
}
