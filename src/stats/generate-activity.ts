// The generated data set's activity by event time (migration 1764600000003):
// per send and 15-minute bucket, summed from the raw events the generator
// writes, and its rollups, as the event writer and compaction would leave them.
import type { DataSource, EntityManager } from 'typeorm';

/** Aggregates over inserted events, shared with the counters the generator sums for sends. */
export const COUNTED_OPENS = `count(*) FILTER (WHERE counted AND kind = 'OPEN')`;
export const BOT_COUNTS = `count(*) FILTER (WHERE bot AND kind = 'OPEN') AS bot_opens, count(*) FILTER (WHERE bot AND kind = 'CLICK') AS bot_clicks`;

/**
 * A CTE of the generator's chunk statement: the events it inserted (the CTE
 * named events) summed per send and bucket into send_activity, as
 * recordSendActivity writes them.
 */
export const ACTIVITY_CTE = `activity AS (
       INSERT INTO send_activity (org_id, send_id, at, opens, clicks, mpp_opens, bot_opens, bot_clicks)
       SELECT $1, send_id, date_bin('15 minutes', occurred_at, TIMESTAMPTZ '2000-01-01 00:00Z'), ${COUNTED_OPENS},
              count(*) FILTER (WHERE counted AND kind = 'CLICK'), count(*) FILTER (WHERE counted AND mpp), ${BOT_COUNTS}
       FROM events WHERE counted OR bot GROUP BY 1, 2, 3
       -- in key order (send ids grow with time): the primary key grows at its right edge
       ORDER BY 2, 3
       RETURNING 1
     )`;

/**
 * The rollups of one send month: its days and the month for the
 * organisation, the month per sender. Months share no rollup row, so workers
 * never wait on each other; the sends by sends_sent_at_idx, their activity by
 * send_activity's primary key.
 */
async function rollUpMonth(db: EntityManager, orgId: string, month: Date): Promise<void> {
  const next = new Date(Date.UTC(month.getUTCFullYear(), month.getUTCMonth() + 1, 1));
  // A month's sort in memory rather than in temp files, without the serving timeout (as generate-data.ts).
  await db.query(`SET LOCAL work_mem = '128MB'`);
  await db.query(`SET LOCAL statement_timeout = 0`);
  await db.query(
    `INSERT INTO send_activity_rollups AS r (org_id, scope, sender_id, grain, send_bucket, at, opens, clicks, mpp_opens, bot_opens, bot_clicks)
     SELECT $1, x.scope, x.sender_id, x.grain, date_trunc(x.grain, s.sent_at AT TIME ZONE 'UTC')::date, a.at,
            sum(a.opens), sum(a.clicks), sum(a.mpp_opens), sum(a.bot_opens), sum(a.bot_clicks)
     FROM sends s JOIN send_activity a ON a.org_id = s.org_id AND a.send_id = s.id
     CROSS JOIN LATERAL (VALUES ('org', '', 'day'), ('org', '', 'month'), ('sender', s.sender_id, 'month')) AS x(scope, sender_id, grain)
     WHERE s.org_id = $1 AND s.tracked AND s.sent_at >= $2 AND s.sent_at < $3
     GROUP BY 1, 2, 3, 4, 5, 6 ORDER BY 1, 2, 3, 4, 5, 6
     ON CONFLICT (org_id, scope, sender_id, grain, send_bucket, at) DO UPDATE SET
       opens = r.opens + excluded.opens, clicks = r.clicks + excluded.clicks, mpp_opens = r.mpp_opens + excluded.mpp_opens,
       bot_opens = r.bot_opens + excluded.bot_opens, bot_clicks = r.bot_clicks + excluded.bot_clicks`,
    [orgId, month.toISOString(), next.toISOString()],
  );
}

/**
 * Rolls up the activity of every send month from `first` to `last`, `workers`
 * months at a time. Folded straight into the rollups, not through deltas: a
 * million sends leave millions of activity rows, and compaction is built for
 * the trickle live traffic makes.
 */
export async function rollUpActivity(db: DataSource, orgId: string, first: Date, last: Date, workers: number): Promise<void> {
  const months: Date[] = [];
  for (let month = Date.UTC(first.getUTCFullYear(), first.getUTCMonth(), 1); month <= last.getTime(); ) {
    months.push(new Date(month));
    const date = new Date(month);
    month = Date.UTC(date.getUTCFullYear(), date.getUTCMonth() + 1, 1);
  }
  const worker = async () => {
    for (let month = months.shift(); month; month = months.shift()) {
      const current = month;
      await db.transaction((manager) => rollUpMonth(manager, orgId, current));
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, workers) }, worker));
}
