// Daily and monthly stats rollups, so the stats queries read a few thousand
// pre-summed rows instead of a million sends (see docs/architecture.md, "The stats path").
//
// Writers never touch a shared row: statement-level triggers on sends turn
// every INSERT/UPDATE/DELETE into insert-only rows of send_stats_deltas (new
// contribution minus old, grouped by day, sender, campaign and template), so
// concurrent recorder batches cannot wait on or deadlock over a hot rollup
// row. compact_send_stats() folds deltas into send_stats_rollups, one
// compactor at a time (advisory lock). Readers add the pending deltas, so
// results are exact whether or not compaction has run. Nothing here reads
// tracking_events: pruning raw events changes no figure.
import type { MigrationInterface, QueryRunner } from 'typeorm';

// The summed figures: columns of both the deltas and the rollups.
const SUMS = `
  sends        bigint NOT NULL DEFAULT 0,
  failed       bigint NOT NULL DEFAULT 0,
  opened       bigint NOT NULL DEFAULT 0,
  clicked      bigint NOT NULL DEFAULT 0,
  human_opened bigint NOT NULL DEFAULT 0,
  opens        bigint NOT NULL DEFAULT 0,
  clicks       bigint NOT NULL DEFAULT 0,
  mpp_opens    bigint NOT NULL DEFAULT 0,
  last_sent_at timestamptz`;

export class StatsRollups1764300000000 implements MigrationInterface {
  name = 'StatsRollups1764300000000';

