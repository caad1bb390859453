// The link rollups' trigger functions (migration 1764300000001) keyed by
// send_links.link_key instead of the URL, for as long as triggers maintain
// those rollups. Per (send, key) a send counts once, whatever positions carry
// the key; each delta carries the first URL under its key in that send (the
// lowest position) and the send's time, and folding keeps the URL of the
// earliest send: "the first URL seen under the name" (contract section 5).
import type { QueryRunner } from 'typeorm';

export async function installLinkKeyFunctions(db: QueryRunner): Promise<void> {
  await db.query(`DROP FUNCTION send_link_stats_apply(send_link_contribution[])`);
  await db.query(`DROP TYPE send_link_contribution`);
  await db.query(`
    CREATE TYPE send_link_contribution AS (
      sign integer, org_id text, send_id uuid, position integer, link_key text, name text, url text, clicks integer)`);

  // As before, per (send, key) instead of (send, URL): whether the send clicked
  // the key can change only where its clicks did.
  await db.query(`
    CREATE FUNCTION send_link_stats_apply(changes send_link_contribution[])
    RETURNS void LANGUAGE sql AS $$
      WITH changed AS (
        SELECT org_id, send_id, link_key, max(name) AS name,
               (array_agg(url ORDER BY position) FILTER (WHERE sign > 0))[1] AS url,
               sum(sign) AS positions, sum(sign * clicks) AS clicks
        FROM unnest(changes) GROUP BY 1, 2, 3
        HAVING sum(sign) <> 0 OR sum(sign * clicks) <> 0
      )
      INSERT INTO send_link_stats_deltas (org_id, month, campaign_key, template_key, link_key, name, url, first_sent_at, positions, clicks, clicked)
      SELECT c.org_id, date_trunc('month', s.sent_at AT TIME ZONE 'UTC')::date, coalesce(s.campaign_id, ''),
             coalesce(s.template_id, ''), c.link_key, max(c.name),
             (array_agg(c.url ORDER BY s.sent_at, s.id) FILTER (WHERE c.url IS NOT NULL))[1],
             min(s.sent_at) FILTER (WHERE c.url IS NOT NULL), sum(c.positions), sum(c.clicks),
             sum(CASE WHEN c.clicks = 0 THEN 0 ELSE (
               SELECT (coalesce(sum(l.clicks), 0) > 0)::int - (coalesce(sum(l.clicks), 0) - c.clicks > 0)::int
               FROM send_links l WHERE l.org_id = c.org_id AND l.send_id = c.send_id AND l.link_key = c.link_key) END)
      FROM changed c JOIN sends s ON s.org_id = c.org_id AND s.id = c.send_id
      GROUP BY 1, 2, 3, 4, 5
    $$`);
  const contribution = (sign: number, alias: string) =>
    `(${sign}, ${alias}.org_id, ${alias}.send_id, ${alias}.position, ${alias}.link_key, ${alias}.name, ${alias}.url, ${alias}.clicks)::send_link_contribution`;
  await db.query(`
    CREATE OR REPLACE FUNCTION send_link_stats_capture() RETURNS trigger LANGUAGE plpgsql AS $$
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

  // A moved send takes its keys along; under its new attribution it is a new
  // sighting of each key, at its own send time.
  await db.query(`
    CREATE OR REPLACE FUNCTION send_link_stats_move(moves send_link_move[])
    RETURNS void LANGUAGE sql AS $$
      WITH pairs AS (
        SELECT m.*, l.link_key, max(l.name) AS name, (array_agg(l.url ORDER BY l.position))[1] AS url,
               count(*) AS positions, sum(l.clicks) AS clicks,
               (SELECT s.sent_at FROM sends s WHERE s.org_id = m.org_id AND s.id = m.send_id) AS sent_at
        FROM unnest(moves) m JOIN send_links l ON l.org_id = m.org_id AND l.send_id = m.send_id
        GROUP BY m.org_id, m.send_id, m.old_month, m.old_campaign, m.old_template, m.new_month, m.new_campaign, m.new_template, l.link_key
      ), figures AS (
        SELECT org_id, old_month AS month, old_campaign AS campaign_key, old_template AS template_key, link_key, name,
               NULL::text AS url, NULL::timestamptz AS first_sent_at,
               -positions AS positions, -clicks AS clicks, -(clicks > 0)::int AS clicked
        FROM pairs
        UNION ALL
        SELECT org_id, new_month, new_campaign, new_template, link_key, name, url, sent_at, positions, clicks, (clicks > 0)::int
        FROM pairs WHERE new_month IS NOT NULL
      )
      INSERT INTO send_link_stats_deltas (org_id, month, campaign_key, template_key, link_key, name, url, first_sent_at, positions, clicks, clicked)
      SELECT org_id, month, campaign_key, template_key, link_key, max(name),
             (array_agg(url ORDER BY first_sent_at) FILTER (WHERE url IS NOT NULL))[1], min(first_sent_at),
             sum(positions), sum(clicks), sum(clicked)
      FROM figures GROUP BY 1, 2, 3, 4, 5
      HAVING sum(positions) <> 0 OR sum(clicks) <> 0 OR sum(clicked) <> 0
    $$`);

  await db.query(`
    CREATE OR REPLACE FUNCTION compact_send_link_stats(max_deltas integer, wait boolean)
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
        INSERT INTO send_link_stats AS r (org_id, campaign_key, month, template_key, link_key, name, url, first_sent_at, positions, clicks, clicked)
        SELECT org_id, campaign_key, month, template_key, link_key, max(name),
               (array_agg(url ORDER BY first_sent_at NULLS LAST, id) FILTER (WHERE url IS NOT NULL))[1], min(first_sent_at),
               sum(positions), sum(clicks), sum(clicked)
        FROM moved GROUP BY 1, 2, 3, 4, 5 ORDER BY 1, 2, 3, 4, 5
        ON CONFLICT (org_id, campaign_key, month, template_key, link_key) DO UPDATE SET
          positions = r.positions + excluded.positions, clicks = r.clicks + excluded.clicks, clicked = r.clicked + excluded.clicked,
          name = coalesce(r.name, excluded.name),
          url = CASE WHEN r.url IS NULL OR excluded.first_sent_at < r.first_sent_at THEN coalesce(excluded.url, r.url) ELSE r.url END,
          first_sent_at = least(r.first_sent_at, excluded.first_sent_at)
        RETURNING 1
      )
      SELECT count(*) INTO folded FROM moved;
      RETURN folded;
    END $$`);
}
