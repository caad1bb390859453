// The headline figures count tracked sends only (contract section 5, issue 15):
// a plain-text email, one whose recipient declined tracking, or one sent while
// tracking was off can never be opened as far as we can tell, so counting it
// as a send dragged every rate down. Those sends are summed apart, as
// untracked_sends. `opened` and `human_opened` now include sends with a
// counted click (a person who clicked has read the email, images blocked or
// not), and the bot counters on sends (1764500000000) are summed too.
//
// Same scheme as 1764300000000: the statement triggers on sends write
// insert-only deltas, compaction folds them, readers add pending deltas. Only
// the figures change, so the rollups are rebuilt from sends here.
import type { MigrationInterface, QueryRunner } from 'typeorm';
import { StatsRollups1764300000000 } from './1764300000000-stats-rollups';

const FIGURES = ['sends', 'untracked_sends', 'failed', 'opened', 'clicked', 'human_opened', 'opens', 'clicks', 'mpp_opens', 'bot_opens', 'bot_clicks'];
const list = (format: (figure: string) => string) => FIGURES.map(format).join(', ');

/** One send's figures, from columns of `alias` (a sends row or a contribution) times `sign`. */
const perSend = (alias: string, sign: string) => `
  ${sign} * ${alias}.tracked::int AS sends,
  ${sign} * (NOT ${alias}.tracked)::int AS untracked_sends,
  ${sign} * (${alias}.tracked AND ${alias}.status = 'FAILED')::int AS failed,
  ${sign} * (${alias}.tracked AND (${alias}.opens > 0 OR ${alias}.clicks > 0))::int AS opened,
  ${sign} * (${alias}.tracked AND ${alias}.clicks > 0)::int AS clicked,
  ${sign} * (${alias}.tracked AND (${alias}.opens > ${alias}.mpp_opens OR ${alias}.clicks > 0))::int AS human_opened,
  ${sign} * ${alias}.tracked::int * ${alias}.opens AS opens,
  ${sign} * ${alias}.tracked::int * ${alias}.clicks AS clicks,
  ${sign} * ${alias}.tracked::int * ${alias}.mpp_opens AS mpp_opens,
  ${sign} * ${alias}.tracked::int * ${alias}.bot_opens AS bot_opens,
  ${sign} * ${alias}.tracked::int * ${alias}.bot_clicks AS bot_clicks`;

const DELTA_COLUMNS = `org_id, day, sender_id, campaign_key, template_key, ${FIGURES.join(', ')}, last_sent_at`;

export class EngagementFigures1764600000001 implements MigrationInterface {
  name = 'EngagementFigures1764600000001';

