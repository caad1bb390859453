// Fills one organisation with a realistic data set, fast: every row is made by
// SQL (generate_series) inside PostgreSQL, a chunk of sends per transaction.
// Raw events are generated first and the counters on sends and send_links are
// summed from them, so counters and events agree as the recorder would leave
// them. Used by the stats benchmark and meant for `npm run demo`.
import type { DataSource, EntityManager } from 'typeorm';
import { addLinkFigures, addSendFigures } from '../rollups/contributions';
import { compactSendStats } from './compaction';
import { ACTIVITY_CTE, BOT_COUNTS, COUNTED_OPENS, rollUpActivity } from './generate-activity';
import { clientSql, domainSql, providerSql, readerDomainParameters, userAgentSql } from './generate-readers';

export interface GenerateOptions {
  orgId: string;
  sends: number;
  /** raw events to aim for; per-send counts are random around events / sends */
  events: number;
  /** sends are spread evenly over this many days, ending now */
  days: number;
  campaigns: number;
  templates: number;
  senders: number;
  now?: Date;
  /** sends per transaction */
  chunkSize?: number;
  /** transactions generating at once (connections used) */
  workers?: number;
}

export interface GeneratedData {
  sends: number;
  events: number;
  links: number;
  senderIds: string[];
  campaignIds: string[];
  templateIds: string[];
}

const DAY_MS = 86_400_000;
// Shares of sends: 75% in a drip campaign (4 steps, one template each), 15%
// with a template only, 10% ad-hoc. 2% fail (no events), 1% deferred; half of
// the delivered ones are engaged; 30% of recipients read through Apple Mail.
const ENGAGED_SHARE = 0.5;
const DELIVERED_SHARE = 0.98;
/** Sends recorded untracked (plain text, consent declined, tracking off): no events, no links. */
const UNTRACKED_SHARE = 0.04;

export const senderIdOf = (index: number) => `sender-${String(index + 1).padStart(2, '0')}`;
const campaignIdOf = (index: number) => `campaign-${String(index + 1).padStart(3, '0')}`;
const templateIdOf = (index: number) => `template-${String(index + 1).padStart(2, '0')}`;

// Send ids in the UUIDv7 layout (milliseconds of sent_at, then hash bits), as a
// time-ordered id generator would mint them: sends are generated in time
// order, so every primary key and index keyed by send grows at its right edge
// instead of taking random inserts (minutes instead of seconds at 5M events).
const TIME_ORDERED_ID = `(lpad(to_hex(floor(extract(epoch FROM sent_at) * 1000)::bigint), 12, '0') || '7'
  || substr(md5($1 || ':' || n), 1, 3) || '8' || substr(md5($1 || ':' || n), 4, 15))::uuid`;

/** The URL at a position of a send, the same in send_links and in click events. */
const linkUrl = (sendId: string) => `CASE WHEN position = 0 THEN 'https://www.example.com/'
  WHEN template_no IS NULL THEN 'https://example.com/news/' || (abs(hashtext(${sendId}::text)) % 50 + position)
  ELSE 'https://example.com/t' || (template_no + 1) || '/offer-' || position END`;