  async up(db: QueryRunner): Promise<void> {
    // campaign_key / template_key: the id, or '' for none (no campaign, an ad-hoc send).
    await db.query(`
      CREATE TABLE send_stats_deltas (
        org_id       text NOT NULL,
        id           bigint GENERATED ALWAYS AS IDENTITY,
        day          date NOT NULL,
        sender_id    text NOT NULL,
        campaign_key text NOT NULL,
        template_key text NOT NULL,
        ${SUMS},
        PRIMARY KEY (org_id, id)
      )`);

    // scope 'org' rows (sender_id '') sum every sender, for owner/admin/service,
    // by whole UTC day and by whole UTC month. scope 'sender' rows are one
    // sender's, for partner/sales_rep/member, by month only: a sender's daily
    // rows would hold about one send each, so a sender's partial months are
    // read from sends (sends_sender_idx) instead. A row whose sends fell to 0
    // (a send deleted or moved) stays, all zeros.
    await db.query(`
      CREATE TABLE send_stats_rollups (
        org_id       text NOT NULL,
        scope        text NOT NULL CHECK (scope IN ('org', 'sender')),
        sender_id    text NOT NULL CHECK (scope = 'sender' OR sender_id = ''),
        grain        text NOT NULL CHECK (grain IN ('day', 'month') AND (scope = 'org' OR grain = 'month')),
        bucket       date NOT NULL,
        campaign_key text NOT NULL,
        template_key text NOT NULL,
        ${SUMS},
        PRIMARY KEY (org_id, scope, sender_id, grain, bucket, campaign_key, template_key)
      )`);
    // The primary key serves overview, campaigns and templates (bucket ranges);
    // these serve the drill-downs of a few campaigns or templates.
    await db.query(`CREATE INDEX send_stats_rollups_campaign_idx ON send_stats_rollups (org_id, scope, sender_id, grain, campaign_key, bucket)`);
    await db.query(`CREATE INDEX send_stats_rollups_template_idx ON send_stats_rollups (org_id, scope, sender_id, grain, template_key, bucket)`);

    await db.query(`
      CREATE TYPE send_stats_contribution AS (
        sign integer, org_id text, sent_at timestamptz, sender_id text, campaign_id text,
        template_id text, status text, opens integer, clicks integer, mpp_opens integer)`);

    // Folds pending deltas into the rollups; wait = false gives up at once when
    // another compactor runs. Returns the number of deltas folded. A batch is
    // an id range, found by scans of the (small) delta table: no join whose
    // plan could turn quadratic when the table's statistics say it is empty.
    // Deltas of transactions still open are invisible and left for next time.
    // Its own work_mem keeps a large batch's aggregate and sort in memory.
    await db.query(`
      CREATE FUNCTION compact_send_stats(max_deltas integer, wait boolean)
      RETURNS bigint LANGUAGE plpgsql SET work_mem = '64MB' AS $$
      DECLARE
        folded bigint;
      BEGIN
        IF wait THEN
          PERFORM pg_advisory_xact_lock(hashtext('email-tracking:send-stats-compaction'));
        ELSIF NOT pg_try_advisory_xact_lock(hashtext('email-tracking:send-stats-compaction')) THEN
          RETURN 0;
        END IF;
        WITH moved AS (
          DELETE FROM send_stats_deltas d
          WHERE max_deltas IS NULL OR d.id < (SELECT min(id) FROM send_stats_deltas) + max_deltas
          RETURNING d.*
        ), upserted AS (
          INSERT INTO send_stats_rollups AS r
          SELECT m.org_id, x.scope, x.sender_id, x.grain,
                 CASE x.grain WHEN 'day' THEN m.day ELSE date_trunc('month', m.day)::date END,
                 m.campaign_key, m.template_key,
                 sum(m.sends), sum(m.failed), sum(m.opened), sum(m.clicked), sum(m.human_opened),
                 sum(m.opens), sum(m.clicks), sum(m.mpp_opens), max(m.last_sent_at)
          FROM moved m
          CROSS JOIN LATERAL (VALUES ('org', '', 'day'), ('org', '', 'month'), ('sender', m.sender_id, 'month'))
            AS x(scope, sender_id, grain)
          GROUP BY 1, 2, 3, 4, 5, 6, 7
          -- in key order: index pages are visited once each, in sequence
          ORDER BY 1, 2, 3, 4, 5, 6, 7
          ON CONFLICT (org_id, scope, sender_id, grain, bucket, campaign_key, template_key) DO UPDATE SET
            sends = r.sends + excluded.sends,
            failed = r.failed + excluded.failed,
            opened = r.opened + excluded.opened,
            clicked = r.clicked + excluded.clicked,
            human_opened = r.human_opened + excluded.human_opened,
            opens = r.opens + excluded.opens,
            clicks = r.clicks + excluded.clicks,
            mpp_opens = r.mpp_opens + excluded.mpp_opens,
            last_sent_at = GREATEST(r.last_sent_at, excluded.last_sent_at)
          RETURNING 1
        )
        SELECT count(*) INTO folded FROM moved;
        RETURN folded;
      END $$`);

    // Turns a statement's changed sends (+1 new, -1 old) into deltas. Unchanged
    // rows cancel out. last_sent_at only ever grows in a delta; when a send
    // leaves a group that held the latest send (a delete, or sent_at, sender,
    // campaign or template changed: never done by the service itself), the
    // pending deltas are folded and the latest send of the rows that may have
    // lost theirs is looked up again: none for a row left empty (a bulk delete
    // costs no look-up), else one backward probe of sends_campaign_idx,
    // sends_template_idx or sends_sent_at_idx.
    await db.query(`
      CREATE FUNCTION send_stats_apply(changes send_stats_contribution[])
      RETURNS void LANGUAGE plpgsql AS $$
      DECLARE
        shrunk_org text[]; shrunk_day date[]; shrunk_sender text[]; shrunk_campaign text[]; shrunk_template text[];
        shrunk_latest timestamptz[];
      BEGIN
        IF cardinality(changes) = 0 THEN RETURN; END IF;
        WITH grouped AS (
          SELECT c.org_id, (c.sent_at AT TIME ZONE 'UTC')::date AS day, c.sender_id,
                 coalesce(c.campaign_id, '') AS campaign_key, coalesce(c.template_id, '') AS template_key,
                 sum(c.sign) AS sends,
                 sum(c.sign * (c.status = 'FAILED')::int) AS failed,
                 sum(c.sign * (c.opens > 0)::int) AS opened,
                 sum(c.sign * (c.clicks > 0)::int) AS clicked,
                 sum(c.sign * (c.opens > c.mpp_opens)::int) AS human_opened,
                 sum(c.sign * c.opens) AS opens,
                 sum(c.sign * c.clicks) AS clicks,
                 sum(c.sign * c.mpp_opens) AS mpp_opens,
                 max(c.sent_at) FILTER (WHERE c.sign > 0) AS added_latest,
                 max(c.sent_at) FILTER (WHERE c.sign < 0) AS removed_latest
          FROM unnest(changes) AS c
          GROUP BY 1, 2, 3, 4, 5
        ), inserted AS (
          INSERT INTO send_stats_deltas (org_id, day, sender_id, campaign_key, template_key, sends, failed, opened,
                                         clicked, human_opened, opens, clicks, mpp_opens, last_sent_at)
          SELECT org_id, day, sender_id, campaign_key, template_key, sends, failed, opened,
                 clicked, human_opened, opens, clicks, mpp_opens, added_latest
          FROM grouped
          WHERE sends <> 0 OR failed <> 0 OR opened <> 0 OR clicked <> 0 OR human_opened <> 0
             OR opens <> 0 OR clicks <> 0 OR mpp_opens <> 0 OR added_latest IS DISTINCT FROM removed_latest
        )
        SELECT array_agg(org_id), array_agg(day), array_agg(sender_id), array_agg(campaign_key), array_agg(template_key),
               array_agg(removed_latest)
        INTO shrunk_org, shrunk_day, shrunk_sender, shrunk_campaign, shrunk_template, shrunk_latest
        FROM grouped WHERE removed_latest > coalesce(added_latest, '-infinity');

        IF shrunk_org IS NULL THEN RETURN; END IF;
        PERFORM compact_send_stats(NULL, true);
        UPDATE send_stats_rollups r SET last_sent_at = CASE
          WHEN r.sends = 0 THEN NULL
          WHEN r.campaign_key <> '' THEN (
            SELECT max(s.sent_at) FROM sends s
            WHERE s.org_id = r.org_id AND s.campaign_id = r.campaign_key AND s.sent_at >= k.low AND s.sent_at < k.high
              AND coalesce(s.template_id, '') = r.template_key AND (r.scope = 'org' OR s.sender_id = r.sender_id))
          WHEN r.template_key <> '' THEN (
            SELECT max(s.sent_at) FROM sends s
            WHERE s.org_id = r.org_id AND s.template_id = r.template_key AND s.sent_at >= k.low AND s.sent_at < k.high
              AND coalesce(s.campaign_id, '') = '' AND (r.scope = 'org' OR s.sender_id = r.sender_id))
          ELSE (
            SELECT max(s.sent_at) FROM sends s
            WHERE s.org_id = r.org_id AND s.sent_at >= k.low AND s.sent_at < k.high
              AND coalesce(s.campaign_id, '') = '' AND coalesce(s.template_id, '') = ''
              AND (r.scope = 'org' OR s.sender_id = r.sender_id))
        END
        FROM (
          SELECT org_id, scope, sender_id, grain, bucket, campaign_key, template_key, max(removed_latest) AS removed_latest,
                 bucket::timestamp AT TIME ZONE 'UTC' AS low,
                 (bucket + CASE grain WHEN 'day' THEN interval '1 day' ELSE interval '1 month' END) AT TIME ZONE 'UTC' AS high
          FROM (
            SELECT k.org_id, x.scope, x.sender_id, x.grain,
                   CASE x.grain WHEN 'day' THEN k.day ELSE date_trunc('month', k.day)::date END AS bucket,
                   k.campaign_key, k.template_key, k.removed_latest
            FROM unnest(shrunk_org, shrunk_day, shrunk_sender, shrunk_campaign, shrunk_template, shrunk_latest)
              AS k(org_id, day, sender_id, campaign_key, template_key, removed_latest)
            CROSS JOIN LATERAL (VALUES ('org', '', 'day'), ('org', '', 'month'), ('sender', k.sender_id, 'month'))
              AS x(scope, sender_id, grain)
          ) expanded
          GROUP BY 1, 2, 3, 4, 5, 6, 7
        ) k
        WHERE r.org_id = k.org_id AND r.scope = k.scope AND r.sender_id = k.sender_id AND r.grain = k.grain
          AND r.bucket = k.bucket AND r.campaign_key = k.campaign_key AND r.template_key = k.template_key
          AND r.last_sent_at <= k.removed_latest;
      END $$`);

    // One statement-level trigger function for the three operations: each
    // passes its transition rows (transition tables rule out column lists, so
    // every UPDATE of sends is seen; rows whose figures did not change cancel).
    const contribution = (sign: number, alias: string) =>
      `(${sign}, ${alias}.org_id, ${alias}.sent_at, ${alias}.sender_id, ${alias}.campaign_id, ${alias}.template_id,
        ${alias}.status, ${alias}.opens, ${alias}.clicks, ${alias}.mpp_opens)::send_stats_contribution`;
    await db.query(`
      CREATE FUNCTION send_stats_capture() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF TG_OP = 'INSERT' THEN
          PERFORM send_stats_apply(ARRAY(SELECT ${contribution(1, 'n')} FROM new_rows n));
        ELSIF TG_OP = 'UPDATE' THEN
          PERFORM send_stats_apply(ARRAY(
            SELECT ${contribution(1, 'n')} FROM new_rows n
            UNION ALL
            SELECT ${contribution(-1, 'o')} FROM old_rows o));
        ELSE
          PERFORM send_stats_apply(ARRAY(SELECT ${contribution(-1, 'o')} FROM old_rows o));
        END IF;
        RETURN NULL;
      END $$`);
    await db.query(`
      CREATE TRIGGER send_stats_on_insert AFTER INSERT ON sends
      REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION send_stats_capture()`);
    await db.query(`
      CREATE TRIGGER send_stats_on_update AFTER UPDATE ON sends
      REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION send_stats_capture()`);
    await db.query(`
      CREATE TRIGGER send_stats_on_delete AFTER DELETE ON sends
      REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION send_stats_capture()`);
    await db.query(`
      CREATE FUNCTION send_stats_reset() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        TRUNCATE send_stats_deltas, send_stats_rollups;
        RETURN NULL;
      END $$`);
    await db.query(`CREATE TRIGGER send_stats_on_truncate AFTER TRUNCATE ON sends FOR EACH STATEMENT EXECUTE FUNCTION send_stats_reset()`);

    // Sends recorded before this migration: summed straight from sends (not
    // through one huge array), then folded. The triggers already hold off writers.
    await db.query(`
      INSERT INTO send_stats_deltas (org_id, day, sender_id, campaign_key, template_key, sends, failed, opened,
                                     clicked, human_opened, opens, clicks, mpp_opens, last_sent_at)
      SELECT org_id, (sent_at AT TIME ZONE 'UTC')::date, sender_id, coalesce(campaign_id, ''), coalesce(template_id, ''),
             count(*), count(*) FILTER (WHERE status = 'FAILED'), count(*) FILTER (WHERE opens > 0),
             count(*) FILTER (WHERE clicks > 0), count(*) FILTER (WHERE opens > mpp_opens),
             sum(opens), sum(clicks), sum(mpp_opens), max(sent_at)
      FROM sends GROUP BY 1, 2, 3, 4, 5`);
    await db.query(`SELECT compact_send_stats(NULL, true)`);
  }

  async down(db: QueryRunner): Promise<void> {
    for (const trigger of ['send_stats_on_insert', 'send_stats_on_update', 'send_stats_on_delete', 'send_stats_on_truncate']) {
      await db.query(`DROP TRIGGER IF EXISTS ${trigger} ON sends`);
    }
    await db.query(`DROP FUNCTION IF EXISTS send_stats_capture()`);
    await db.query(`DROP FUNCTION IF EXISTS send_stats_reset()`);
    await db.query(`DROP FUNCTION IF EXISTS send_stats_apply(send_stats_contribution[])`);
    await db.query(`DROP FUNCTION IF EXISTS compact_send_stats(integer, boolean)`);
    await db.query(`DROP TYPE IF EXISTS send_stats_contribution`);
    await db.query(`DROP TABLE IF EXISTS send_stats_rollups`);
    await db.query(`DROP TABLE IF EXISTS send_stats_deltas`);
  }
}