  async up(db: QueryRunner): Promise<void> {
    // Writers wait while the rollups are rebuilt (readers do not); no statement bound for the rebuild itself.
    await db.query(`SET LOCAL statement_timeout = 0`);
    await db.query(`LOCK TABLE sends IN SHARE MODE`);
    for (const table of ['send_stats_deltas', 'send_stats_rollups']) {
      await db.query(`
        ALTER TABLE ${table} ADD COLUMN untracked_sends bigint NOT NULL DEFAULT 0,
          ADD COLUMN bot_opens bigint NOT NULL DEFAULT 0, ADD COLUMN bot_clicks bigint NOT NULL DEFAULT 0`);
    }
    await db.query(`ALTER TYPE send_stats_contribution ADD ATTRIBUTE tracked boolean, ADD ATTRIBUTE bot_opens integer, ADD ATTRIBUTE bot_clicks integer`);

    await db.query(`
      CREATE OR REPLACE FUNCTION compact_send_stats(max_deltas integer, wait boolean)
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
          INSERT INTO send_stats_rollups AS r (org_id, scope, sender_id, grain, bucket, campaign_key, template_key,
                                               ${FIGURES.join(', ')}, last_sent_at)
          SELECT m.org_id, x.scope, x.sender_id, x.grain,
                 CASE x.grain WHEN 'day' THEN m.day ELSE date_trunc('month', m.day)::date END,
                 m.campaign_key, m.template_key, ${list((figure) => `sum(m.${figure})`)}, max(m.last_sent_at)
          FROM moved m
          CROSS JOIN LATERAL (VALUES ('org', '', 'day'), ('org', '', 'month'), ('sender', m.sender_id, 'month'))
            AS x(scope, sender_id, grain)
          GROUP BY 1, 2, 3, 4, 5, 6, 7
          ORDER BY 1, 2, 3, 4, 5, 6, 7
          ON CONFLICT (org_id, scope, sender_id, grain, bucket, campaign_key, template_key) DO UPDATE SET
            ${list((figure) => `${figure} = r.${figure} + excluded.${figure}`)},
            last_sent_at = GREATEST(r.last_sent_at, excluded.last_sent_at)
          RETURNING 1
        )
        SELECT count(*) INTO folded FROM moved;
        RETURN folded;
      END $$`);

    // As in 1764300000000, with the new figures; the latest send time still
    // covers every send, tracked or not: it orders the lists, which hold rows
    // whose sends are all untracked too.
    await db.query(`
      CREATE OR REPLACE FUNCTION send_stats_apply(changes send_stats_contribution[])
      RETURNS void LANGUAGE plpgsql AS $$
      DECLARE
        shrunk_org text[]; shrunk_day date[]; shrunk_sender text[]; shrunk_campaign text[]; shrunk_template text[];
        shrunk_latest timestamptz[];
      BEGIN
        IF cardinality(changes) = 0 THEN RETURN; END IF;
        WITH grouped AS (
          SELECT org_id, day, sender_id, campaign_key, template_key, ${list((figure) => `sum(${figure}) AS ${figure}`)},
                 max(sent_at) FILTER (WHERE sign > 0) AS added_latest,
                 max(sent_at) FILTER (WHERE sign < 0) AS removed_latest
          FROM (
            SELECT c.org_id, (c.sent_at AT TIME ZONE 'UTC')::date AS day, c.sender_id,
                   coalesce(c.campaign_id, '') AS campaign_key, coalesce(c.template_id, '') AS template_key,
                   c.sign, c.sent_at, ${perSend('c', 'c.sign')}
            FROM unnest(changes) AS c) per_send
          GROUP BY 1, 2, 3, 4, 5
        ), inserted AS (
          INSERT INTO send_stats_deltas (${DELTA_COLUMNS})
          SELECT org_id, day, sender_id, campaign_key, template_key, ${FIGURES.join(', ')}, added_latest
          FROM grouped
          WHERE ${FIGURES.map((figure) => `${figure} <> 0`).join(' OR ')} OR added_latest IS DISTINCT FROM removed_latest
        )
        SELECT array_agg(org_id), array_agg(day), array_agg(sender_id), array_agg(campaign_key), array_agg(template_key),
               array_agg(removed_latest)
        INTO shrunk_org, shrunk_day, shrunk_sender, shrunk_campaign, shrunk_template, shrunk_latest
        FROM grouped WHERE removed_latest > coalesce(added_latest, '-infinity');

        IF shrunk_org IS NULL THEN RETURN; END IF;
        PERFORM compact_send_stats(NULL, true);
        UPDATE send_stats_rollups r SET last_sent_at = CASE
          WHEN r.sends + r.untracked_sends = 0 THEN NULL
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

    const contribution = (sign: number, alias: string) =>
      `(${sign}, ${alias}.org_id, ${alias}.sent_at, ${alias}.sender_id, ${alias}.campaign_id, ${alias}.template_id,
        ${alias}.status, ${alias}.opens, ${alias}.clicks, ${alias}.mpp_opens,
        ${alias}.tracked, ${alias}.bot_opens, ${alias}.bot_clicks)::send_stats_contribution`;
    await db.query(`
      CREATE OR REPLACE FUNCTION send_stats_capture() RETURNS trigger LANGUAGE plpgsql AS $$
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

    // Every existing figure changes meaning: rebuilt from the counters on sends.
    await db.query(`TRUNCATE send_stats_deltas, send_stats_rollups`);
    await db.query(`
      INSERT INTO send_stats_deltas (${DELTA_COLUMNS})
      SELECT org_id, day, sender_id, campaign_key, template_key, ${list((figure) => `sum(${figure})`)}, max(sent_at)
      FROM (
        SELECT s.org_id, (s.sent_at AT TIME ZONE 'UTC')::date AS day, s.sender_id, coalesce(s.campaign_id, '') AS campaign_key,
               coalesce(s.template_id, '') AS template_key, s.sent_at, ${perSend('s', '1')}
        FROM sends s) per_send
      GROUP BY 1, 2, 3, 4, 5`);
    await db.query(`SELECT compact_send_stats(NULL, true)`);
  }

  /** Back to the figures of 1764300000000: its tables, functions and triggers, rebuilt from sends. */
  async down(db: QueryRunner): Promise<void> {
    await db.query(`SET LOCAL statement_timeout = 0`);
    await db.query(`LOCK TABLE sends IN SHARE MODE`);
    const previous = new StatsRollups1764300000000();
    await previous.down(db);
    await previous.up(db);
  }
}