/** One chunk of sends [from, to): sends, their raw events, their links, in one transaction. */
async function generateChunk(db: EntityManager, options: Required<GenerateOptions>, from: number, to: number): Promise<void> {
  const start = new Date(options.now.getTime() - options.days * DAY_MS);
  const engagedMean = options.events / (options.sends * DELIVERED_SHARE * ENGAGED_SHARE);
  await db.query(`SELECT setseed($1)`, [(from / options.sends) % 1]);
  // Bulk work: sorts and hashes in memory rather than temp files, and no
  // serving timeout (30 s): a chunk on a Citus cluster goes through the
  // coordinator and can take longer.
  await db.query(`SET LOCAL work_mem = '128MB'`);
  await db.query(`SET LOCAL statement_timeout = 0`);
  // random() is drawn once per row into the MATERIALIZED CTEs, so each draw is used consistently.
  await db.query(
    `CREATE TEMP TABLE gen_sends ON COMMIT DROP AS
     WITH draws AS MATERIALIZED (
       SELECT n, random() AS r_time, random() AS r_kind, random() AS r_campaign, random() AS r_step, random() AS r_template,
              random() AS r_sender, random() AS r_status, random() AS r_engaged, random() AS r_events, random() AS r_apple,
              random() AS r_links, random() AS r_contact, random() AS r_tracked
       FROM generate_series($2::bigint, $3::bigint - 1) AS n
     ), shaped AS (
       SELECT n, $5::timestamptz + ($6::float8 * (n + r_time) / $4::bigint) * interval '1 second' AS sent_at,
              floor(r_sender * $9::int)::int AS sender_no,
              floor(r_contact * greatest($4::bigint / 5, 1))::bigint AS contact_no,
              CASE WHEN r_kind < 0.75 THEN floor(power(r_campaign, 1.5) * $7::int)::int END AS campaign_no,
              r_kind, r_step, r_template, r_status, r_engaged, r_events, r_apple < 0.3 AS apple, r_links,
              r_tracked >= ${UNTRACKED_SHARE} AS tracked
       FROM draws
     ), templated AS (
       SELECT *, CASE WHEN campaign_no IS NOT NULL THEN (campaign_no * 7 + floor(r_step * 4)::int) % $8::int
                      WHEN r_kind < 0.9 THEN floor(r_template * $8::int)::int END AS template_no,
                 CASE WHEN r_status < 0.02 THEN 'FAILED' WHEN r_status < 0.03 THEN 'DEFERRED' ELSE 'SENT' END AS status
       FROM shaped
     ), addressed AS (
       -- One domain per contact, whichever send reaches it.
       SELECT *, (abs(hashtext('domain:' || contact_no)) % 100000) / 100000.0 AS r_domain FROM templated
     )
     SELECT *, ${TIME_ORDERED_ID} AS id,
               ${domainSql('r_domain', 'contact_no', '$11', '$13')} AS domain,
               ${providerSql('r_domain', '$11', '$12', '$13')} AS provider,
               'sender-' || lpad((sender_no + 1)::text, 2, '0') AS sender_id,
               'campaign-' || lpad((campaign_no + 1)::text, 3, '0') AS campaign_id, 'template-' || lpad((template_no + 1)::text, 2, '0') AS template_id,
               CASE WHEN NOT tracked OR status = 'FAILED' OR r_engaged >= ${ENGAGED_SHARE} THEN 0
                    ELSE 1 + floor(r_events * (2 * $10::float8 - 1))::int END AS event_count,
               CASE WHEN NOT tracked THEN 0 WHEN template_no IS NULL THEN floor(r_links * 3)::int ELSE 1 + template_no % 4 END AS link_count
     FROM addressed`,
    [
      options.orgId, from, to, options.sends, start.toISOString(), (options.days * DAY_MS) / 1000, options.campaigns, options.templates, options.senders, engagedMean,
      ...readerDomainParameters(),
    ],
  );
  // One statement: raw events (mostly within hours of the send, never after
  // now; two clients per send for unique clickers), then the counters of
  // sends and links and the activity by event time summed from the events
  // just inserted, as the event writer would leave them.
  await db.query(
    `WITH draws AS MATERIALIZED (
       SELECT s.id, s.sent_at, s.template_no, s.link_count, s.apple, s.provider, e.i,
              random() AS r_kind, random() AS r_bot, random() AS r_mpp, random() AS r_link, random() AS r_delay, random() AS r_client, random() AS r_agent
       FROM gen_sends s CROSS JOIN LATERAL generate_series(1, s.event_count) AS e(i)
     ), shaped AS (
       SELECT id AS send_id, template_no, r_bot < 0.08 AS bot, apple, r_mpp,
              least(sent_at + power(r_delay, 4) * interval '7 days', $2::timestamptz - interval '1 second') AS occurred_at,
              CASE WHEN link_count > 0 AND r_kind < 0.15 THEN 'CLICK' ELSE 'OPEN' END AS kind,
              CASE WHEN link_count > 0 AND r_kind < 0.15 THEN floor(r_link * link_count)::int END AS position,
              decode(md5(id::text || ':' || floor(r_client * 2)), 'hex') AS ip_hash, provider, r_agent
       FROM draws
     ), flagged AS (
       SELECT *, NOT bot AND kind = 'OPEN' AND apple AND r_mpp < 0.9 AS mpp FROM shaped
     ), clients AS (
       SELECT *, CASE WHEN NOT bot THEN ${clientSql('provider', 'mpp', 'r_agent')} END AS client_device FROM flagged
     ), events AS (
       INSERT INTO tracking_events (org_id, send_id, occurred_at, id, kind, source, counted, bot, mpp, link_position, url, user_agent, ip_hash, client, device)
       SELECT $1, send_id, occurred_at, gen_random_uuid(), kind, CASE kind WHEN 'CLICK' THEN 'REDIRECT' ELSE 'PIXEL' END,
              NOT bot, bot, mpp, position,
              CASE WHEN kind = 'CLICK' THEN ${linkUrl('send_id')} END,
              CASE WHEN bot THEN 'Mozilla/5.0 (compatible; LinkScanner/2.1)' ELSE ${userAgentSql('client_device')} END,
              ip_hash, split_part(client_device, '/', 1), split_part(client_device, '/', 2)
       FROM clients
       RETURNING send_id, occurred_at, kind, counted, bot, mpp, link_position, ip_hash, client, device
     ), per_client AS (
       -- The per-send client counters, as the event writer keeps them.
       INSERT INTO send_clients (org_id, send_id, client, device, opens, clicks, mpp_opens)
       SELECT $1, send_id, client, device, ${COUNTED_OPENS}, count(*) FILTER (WHERE counted AND kind = 'CLICK'), count(*) FILTER (WHERE counted AND mpp)
       FROM events WHERE counted GROUP BY send_id, client, device ORDER BY send_id, client, device
       RETURNING 1
     ), per_send AS (
       SELECT send_id, ${COUNTED_OPENS} AS opens, count(*) FILTER (WHERE counted AND kind = 'CLICK') AS clicks,
              count(*) FILTER (WHERE counted AND mpp) AS mpp_opens, ${BOT_COUNTS},
              min(occurred_at) FILTER (WHERE counted AND kind = 'OPEN') AS first_open, max(occurred_at) FILTER (WHERE counted AND kind = 'OPEN') AS last_open,
              max(occurred_at) FILTER (WHERE counted AND kind = 'CLICK') AS last_click
       FROM events GROUP BY send_id
     ), per_link AS (
       SELECT send_id, link_position, count(*) AS clicks, count(DISTINCT ip_hash) AS clickers, min(occurred_at) AS first_at, max(occurred_at) AS last_at
       FROM events WHERE counted AND kind = 'CLICK' GROUP BY send_id, link_position
     ), links AS (
       INSERT INTO send_links (org_id, send_id, position, url, clicks, unique_clickers, first_clicked_at, last_clicked_at)
       SELECT $1, l.id, l.position, l.url, coalesce(c.clicks, 0), coalesce(c.clickers, 0), c.first_at, c.last_at
       FROM (SELECT id, position, ${linkUrl('id')} AS url
             FROM gen_sends CROSS JOIN LATERAL generate_series(0, link_count - 1) AS p(position)) l
       LEFT JOIN per_link c ON c.send_id = l.id AND c.link_position = l.position
       RETURNING 1
     ), ${ACTIVITY_CTE}
     INSERT INTO sends (org_id, id, sent_at, sender_id, sender_team_id, contact_id, recipient_email, subject, campaign_id, template_id,
                        enrollment_id, step_index, tracked, tracked_links, status, status_changed_at, opens, clicks, mpp_opens,
                        bot_opens, bot_clicks, first_opened_at, last_opened_at, last_clicked_at, recipient_domain, mailbox_provider)
     SELECT $1, s.id, s.sent_at, s.sender_id, 'team-' || (s.sender_no % 4 + 1),
            'contact-' || s.contact_no, 'contact-' || s.contact_no || '@' || s.domain, 'Hello from the demo', s.campaign_id, s.template_id,
            CASE WHEN s.campaign_no IS NOT NULL THEN 'enrollment-' || s.campaign_no || '-' || s.contact_no END,
            CASE WHEN s.campaign_no IS NOT NULL THEN floor(s.r_step * 4)::int END,
            s.tracked, s.link_count, s.status, CASE WHEN s.status <> 'SENT' THEN s.sent_at + interval '1 minute' END,
            coalesce(e.opens, 0), coalesce(e.clicks, 0), coalesce(e.mpp_opens, 0), coalesce(e.bot_opens, 0), coalesce(e.bot_clicks, 0),
            e.first_open, e.last_open, e.last_click, s.domain, s.provider
     FROM gen_sends s LEFT JOIN per_send e ON e.send_id = s.id
     ORDER BY s.id`,
    [options.orgId, options.now.toISOString()],
  );
  // What the chunk's sends and links add to the rollups, as the instrumenter adds a send's.
  const ids = (await db.query(`SELECT id FROM gen_sends`)).map((row: { id: string }) => row.id);
  await addSendFigures(db, options.orgId, ids, 1);
  await addLinkFigures(db, options.orgId, ids, 1);
  // Folded now, while the next chunk is being generated on the other connection.
  await compactSendStats(db);
}

