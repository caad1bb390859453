// LinkStat SQL: per link key (its data-track-name, or its URL when unnamed),
// counted clicks and the sends that clicked it, with the first URL seen
// under the key. The organisation's figures sum monthly rollups
// (send_link_stats, migrations 1764300000001 and 1765050000000) and pending
// deltas for whole months, and (send, key) pairs from send_links for the
// partial months at the range's ends. One sender's come from its own sends
// directly.
import type { DataSource } from 'typeorm';
import type { DrillDownKind } from './drill-down.repository';
import type { StatsRange } from './range';
import { planRange, type Interval, type RangePlan } from './range-plan';
import { SqlParameters } from './sql-parameters';
import { AFTER_FOUND, afterCte, type StatsScope } from './stats.repository';

export interface LinkStatRow {
  key: string;
  /** the first URL seen under the link's key in the range */
  url: string;
  /** its data-track-name; null for links grouped by URL */
  name: string | null;
  clicks: number;
  uniqueClicks: number;
}

interface Query {
  kind: DrillDownKind;
  p: SqlParameters;
  org: string;
  keys: string;
  /** the sender's placeholder, null for the organisation */
  sender: string | null;
}

/**
 * (send, link key) pairs of the keys' sends in the given send times: a key at
 * two positions of one send counts that send once; its URL there is the
 * lowest position's. Sends through
 * sends_campaign_idx / sends_template_idx (sends_sender_campaign_idx /
 * _template_idx for one sender), their links by send_links' primary key.
 */
function rawPairs(q: Query, times: readonly Interval[], guard: string): string {
  const key = q.kind === 'campaign' ? 's.campaign_id' : `coalesce(s.template_id, '')`;
  const match = q.kind === 'campaign' ? `s.campaign_id = ANY(${q.keys})` : `(s.template_id = ANY(${q.keys}) OR (s.template_id IS NULL AND '' = ANY(${q.keys})))`;
  const when = times.map(([from, to]) => `(s.sent_at >= ${q.p.add(from)}::timestamptz AND s.sent_at < ${q.p.add(to)}::timestamptz)`);
  return `
    SELECT key, link_key, name, url, first_sent_at, positions, clicks, (clicks > 0)::int AS clicked FROM (
      SELECT ${key} AS key, s.id, l.link_key, max(l.name) AS name, (array_agg(l.url ORDER BY l.position))[1] AS url,
             min(s.sent_at) AS first_sent_at, count(*) AS positions, sum(l.clicks) AS clicks
      FROM sends s JOIN send_links l ON l.org_id = s.org_id AND l.send_id = s.id
      WHERE ${guard} s.org_id = ${q.org} ${q.sender === null ? '' : `AND s.sender_id = ${q.sender}`} AND ${match} AND (${when.join(' OR ')})
      GROUP BY 1, 2, 3) per_send`;
}

/** Whole months: the primary key for campaigns, send_link_stats_template_idx for templates; pending deltas alike. */
function armsOf(q: Query, plan: RangePlan, guard: string): string[] {
  const column = `${q.kind}_key`;
  const arms = plan.months.flatMap(([from, to]) => {
    const [low, high] = [q.p.add(from), q.p.add(to)];
    return ['send_link_stats', 'send_link_stats_deltas'].map(
      (table) => `
        SELECT r.${column} AS key, r.link_key, r.name, r.url, r.first_sent_at, r.positions, r.clicks, r.clicked FROM ${table} r
        WHERE ${guard} r.org_id = ${q.org} AND r.${column} = ANY(${q.keys}) AND r.month >= ${low}::date AND r.month < ${high}::date`,
    );
  });
  if (plan.raw.length > 0) arms.push(rawPairs(q, plan.raw, guard));
  return arms;
}

function partsSql(range: StatsRange, q: Query): string {
  const from = range.from?.toISOString() ?? '-infinity';
  if (q.sender !== null) return `parts AS (${rawPairs(q, [[from, range.to.toISOString()]], '')})`;
  const plans = planRange(range, 'months');
  if (!plans.nothingAfter) return `parts AS (${armsOf(q, plans.exact, '').join(' UNION ALL ')})`;
  const arms = [...armsOf(q, plans.exact, `${AFTER_FOUND} AND`), ...armsOf(q, plans.nothingAfter, `NOT ${AFTER_FOUND} AND`)];
  return `${afterCte(range, q.p, q.org, null)}, parts AS (${arms.join(' UNION ALL ')})`;
}

export async function linkStats(db: DataSource, scope: StatsScope, kind: DrillDownKind, range: StatsRange, keys: readonly string[]): Promise<LinkStatRow[]> {
  const p = new SqlParameters();
  const q: Query = { kind, p, org: p.add(scope.orgId), keys: p.add([...keys]), sender: scope.senderId === null ? null : p.add(scope.senderId) };
  // The URL of the earliest send under the key (rows from before names existed carry no time: their URL is their key).
  const rows: { key: string; url: string; name: string | null; clicks: string; unique_clicks: string }[] = await db.query(
    `WITH ${partsSql(range, q)}
     SELECT key, (array_agg(url ORDER BY first_sent_at NULLS LAST) FILTER (WHERE url IS NOT NULL))[1] AS url, max(name) AS name,
            sum(clicks) AS clicks, sum(clicked) AS unique_clicks
     FROM parts GROUP BY key, link_key HAVING sum(positions) > 0
     ORDER BY key, sum(clicks) DESC, sum(clicked) DESC, link_key`,
    p.values,
  );
  return rows.map((row) => ({ key: row.key, url: row.url, name: row.name, clicks: Number(row.clicks), uniqueClicks: Number(row.unique_clicks) }));
}
