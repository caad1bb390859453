// Rollups of the organisation-wide breakdowns (contract section 13), so the
// whole organisation's 90 days by each dimension read
// a few thousand pre-summed rows instead of a quarter of a million sends.
// Kept like send_stats (1764300000000): writers insert rows of
// breakdown_deltas (the instrumenter, the event writer, moves and erasure:
// src/rollups/breakdown-contributions.ts), compaction folds them into
// breakdown_rollups, readers add the pending ones. Nothing here reads
// tracking_events: pruning raw events changes no figure.
import type { MigrationInterface, QueryRunner } from 'typeorm';

// A group's figures as the breakdown gives them (section 5's over its sends).
const SUMS = `
  sends        bigint NOT NULL DEFAULT 0,
  opened       bigint NOT NULL DEFAULT 0,
  clicked      bigint NOT NULL DEFAULT 0,
  human_opened bigint NOT NULL DEFAULT 0,
  opens        bigint NOT NULL DEFAULT 0,
  clicks       bigint NOT NULL DEFAULT 0,
  mpp_opens    bigint NOT NULL DEFAULT 0`;

/** What the migration needs of a query runner or a data source. */
interface Queryable {
  query(sql: string, parameters?: unknown[]): Promise<unknown>;
}

/**
 * The deltas of every tracked send recorded before the rollups existed, and
 * of its client counters; the compactor folds them. Exported for its test,
 * which runs it on a scratch database.
 */
export async function backfillBreakdownDeltas(db: Queryable): Promise<void> {
  // Sends recorded before now, summed straight from sends; the compactor folds them.
  await db.query(`
    INSERT INTO breakdown_deltas (org_id, day, sender_id, dimension, key, sends, opened, clicked, human_opened, opens, clicks, mpp_opens)
    SELECT s.org_id, (s.sent_at AT TIME ZONE 'UTC')::date, s.sender_id, x.dimension, x.key,
           count(*), count(*) FILTER (WHERE s.opens > 0 OR s.clicks > 0), count(*) FILTER (WHERE s.clicks > 0),
           count(*) FILTER (WHERE s.opens > s.mpp_opens OR s.clicks > 0), sum(s.opens), sum(s.clicks), sum(s.mpp_opens)
    FROM sends s
    CROSS JOIN LATERAL (VALUES ('MAILBOX_PROVIDER', s.mailbox_provider), ('RECIPIENT_DOMAIN', coalesce(s.recipient_domain, ''))) AS x(dimension, key)
    WHERE s.tracked
    GROUP BY 1, 2, 3, 4, 5`);
  // And their client counters: per send and client (or device), over its rows, as the raw breakdown reads them.
  await db.query(`
    INSERT INTO breakdown_deltas (org_id, day, sender_id, dimension, key, sends, opened, clicked, human_opened, opens, clicks, mpp_opens)
    SELECT g.org_id, g.day, g.sender_id, g.dimension, g.key, count(*), count(*) FILTER (WHERE g.opens > 0), count(*) FILTER (WHERE g.clicks > 0),
           count(*) FILTER (WHERE g.opens > g.mpp_opens OR g.clicks > 0), sum(g.opens), sum(g.clicks), sum(g.mpp_opens)
    FROM (SELECT s.org_id, (s.sent_at AT TIME ZONE 'UTC')::date AS day, s.sender_id, s.id, x.dimension, x.key,
                 sum(c.opens) AS opens, sum(c.clicks) AS clicks, sum(c.mpp_opens) AS mpp_opens
          FROM sends s JOIN send_clients c ON c.org_id = s.org_id AND c.send_id = s.id
          CROSS JOIN LATERAL (VALUES ('EMAIL_CLIENT', c.client), ('DEVICE', c.device)) AS x(dimension, key)
          WHERE s.tracked
          GROUP BY 1, 2, 3, 4, 5, 6
          HAVING sum(c.opens) + sum(c.clicks) > 0) g
    GROUP BY 1, 2, 3, 4, 5`);
}

export class BreakdownRollups1765110000000 implements MigrationInterface {
  name = 'BreakdownRollups1765110000000';

  async up(db: QueryRunner): Promise<void> {
    // dimension: MAILBOX_PROVIDER, RECIPIENT_DOMAIN (key '' once erased), EMAIL_CLIENT or DEVICE.
    // Insert-only; day is the send's UTC day, as in send_stats_deltas.
    await db.query(`
      CREATE TABLE breakdown_deltas (
        org_id    text NOT NULL,
        id        bigint GENERATED ALWAYS AS IDENTITY,
        day       date NOT NULL,
        sender_id text NOT NULL,
        dimension text NOT NULL,
        key       text NOT NULL,
        ${SUMS},
        PRIMARY KEY (org_id, id)
      )`);
    // The same scopes and grains as send_stats_rollups: the organisation's by
    // day and by month, each sender's by month. A row whose sends fell to 0
    // (a send moved or its domain erased) stays, all zeros; readers skip it.
    await db.query(`
      CREATE TABLE breakdown_rollups (
        org_id    text NOT NULL,
        dimension text NOT NULL,
        scope     text NOT NULL CHECK (scope IN ('org', 'sender')),
        sender_id text NOT NULL CHECK (scope = 'sender' OR sender_id = ''),
        grain     text NOT NULL CHECK (grain IN ('day', 'month') AND (scope = 'org' OR grain = 'month')),
        bucket    date NOT NULL,
        key       text NOT NULL,
        ${SUMS},
        PRIMARY KEY (org_id, dimension, scope, sender_id, grain, bucket, key)
      )`);
    await backfillBreakdownDeltas(db);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`DROP TABLE IF EXISTS breakdown_rollups`);
    await db.query(`DROP TABLE IF EXISTS breakdown_deltas`);
  }
}