async function insertNames(db: DataSource, options: Required<GenerateOptions>): Promise<void> {
  await db.query(
    `INSERT INTO campaigns (org_id, id, name)
     SELECT $1, 'campaign-' || lpad(n::text, 3, '0'), 'Campaign ' || n FROM generate_series(1, $2) AS n
     ON CONFLICT (org_id, id) DO NOTHING`,
    [options.orgId, options.campaigns],
  );
  await db.query(
    `INSERT INTO templates (org_id, id, name)
     SELECT $1, 'template-' || lpad(n::text, 2, '0'), 'Template ' || n FROM generate_series(1, $2) AS n
     ON CONFLICT (org_id, id) DO NOTHING`,
    [options.orgId, options.templates],
  );
  await db.query(
    `INSERT INTO contacts (org_id, id, email)
     SELECT $1, 'contact-' || n, 'contact-' || n || '@example.com' FROM generate_series(0, greatest($2 / 5, 1) - 1) AS n
     ON CONFLICT (org_id, id) DO NOTHING`,
    [options.orgId, options.sends],
  );
}

/** VACUUM (ANALYZE) of `tables` on a session of its own, without the serving timeout (a whole set on a cluster can outlast it). */
async function vacuumAnalyze(db: DataSource, tables: string): Promise<void> {
  const session = db.createQueryRunner();
  try {
    await session.query('SET statement_timeout = 0');
    await session.query(`VACUUM (ANALYZE) ${tables}`);
  } finally {
    await session.query('RESET statement_timeout').catch(() => undefined);
    await session.release();
  }
}

