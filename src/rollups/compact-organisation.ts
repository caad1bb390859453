// Folds one organisation's pending deltas into its rollups: send figures by
// day and month, link figures by month, activity by send day and month,
// breakdowns by provider and domain like the send figures. Each
// family is one statement (delete the oldest pending deltas, upsert their
// sums), every table filtered by the organisation, so on Citus it stays on
// that organisation's shard. A reader adds the pending deltas to the rollups
// in one statement, so a fold changes no figure at any moment. One lock for
// all of compaction (stats/compaction.ts walks the organisations under it).
import type { DataSource, EntityManager } from 'typeorm';
import { runPrepared } from '../db/prepared';
import { BREAKDOWN_COLUMNS } from './breakdown-deltas';
import { SEND_FIGURE_COLUMNS } from './figures';

/** Deltas folded per statement, so one fold never holds its locks for long. */
const COMPACTION_BATCH = 50_000;

const LAST_ID = Number.MAX_SAFE_INTEGER;
/** The first $2 deltas visible now (not an id range: ids of concurrent writers interleave, and a gap would look like the end). */
const oldest = (table: string) =>
  `DELETE FROM ${table} d
   WHERE d.org_id = $1 AND d.id <= coalesce((SELECT x.id FROM ${table} x WHERE x.org_id = $1 ORDER BY x.id OFFSET $2 - 1 LIMIT 1), ${LAST_ID})
   RETURNING d.*`;
/** The organisation's by day and by month, each sender's by month (a sender's daily rows would hold about one send each). */
const GRAINS = `(VALUES ('org', '', 'day'), ('org', '', 'month'), ('sender', m.sender_id, 'month')) AS x(scope, sender_id, grain)`;

const FOLD_SEND_STATS = {
  name: 'rollups_fold_send_stats_v1',
  text: `WITH moved AS (${oldest('send_stats_deltas')}), upserted AS (
           INSERT INTO send_stats_rollups AS r (org_id, scope, sender_id, grain, bucket, campaign_key, template_key, ${SEND_FIGURE_COLUMNS.join(', ')}, last_sent_at)
           SELECT $1::text, x.scope, x.sender_id, x.grain, CASE x.grain WHEN 'day' THEN m.day ELSE date_trunc('month', m.day)::date END,
                  m.campaign_key, m.template_key, ${SEND_FIGURE_COLUMNS.map((column) => `sum(m.${column})`).join(', ')}, max(m.last_sent_at)
           FROM moved m CROSS JOIN LATERAL ${GRAINS}
           GROUP BY 2, 3, 4, 5, 6, 7
           -- in key order: index pages are visited once each, in sequence
           ORDER BY 2, 3, 4, 5, 6, 7
           ON CONFLICT (org_id, scope, sender_id, grain, bucket, campaign_key, template_key) DO UPDATE SET
             ${SEND_FIGURE_COLUMNS.map((column) => `${column} = r.${column} + excluded.${column}`).join(', ')},
             last_sent_at = GREATEST(r.last_sent_at, excluded.last_sent_at)
           RETURNING 1)
         SELECT count(*)::int AS folded FROM moved`,
};

// By link key; the row keeps the URL of the earliest send seen under the key
// (the writer's click-only rows carry none), and the name it first had.
const FOLD_LINK_STATS = {
  name: 'rollups_fold_link_stats_v2',
  text: `WITH moved AS (${oldest('send_link_stats_deltas')}), upserted AS (
           INSERT INTO send_link_stats AS r (org_id, campaign_key, month, template_key, link_key, name, url, first_sent_at, positions, clicks, clicked)
           SELECT $1::text, campaign_key, month, template_key, link_key, max(name),
                  (array_agg(url ORDER BY first_sent_at, id) FILTER (WHERE url IS NOT NULL))[1], min(first_sent_at),
                  sum(positions), sum(clicks), sum(clicked)
           FROM moved GROUP BY 2, 3, 4, 5 ORDER BY 2, 3, 4, 5
           ON CONFLICT (org_id, campaign_key, month, template_key, link_key) DO UPDATE SET
             positions = r.positions + excluded.positions, clicks = r.clicks + excluded.clicks, clicked = r.clicked + excluded.clicked,
             name = coalesce(r.name, excluded.name),
             url = CASE WHEN r.url IS NULL OR excluded.first_sent_at < r.first_sent_at THEN coalesce(excluded.url, r.url) ELSE r.url END,
             first_sent_at = least(r.first_sent_at, excluded.first_sent_at)
           RETURNING 1)
         SELECT count(*)::int AS folded FROM moved`,
};

