// Activity by event time, kept forever, for the timelines (contract section 5,
// issue 17): raw events are pruned after the retention window, so a timeline
// read from them would change with every prune.
//
// send_activity holds per send and per 15-minute UTC bucket of the events' own
// time the counted opens, clicks and MPP opens and the bot opens and clicks.
// Fifteen minutes because every time zone in use is offset from UTC by a
// multiple of it (Asia/Kolkata +5:30, Asia/Kathmandu +5:45, Australia/Eucla
// +8:45) and moves its clocks by one: a local hour or calendar day, DST days of
// 23 or 25 hours included, is always a whole number of these buckets.
// The event writer adds to it (src/events/send-activity.ts), inside its
// transaction with the sends locked, so no two writers touch one row.
//
// send_activity_rollups sums it by send time, for the tracked sends only (as
// every figure): the organisation's by UTC send day and month, each sender's
// by month. Not per campaign or template: at 15-minute resolution such rows
// hardly sum anything (a campaign's sends of one month rarely share a bucket),
// so they would be as many as send_activity's own and cost the writers and
// compaction as much again; a campaign's or template's timeline reads its
// sends' rows through sends_campaign_idx / sends_template_idx instead. Same
// scheme as 1764300000000: writers insert deltas, compact_send_activity()
// folds them under the compaction lock, readers add pending deltas, and a send
// that moves (send time, sender, campaign, template, tracked) or goes takes
// its activity along.
import type { MigrationInterface, QueryRunner } from 'typeorm';

const COUNTS = ['opens', 'clicks', 'mpp_opens', 'bot_opens', 'bot_clicks'];
const columns = (type: string) => COUNTS.map((count) => `${count} ${type} NOT NULL DEFAULT 0`).join(',\n');
const list = (format: (count: string) => string) => COUNTS.map(format).join(', ');
const DELTA_COLUMNS = `org_id, send_day, sender_id, campaign_key, template_key, at, ${COUNTS.join(', ')}`;
/** A send's rollup key: what moves its activity when it changes. */
const key = (alias: string) =>
  `${alias}.tracked, (${alias}.sent_at AT TIME ZONE 'UTC')::date, ${alias}.sender_id, coalesce(${alias}.campaign_id, ''), coalesce(${alias}.template_id, '')`;

