// Monthly per-URL rollups for LinkStat, the organisation's view: a campaign's
// or template's links over years read a few hundred rows instead of every
// send_links row of its sends. Same scheme as send stats (1764300000000):
// statement triggers write insert-only deltas, compact_send_link_stats()
// folds them, readers add pending deltas. One sender's links are read from
// sends and send_links directly, through the two indexes added here.
//
// positions counts the link rows carrying a URL (a URL is listed while any
// does), clicks their counted clicks (send_links.clicks), clicked the sends in
// which the URL was clicked: a (send, URL) pair counts once however many
// positions carry the URL. A link is attributed when its row is written, to
// its send as it is then, so its send must exist by the end of that statement
// (the instrumenter writes both in one statement); a send that later changes
// month, campaign or template, or is deleted, takes its links along.
import type { MigrationInterface, QueryRunner } from 'typeorm';

const FIGURES = `
  positions bigint NOT NULL DEFAULT 0,
  clicks    bigint NOT NULL DEFAULT 0,
  clicked   bigint NOT NULL DEFAULT 0`;

export class LinkStats1764300000001 implements MigrationInterface {
  name = 'LinkStats1764300000001';

  async up(db: QueryRunner): Promise<void> {
    // One sender's drill-down (partner, sales_rep, member) walks its own sends of a campaign or template.
    await db.query(`CREATE INDEX sends_sender_campaign_idx ON sends (org_id, sender_id, campaign_id, sent_at)`);
    await db.query(`CREATE INDEX sends_sender_template_idx ON sends (org_id, sender_id, template_id, sent_at)`);

    await db.query(`
      CREATE TABLE send_link_stats_deltas (
        org_id       text NOT NULL,
        id           bigint GENERATED ALWAYS AS IDENTITY,
        month        date NOT NULL,
        campaign_key text NOT NULL,
        template_key text NOT NULL,
        url          text NOT NULL,
        ${FIGURES},
        PRIMARY KEY (org_id, id)
      )`);
    // Keyed for a campaign's links (the primary key) and a template's (the index).
    await db.query(`
      CREATE TABLE send_link_stats (
        org_id       text NOT NULL,
        campaign_key text NOT NULL,
        month        date NOT NULL,
        template_key text NOT NULL,
        url          text NOT NULL,
        ${FIGURES},
        PRIMARY KEY (org_id, campaign_key, month, template_key, url)
      )`);
    await db.query(`CREATE INDEX send_link_stats_template_idx ON send_link_stats (org_id, template_key, month)`);

    await db.query(`
      CREATE FUNCTION compact_send_link_stats(max_deltas integer, wait boolean)
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
          DELETE FROM send_link_stats_deltas d
          WHERE max_deltas IS NULL OR d.id < (SELECT min(id) FROM send_link_stats_deltas) + max_deltas
          RETURNING d.*
        ), upserted AS (
          INSERT INTO send_link_stats AS r (org_id, campaign_key, month, template_key, url, positions, clicks, clicked)
          SELECT org_id, campaign_key, month, template_key, url, sum(positions), sum(clicks), sum(clicked)
          FROM moved GROUP BY 1, 2, 3, 4, 5 ORDER BY 1, 2, 3, 4, 5
          ON CONFLICT (org_id, campaign_key, month, template_key, url) DO UPDATE SET
            positions = r.positions + excluded.positions, clicks = r.clicks + excluded.clicks, clicked = r.clicked + excluded.clicked
          RETURNING 1
        )
        SELECT count(*) INTO folded FROM moved;
        RETURN folded;
      END $$`);

    // Link rows changed by a statement, per (send, URL) pair: positions and
    // clicks add up; whether the send clicked the URL can change only where
    // its clicks did, and there the pair's clicks now, minus the change, give
    // its clicks before. That look-up is a subquery run only for those pairs
    // (the instrumenter's new links, with no clicks, need none), so the work
    // stays linear whatever join the planner picks. Pairs whose send does not
    // exist are not attributed.
    await db.query(`CREATE TYPE send_link_contribution AS (sign integer, org_id text, send_id uuid, url text, clicks integer)`);
    await db.query(`
      CREATE FUNCTION send_link_stats_apply(changes send_link_contribution[])
      RETURNS void LANGUAGE sql AS $$
        WITH changed AS (
          SELECT org_id, send_id, url, sum(sign) AS positions, sum(sign * clicks) AS clicks
          FROM unnest(changes) GROUP BY 1, 2, 3
          HAVING sum(sign) <> 0 OR sum(sign * clicks) <> 0
        )
        INSERT INTO send_link_stats_deltas (org_id, month, campaign_key, template_key, url, positions, clicks, clicked)
        SELECT c.org_id, date_trunc('month', s.sent_at AT TIME ZONE 'UTC')::date, coalesce(s.campaign_id, ''),
               coalesce(s.template_id, ''), c.url, sum(c.positions), sum(c.clicks),
               sum(CASE WHEN c.clicks = 0 THEN 0 ELSE (
                 SELECT (coalesce(sum(l.clicks), 0) > 0)::int - (coalesce(sum(l.clicks), 0) - c.clicks > 0)::int
                 FROM send_links l WHERE l.org_id = c.org_id AND l.send_id = c.send_id AND l.url = c.url) END)
        FROM changed c JOIN sends s ON s.org_id = c.org_id AND s.id = c.send_id
        GROUP BY 1, 2, 3, 4, 5
      $$`);
    const contribution = (sign: number, alias: string) =>
      `(${sign}, ${alias}.org_id, ${alias}.send_id, ${alias}.url, ${alias}.clicks)::send_link_contribution`;
    await db.query(`
      CREATE FUNCTION send_link_stats_capture() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF TG_OP = 'INSERT' THEN
          PERFORM send_link_stats_apply(ARRAY(SELECT ${contribution(1, 'n')} FROM new_rows n));
        ELSIF TG_OP = 'UPDATE' THEN
          PERFORM send_link_stats_apply(ARRAY(
            SELECT ${contribution(1, 'n')} FROM new_rows n UNION ALL SELECT ${contribution(-1, 'o')} FROM old_rows o));
        ELSE
          PERFORM send_link_stats_apply(ARRAY(SELECT ${contribution(-1, 'o')} FROM old_rows o));
        END IF;
        RETURN NULL;
      END $$`);
    for (const [operation, transition] of [
      ['INSERT', 'NEW TABLE AS new_rows'],
      ['UPDATE', 'OLD TABLE AS old_rows NEW TABLE AS new_rows'],
      ['DELETE', 'OLD TABLE AS old_rows'],
    ]) {
      await db.query(`
        CREATE TRIGGER send_link_stats_on_${operation.toLowerCase()} AFTER ${operation} ON send_links
        REFERENCING ${transition} FOR EACH STATEMENT EXECUTE FUNCTION send_link_stats_capture()`);
    }

    // A send leaving its month, campaign or template (or deleted) moves its
    // links' figures: new_month NULL for a deleted send.
    await db.query(`
      CREATE TYPE send_link_move AS (
        org_id text, send_id uuid, old_month date, old_campaign text, old_template text,
        new_month date, new_campaign text, new_template text)`);
    await db.query(`
      CREATE FUNCTION send_link_stats_move(moves send_link_move[])
      RETURNS void LANGUAGE sql AS $$
        WITH pairs AS (
          SELECT m.*, l.url, count(*) AS positions, sum(l.clicks) AS clicks
          FROM unnest(moves) m JOIN send_links l ON l.org_id = m.org_id AND l.send_id = m.send_id
          GROUP BY m.org_id, m.send_id, m.old_month, m.old_campaign, m.old_template, m.new_month, m.new_campaign, m.new_template, l.url
        ), figures AS (
          SELECT org_id, old_month AS month, old_campaign AS campaign_key, old_template AS template_key, url,
                 -positions AS positions, -clicks AS clicks, -(clicks > 0)::int AS clicked
          FROM pairs
          UNION ALL
          SELECT org_id, new_month, new_campaign, new_template, url, positions, clicks, (clicks > 0)::int
          FROM pairs WHERE new_month IS NOT NULL
        )
        INSERT INTO send_link_stats_deltas (org_id, month, campaign_key, template_key, url, positions, clicks, clicked)
        SELECT org_id, month, campaign_key, template_key, url, sum(positions), sum(clicks), sum(clicked)
        FROM figures GROUP BY 1, 2, 3, 4, 5
        HAVING sum(positions) <> 0 OR sum(clicks) <> 0 OR sum(clicked) <> 0
      $$`);
    const key = (alias: string) =>
      `date_trunc('month', ${alias}.sent_at AT TIME ZONE 'UTC')::date, coalesce(${alias}.campaign_id, ''), coalesce(${alias}.template_id, '')`;
    // For the recorder's counter updates the join finds no move: nothing is written.
    await db.query(`
      CREATE FUNCTION send_link_stats_follow_sends() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF TG_OP = 'UPDATE' THEN
          PERFORM send_link_stats_move(ARRAY(
            SELECT (o.org_id, o.id, ${key('o')}, ${key('n')})::send_link_move
            FROM old_rows o JOIN new_rows n ON n.org_id = o.org_id AND n.id = o.id
            WHERE (${key('o')}) IS DISTINCT FROM (${key('n')})));
        ELSE
          PERFORM send_link_stats_move(ARRAY(
            SELECT (o.org_id, o.id, ${key('o')}, NULL, NULL, NULL)::send_link_move FROM old_rows o));
        END IF;
        RETURN NULL;
      END $$`);
    await db.query(`
      CREATE TRIGGER send_link_stats_on_send_update AFTER UPDATE ON sends
      REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION send_link_stats_follow_sends()`);
    await db.query(`
      CREATE TRIGGER send_link_stats_on_send_delete AFTER DELETE ON sends
      REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION send_link_stats_follow_sends()`);

    await db.query(`
      CREATE FUNCTION send_link_stats_reset() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        TRUNCATE send_link_stats_deltas, send_link_stats;
        RETURN NULL;
      END $$`);
    for (const table of ['sends', 'send_links']) {
      await db.query(`CREATE TRIGGER send_link_stats_on_${table}_truncate AFTER TRUNCATE ON ${table} FOR EACH STATEMENT EXECUTE FUNCTION send_link_stats_reset()`);
    }

    // Links recorded before this migration.
    await db.query(`
      INSERT INTO send_link_stats_deltas (org_id, month, campaign_key, template_key, url, positions, clicks, clicked)
      SELECT p.org_id, date_trunc('month', s.sent_at AT TIME ZONE 'UTC')::date, coalesce(s.campaign_id, ''),
             coalesce(s.template_id, ''), p.url, sum(p.positions), sum(p.clicks), count(*) FILTER (WHERE p.clicks > 0)
      FROM (SELECT org_id, send_id, url, count(*) AS positions, sum(clicks) AS clicks FROM send_links GROUP BY 1, 2, 3) p
      JOIN sends s ON s.org_id = p.org_id AND s.id = p.send_id
      GROUP BY 1, 2, 3, 4, 5`);
    await db.query(`SELECT compact_send_link_stats(NULL, true)`);
  }