/**
 * Generates the data set, folds the stats deltas its sends produced and
 * refreshes the planner's statistics. Not idempotent: run it on an
 * organisation without sends. Uses `workers` connections of the pool.
 */
export async function generateStatsData(db: DataSource, input: GenerateOptions): Promise<GeneratedData> {
  const options: Required<GenerateOptions> = { now: new Date(), chunkSize: 50_000, workers: 2, ...input };
  const first = new Date(options.now.getTime() - options.days * DAY_MS);
  await db.query(`SELECT ensure_tracking_event_partitions($1::date, $2::date)`, [first.toISOString().slice(0, 10), options.now.toISOString().slice(0, 10)]);
  await insertNames(db, options);
  let next = 0;
  const worker = async () => {
    while (next < options.sends) {
      const from = next;
      const to = Math.min(from + options.chunkSize, options.sends);
      next = to;
      await db.transaction((manager) => generateChunk(manager, options, from, to));
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, options.workers) }, worker));
  // What the stats read; vacuumed too, so index-only probes need no heap visits. Raw events
  // are left to autovacuum: analyzing the partitioned parent samples all of them again.
  await vacuumAnalyze(
    db,
    `sends, send_links, send_clients, send_stats_rollups, send_stats_deltas, send_link_stats, send_link_stats_deltas,
       send_activity, send_activity_deltas, breakdown_rollups, breakdown_deltas, campaigns, templates`,
  );
  // Planned on those fresh statistics: probes of send_activity per send, not a guess at an empty table.
  await rollUpActivity(db, options.orgId, first, options.now, options.workers);
  await vacuumAnalyze(db, 'send_activity_rollups');
  const [counts]: { sends: string; events: string; links: string }[] = await db.query(
    `SELECT (SELECT count(*) FROM sends WHERE org_id = $1) AS sends,
            (SELECT count(*) FROM tracking_events WHERE org_id = $1) AS events,
            (SELECT count(*) FROM send_links WHERE org_id = $1) AS links`,
    [options.orgId],
  );
  return {
    sends: Number(counts.sends),
    events: Number(counts.events),
    links: Number(counts.links),
    senderIds: Array.from({ length: options.senders }, (_, index) => senderIdOf(index)),
    campaignIds: Array.from({ length: options.campaigns }, (_, index) => campaignIdOf(index)),
    templateIds: Array.from({ length: options.templates }, (_, index) => templateIdOf(index)),
  };
}
