// What rows already written add to the rollups, summed in SQL: for sends a
// statement has just recorded (the instrumenter, in that very statement; the
// data generator and test fixtures) and for
// sends that move or go (move-sends.ts), which first take their figures out
// (sign -1) and put them back under their new attribution (sign +1). The
// event writer does not come here: it knows its changes and computes their
// deltas in Node (src/events/figure-deltas.ts). The per-send figures are
// figuresOf() of figures.ts, written in SQL. Each statement filters every
// table by the organisation, a scalar, and joins tables on it: one shard on
// Citus (a join on the send alone asks Citus to repartition).
import type { EntityManager } from 'typeorm';
import { runPrepared } from '../db/prepared';
import { addBreakdownFigures } from './breakdown-deltas';
import { addClientBreakdownFigures } from './client-breakdown-deltas';
import { SEND_FIGURE_COLUMNS } from './figures';

/** figuresOf() over a sends row `s`, in SEND_FIGURE_COLUMNS order. */
const PER_SEND = [
  's.tracked::int',
  '(NOT s.tracked)::int',
  `(s.tracked AND s.status = 'FAILED')::int`,
  '(s.tracked AND (s.opens > 0 OR s.clicks > 0))::int',
  '(s.tracked AND s.clicks > 0)::int',
  '(s.tracked AND (s.opens > s.mpp_opens OR s.clicks > 0))::int',
  's.tracked::int * s.opens',
  's.tracked::int * s.clicks',
  's.tracked::int * s.mpp_opens',
  's.tracked::int * s.bot_opens',
  's.tracked::int * s.bot_clicks',
];

const SEND_KEY = `(s.sent_at AT TIME ZONE 'UTC')::date, s.sender_id, coalesce(s.campaign_id, ''), coalesce(s.template_id, '')`;

/**
 * The INSERT of what the sends `from` yields (rows of sends, as `s`) add to
 * send_stats_deltas, times `sign`. The latest send only ever grows in a
 * delta: a removal leaves it to latest-send.ts to look it up again. Also
 * written by the instrumenter into its own statement, from the send it inserts.
 */
export const sendFiguresInsert = (from: string, sign: string) =>
  `INSERT INTO send_stats_deltas (org_id, day, sender_id, campaign_key, template_key, ${SEND_FIGURE_COLUMNS.join(', ')}, last_sent_at)
   SELECT $1::text, ${SEND_KEY}, ${PER_SEND.map((figure) => `${sign} * sum(${figure})`).join(', ')}, CASE WHEN ${sign} > 0 THEN max(s.sent_at) END
   FROM ${from}
   GROUP BY 2, 3, 4, 5`;

/**
 * The INSERT of what the links `links` yields (rows of send_links) add to
 * send_link_stats_deltas, with their sends from `sends` (as `s`), times
 * `sign`, by link key (a link's data-track-name, or its URL): a (send, key)
 * pair counts once in `clicked` whatever positions carry the key. Added
 * sends are sightings of their keys: each carries the key's name and its
 * first URL in that send (the lowest position) with the send's time, so
 * compaction keeps the URL of the earliest send (contract section 5). Joined
 * on the organisation too: a join on the send alone asks Citus to repartition.
 */
export const linkFiguresInsert = (links: string, sends: string, sign: string) =>
  `INSERT INTO send_link_stats_deltas (org_id, month, campaign_key, template_key, link_key, name, url, first_sent_at, positions, clicks, clicked)
   SELECT $1::text, date_trunc('month', s.sent_at AT TIME ZONE 'UTC')::date, coalesce(s.campaign_id, ''), coalesce(s.template_id, ''), p.link_key,
          max(p.name), CASE WHEN ${sign} > 0 THEN (array_agg(p.url ORDER BY s.sent_at, s.id))[1] END, CASE WHEN ${sign} > 0 THEN min(s.sent_at) END,
          ${sign} * sum(p.positions), ${sign} * sum(p.clicks), ${sign} * count(*) FILTER (WHERE p.clicks > 0)
   FROM (SELECT l.org_id, l.send_id, l.link_key, max(l.name) AS name, (array_agg(l.url ORDER BY l.position))[1] AS url,
                count(*) AS positions, sum(l.clicks) AS clicks
         FROM ${links} GROUP BY 1, 2, 3) p
   JOIN ${sends} ON s.org_id = p.org_id AND s.id = p.send_id
   GROUP BY 2, 3, 4, 5`;

// Probes of sends_pkey and send_links_pkey per id.
const SEND_STATS = {
  name: 'rollups_send_contributions_v2',
  text: sendFiguresInsert(`sends s WHERE s.org_id = $1 AND s.id = ANY($2::uuid[])`, '$3::integer'),
};

const LINK_STATS = {
  name: 'rollups_link_contributions_v4',
  text: linkFiguresInsert(`send_links l WHERE l.org_id = $1 AND l.send_id = ANY($2::uuid[])`, 'sends s', '$3::integer'),
};

// send_activity_pkey per send; untracked sends are in no rollup.
const ACTIVITY = {
  name: 'rollups_activity_contributions_v2',
  text: `INSERT INTO send_activity_deltas (org_id, send_day, sender_id, campaign_key, template_key, at, opens, clicks, mpp_opens, bot_opens, bot_clicks)
         SELECT $1::text, ${SEND_KEY}, a.at, $3::integer * sum(a.opens), $3::integer * sum(a.clicks), $3::integer * sum(a.mpp_opens), $3::integer * sum(a.bot_opens), $3::integer * sum(a.bot_clicks)
         FROM send_activity a JOIN sends s ON s.org_id = a.org_id AND s.id = a.send_id
         WHERE a.org_id = $1 AND a.send_id = ANY($2::uuid[]) AND s.tracked
         GROUP BY 2, 3, 4, 5, 6`,
};

export type Sign = 1 | -1;

/** The sends' own figures (not their links' or activity's), as they are now: the stats' and the breakdowns' (their client counters' too). */
export async function addSendFigures(db: EntityManager, orgId: string, sendIds: readonly string[], sign: Sign): Promise<void> {
  if (sendIds.length === 0) return;
  await runPrepared(db, SEND_STATS, [orgId, sendIds, sign]);
  await addBreakdownFigures(db, orgId, sendIds, sign);
  await addClientBreakdownFigures(db, orgId, sendIds, sign);
}

export async function addLinkFigures(db: EntityManager, orgId: string, sendIds: readonly string[], sign: Sign): Promise<void> {
  if (sendIds.length > 0) await runPrepared(db, LINK_STATS, [orgId, sendIds, sign]);
}

async function addActivityFigures(db: EntityManager, orgId: string, sendIds: readonly string[], sign: Sign): Promise<void> {
  if (sendIds.length > 0) await runPrepared(db, ACTIVITY, [orgId, sendIds, sign]);
}

/** Everything the sends, their links and their activity add to the rollups. */
export async function addAllFigures(db: EntityManager, orgId: string, sendIds: readonly string[], sign: Sign): Promise<void> {
  await addSendFigures(db, orgId, sendIds, sign);
  await addLinkFigures(db, orgId, sendIds, sign);
  await addActivityFigures(db, orgId, sendIds, sign);
}