export class SendActivity1764600000002 implements MigrationInterface {
  name = 'SendActivity1764600000002';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`SET LOCAL statement_timeout = 0`);
    // Writers wait while the existing events are summed (readers do not).
    await db.query(`LOCK TABLE sends IN SHARE MODE`);
    await db.query(`
      CREATE TABLE send_activity (
        org_id  text NOT NULL,
        send_id uuid NOT NULL,
        at      timestamptz NOT NULL CHECK (date_bin('15 minutes', at, TIMESTAMPTZ '2000-01-01 00:00Z') = at),
        ${columns('integer')},
        PRIMARY KEY (org_id, send_id, at)
      ) WITH (fillfactor = 80)`);
    await db.query(`
      CREATE TABLE send_activity_deltas (
        org_id       text NOT NULL,
        id           bigint GENERATED ALWAYS AS IDENTITY,
        send_day     date NOT NULL,
        sender_id    text NOT NULL,
        campaign_key text NOT NULL,
        template_key text NOT NULL,
        at           timestamptz NOT NULL,
        ${columns('bigint')},
        PRIMARY KEY (org_id, id)
      )`);
    // The primary key serves every read: the organisation's or one sender's
    // rows of one grain, send buckets in range, event buckets in the series.
    await db.query(`
      CREATE TABLE send_activity_rollups (
        org_id      text NOT NULL,
        scope       text NOT NULL CHECK (scope IN ('org', 'sender')),
        sender_id   text NOT NULL CHECK (scope = 'sender' OR sender_id = ''),
        grain       text NOT NULL CHECK (grain IN ('day', 'month') AND (scope = 'org' OR grain = 'month')),
        send_bucket date NOT NULL,
        at          timestamptz NOT NULL,
        ${columns('bigint')},
        PRIMARY KEY (org_id, scope, sender_id, grain, send_bucket, at)
      )`);

    await db.query(`
      CREATE FUNCTION compact_send_activity(max_deltas integer, wait boolean)
      RETURNS bigint LANGUAGE plpgsql SET work_mem = '64MB' AS $$
      DECLARE
        folded bigint;
      BEGIN
        IF wait THEN
          PERFORM pg_advisory_xact_lock(hashtext('email-tracking:send-stats-compaction'));
        ELSIF NOT pg_try_advisory_xact_lock(hashtext('email-tracking:send-stats-compaction')) THEN
          RETURN 0;
        END IF;
        -- A batch is the first max_deltas visible deltas, not an id range: writers
        -- insert many deltas at once and concurrently, so the ids of one range
        -- may belong to other transactions, and folding fewer would look like the end.
        WITH moved AS (
          DELETE FROM send_activity_deltas d
          WHERE max_deltas IS NULL
             OR d.id <= coalesce((SELECT x.id FROM send_activity_deltas x ORDER BY x.id OFFSET max_deltas - 1 LIMIT 1), ${Number.MAX_SAFE_INTEGER})
          RETURNING d.*
        ), upserted AS (
          INSERT INTO send_activity_rollups AS r
          SELECT m.org_id, x.scope, x.sender_id, x.grain,
                 CASE x.grain WHEN 'day' THEN m.send_day ELSE date_trunc('month', m.send_day)::date END, m.at,
                 ${list((count) => `sum(m.${count})`)}
          FROM moved m
          CROSS JOIN LATERAL (VALUES ('org', '', 'day'), ('org', '', 'month'), ('sender', m.sender_id, 'month')) AS x(scope, sender_id, grain)
          GROUP BY 1, 2, 3, 4, 5, 6
          -- in key order: index pages are visited once each, in sequence
          ORDER BY 1, 2, 3, 4, 5, 6
          ON CONFLICT (org_id, scope, sender_id, grain, send_bucket, at) DO UPDATE SET
            ${list((count) => `${count} = r.${count} + excluded.${count}`)}
          RETURNING 1
        )
        SELECT count(*) INTO folded FROM moved;
        RETURN folded;
      END $$`);

    // Moves: the activity of each moved send, minus under its old key, plus
    // under its new one (tracked sends only). For the writers' counter updates
    // the join finds no move and nothing is read. The event writer turns hash
    // joins off for its transaction; this join of two transition tables (no
    // index) must hash whatever its caller's settings (see 1764400000000).
    await db.query(`
      CREATE FUNCTION send_activity_follow_sends() RETURNS trigger LANGUAGE plpgsql
      SET enable_hashjoin = on SET enable_mergejoin = on AS $$
      BEGIN
        IF TG_OP = 'UPDATE' THEN
          WITH moved AS (
            SELECT o.org_id, o.id, o.tracked AS old_tracked, n.tracked AS new_tracked,
                   (o.sent_at AT TIME ZONE 'UTC')::date AS old_day, o.sender_id AS old_sender,
                   coalesce(o.campaign_id, '') AS old_campaign, coalesce(o.template_id, '') AS old_template,
                   (n.sent_at AT TIME ZONE 'UTC')::date AS new_day, n.sender_id AS new_sender,
                   coalesce(n.campaign_id, '') AS new_campaign, coalesce(n.template_id, '') AS new_template
            FROM old_rows o JOIN new_rows n ON n.org_id = o.org_id AND n.id = o.id
            WHERE (${key('o')}) IS DISTINCT FROM (${key('n')})
          ), sides AS (
            SELECT org_id, id, -1 AS sign, old_day AS day, old_sender AS sender_id, old_campaign AS campaign_key, old_template AS template_key
            FROM moved WHERE old_tracked
            UNION ALL
            SELECT org_id, id, 1, new_day, new_sender, new_campaign, new_template FROM moved WHERE new_tracked
          )
          INSERT INTO send_activity_deltas (${DELTA_COLUMNS})
          SELECT s.org_id, s.day, s.sender_id, s.campaign_key, s.template_key, a.at, ${list((count) => `sum(s.sign * a.${count})`)}
          FROM sides s
          -- a probe of the primary key per moved send, never a scan of the table
          CROSS JOIN LATERAL (SELECT * FROM send_activity a WHERE a.org_id = s.org_id AND a.send_id = s.id) a
          GROUP BY 1, 2, 3, 4, 5, 6;
        ELSE
          WITH moved AS (
            DELETE FROM send_activity a USING old_rows o WHERE a.org_id = o.org_id AND a.send_id = o.id
            RETURNING a.*, o.id, o.tracked, o.sent_at, o.sender_id, o.campaign_id, o.template_id
          )
          INSERT INTO send_activity_deltas (${DELTA_COLUMNS})
          SELECT o.org_id, (o.sent_at AT TIME ZONE 'UTC')::date, o.sender_id, coalesce(o.campaign_id, ''), coalesce(o.template_id, ''),
                 o.at, ${list((count) => `-sum(o.${count})`)}
          FROM moved o WHERE o.tracked
          GROUP BY 1, 2, 3, 4, 5, 6;
        END IF;
        RETURN NULL;
      END $$`);
    await db.query(`
      CREATE TRIGGER send_activity_on_send_update AFTER UPDATE ON sends
      REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION send_activity_follow_sends()`);
    await db.query(`
      CREATE TRIGGER send_activity_on_send_delete AFTER DELETE ON sends
      REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION send_activity_follow_sends()`);
    await db.query(`
      CREATE FUNCTION send_activity_reset() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        TRUNCATE send_activity, send_activity_deltas, send_activity_rollups;
        RETURN NULL;
      END $$`);
    await db.query(`CREATE TRIGGER send_activity_on_sends_truncate AFTER TRUNCATE ON sends FOR EACH STATEMENT EXECUTE FUNCTION send_activity_reset()`);

    // The raw events still retained: activity pruned before this migration is
    // gone for the timelines (the counters on sends keep it for the figures).
    await db.query(`
      INSERT INTO send_activity (org_id, send_id, at, ${COUNTS.join(', ')})
      SELECT e.org_id, e.send_id, date_bin('15 minutes', e.occurred_at, TIMESTAMPTZ '2000-01-01 00:00Z'),
             count(*) FILTER (WHERE e.counted AND e.kind = 'OPEN'), count(*) FILTER (WHERE e.counted AND e.kind = 'CLICK'),
             count(*) FILTER (WHERE e.counted AND e.mpp), count(*) FILTER (WHERE e.bot AND e.kind = 'OPEN'),
             count(*) FILTER (WHERE e.bot AND e.kind = 'CLICK')
      FROM tracking_events e JOIN sends s ON s.org_id = e.org_id AND s.id = e.send_id
      WHERE e.counted OR e.bot
      GROUP BY 1, 2, 3`);
    await db.query(`
      INSERT INTO send_activity_deltas (${DELTA_COLUMNS})
      SELECT a.org_id, (s.sent_at AT TIME ZONE 'UTC')::date, s.sender_id, coalesce(s.campaign_id, ''), coalesce(s.template_id, ''), a.at,
             ${list((count) => `sum(a.${count})`)}
      FROM send_activity a JOIN sends s ON s.org_id = a.org_id AND s.id = a.send_id
      WHERE s.tracked
      GROUP BY 1, 2, 3, 4, 5, 6`);
    await db.query(`SELECT compact_send_activity(NULL, true)`);
  }

  async down(db: QueryRunner): Promise<void> {
    for (const trigger of ['send_activity_on_send_update', 'send_activity_on_send_delete', 'send_activity_on_sends_truncate']) {
      await db.query(`DROP TRIGGER IF EXISTS ${trigger} ON sends`);
    }
    await db.query(`DROP FUNCTION IF EXISTS send_activity_reset()`);
    await db.query(`DROP FUNCTION IF EXISTS send_activity_follow_sends()`);
    await db.query(`DROP FUNCTION IF EXISTS compact_send_activity(integer, boolean)`);
    await db.query(`DROP TABLE IF EXISTS send_activity_rollups, send_activity_deltas, send_activity`);
  }
}