  async down(db: QueryRunner): Promise<void> {
    for (const [trigger, table] of [
      ['send_link_stats_on_insert', 'send_links'],
      ['send_link_stats_on_update', 'send_links'],
      ['send_link_stats_on_delete', 'send_links'],
      ['send_link_stats_on_send_links_truncate', 'send_links'],
      ['send_link_stats_on_sends_truncate', 'sends'],
      ['send_link_stats_on_send_update', 'sends'],
      ['send_link_stats_on_send_delete', 'sends'],
    ]) {
      await db.query(`DROP TRIGGER IF EXISTS ${trigger} ON ${table}`);
    }
    await db.query(`DROP FUNCTION IF EXISTS send_link_stats_reset()`);
    await db.query(`DROP FUNCTION IF EXISTS send_link_stats_follow_sends()`);
    await db.query(`DROP FUNCTION IF EXISTS send_link_stats_move(send_link_move[])`);
    await db.query(`DROP TYPE IF EXISTS send_link_move`);
    await db.query(`DROP FUNCTION IF EXISTS send_link_stats_capture()`);
    await db.query(`DROP FUNCTION IF EXISTS send_link_stats_apply(send_link_contribution[])`);
    await db.query(`DROP FUNCTION IF EXISTS compact_send_link_stats(integer, boolean)`);
    await db.query(`DROP TYPE IF EXISTS send_link_contribution`);
    await db.query(`DROP TABLE IF EXISTS send_link_stats`);
    await db.query(`DROP TABLE IF EXISTS send_link_stats_deltas`);
    await db.query(`DROP INDEX IF EXISTS sends_sender_template_idx`);
    await db.query(`DROP INDEX IF EXISTS sends_sender_campaign_idx`);
  }
}