// The breakdowns by provider and domain, at the same grains as the send figures.
const FOLD_BREAKDOWNS = {
  name: 'rollups_fold_breakdowns_v1',
  text: `WITH moved AS (${oldest('breakdown_deltas')}), upserted AS (
           INSERT INTO breakdown_rollups AS r (org_id, dimension, scope, sender_id, grain, bucket, key, ${BREAKDOWN_COLUMNS.join(', ')})
           SELECT $1::text, m.dimension, x.scope, x.sender_id, x.grain, CASE x.grain WHEN 'day' THEN m.day ELSE date_trunc('month', m.day)::date END,
                  m.key, ${BREAKDOWN_COLUMNS.map((column) => `sum(m.${column})`).join(', ')}
           FROM moved m CROSS JOIN LATERAL ${GRAINS}
           GROUP BY 2, 3, 4, 5, 6, 7 ORDER BY 2, 3, 4, 5, 6, 7
           ON CONFLICT (org_id, dimension, scope, sender_id, grain, bucket, key) DO UPDATE SET
             ${BREAKDOWN_COLUMNS.map((column) => `${column} = r.${column} + excluded.${column}`).join(', ')}
           RETURNING 1)
         SELECT count(*)::int AS folded FROM moved`,
};

const COUNTS = ['opens', 'clicks', 'mpp_opens', 'bot_opens', 'bot_clicks'];
const FOLD_ACTIVITY = {
  name: 'rollups_fold_activity_v1',
  text: `WITH moved AS (${oldest('send_activity_deltas')}), upserted AS (
           INSERT INTO send_activity_rollups AS r (org_id, scope, sender_id, grain, send_bucket, at, ${COUNTS.join(', ')})
           SELECT $1::text, x.scope, x.sender_id, x.grain, CASE x.grain WHEN 'day' THEN m.send_day ELSE date_trunc('month', m.send_day)::date END, m.at,
                  ${COUNTS.map((count) => `sum(m.${count})`).join(', ')}
           FROM moved m CROSS JOIN LATERAL ${GRAINS}
           GROUP BY 2, 3, 4, 5, 6 ORDER BY 2, 3, 4, 5, 6
           ON CONFLICT (org_id, scope, sender_id, grain, send_bucket, at) DO UPDATE SET
             ${COUNTS.map((count) => `${count} = r.${count} + excluded.${count}`).join(', ')}
           RETURNING 1)
         SELECT count(*)::int AS folded FROM moved`,
};

// One compactor at a time, across processes, and none while a move or a
// delete of sends (move-sends.ts) is under way: the other processes skip
// their run rather than walk every organisation to find it taken.
const TRY_HOLD = `SELECT pg_try_advisory_xact_lock(hashtext('email-tracking:send-stats-compaction')) AS held`;
const HOLD = `SELECT true AS held FROM pg_advisory_xact_lock(hashtext('email-tracking:send-stats-compaction'))`;

/**
 * Holds compaction until the caller's transaction ends (nothing is folded
 * meanwhile, by anyone else); wait = false gives up at once, returning false,
 * when another transaction holds it.
 */
export async function holdCompaction(db: EntityManager, wait = true): Promise<boolean> {
  const [{ held }]: { held: boolean }[] = await db.query(wait ? HOLD : TRY_HOLD);
  return held;
}

/** Folds every delta of the organisation visible to the caller's transaction (its own included), which holds compaction. */
export async function foldOrganisation(db: EntityManager, orgId: string): Promise<number> {
  let total = 0;
  for (;;) {
    let full = false;
    for (const statement of [FOLD_SEND_STATS, FOLD_LINK_STATS, FOLD_ACTIVITY, FOLD_BREAKDOWNS]) {
      const [{ folded }] = await runPrepared<{ folded: number }>(db, statement, [orgId, COMPACTION_BATCH]);
      total += folded;
      full ||= folded === COMPACTION_BATCH;
    }
    if (!full) return total;
  }
}

/** Whether `db` is a transaction's manager (work joins it) rather than a data source (work opens its own). */
const inTransaction = (db: DataSource | EntityManager): db is EntityManager =>
  'queryRunner' in db && db.queryRunner !== undefined && db.queryRunner.isTransactionActive;

/** Runs `work` in the caller's transaction, or in one of its own. */
export function transactionOf<T>(db: DataSource | EntityManager, work: (manager: EntityManager) => Promise<T>): Promise<T> {
  return inTransaction(db) ? work(db) : db.transaction(work);
}
