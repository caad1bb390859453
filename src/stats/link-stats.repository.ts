// LinkStat SQL: per original URL, counted clicks and the sends that clicked it.
// The organisation's figures sum monthly rollups (send_link_stats, migration
// 1764300000001) and pending deltas for whole months, and (send, URL) pairs
// from send_links for the partial months at the range's ends. One sender's
// come from its own sends directly.
import type { DataSource } from 'typeorm';
import type { DrillDownKind } from './drill-down.repository';
import type { StatsRange } from './range';
import { planRange, type Interval, type RangePlan } from './range-plan';
import { SqlParameters } from './sql-parameters';
import { AFTER_FOUND, afterCte, type StatsScope } from './stats.repository';

export interface LinkStatRow {
  key: string;
  url: string;
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
 * (send, URL) pairs of the keys' sends in the given send times: a URL at two
 * positions of one send counts that send once. Sends through
 * sends_campaign_idx / sends_template_idx (sends_sender_campaign_idx /
 * _template_idx for one sender), their links by send_links' primary key.
 */
function rawPairs(q: Query, times: readonly Interval[], guard: string): string {
  const key = q.kind === 'campaign' ? 's.campaign_id' : `coalesce(s.template_id, '')`;
  const match = q.kind === 'campaign' ? `s.campaign_id = ANY(${q.keys})` : `(s.template_id = ANY(${q.keys}) OR (s.template_id IS NULL AND '' = ANY(${q.keys})))`;
  const when = times.map(([from, to]) => `(s.sent_at >= ${q.p.add(from)}::timestamptz AND s.sent_at < ${q.p.add(to)}::timestamptz)`);
  return `
    SELECT key, url, positions, clicks, (clicks > 0)::int AS clicked FROM (
      SELECT ${key} AS key, s.id, l.url, count(*) AS positions, sum(l.clicks) AS clicks
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
        SELECT r.${column} AS key, r.url, r.positions, r.clicks, r.clicked FROM ${table} r
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
  const rows: { key: string; url: string; clicks: string; unique_clicks: string }[] = await db.query(
    `WITH ${partsSql(range, q)}
     SELECT key, url, sum(clicks) AS clicks, sum(clicked) AS unique_clicks
     FROM parts GROUP BY key, url HAVING sum(positions) > 0
     ORDER BY key, sum(clicks) DESC, sum(clicked) DESC, url`,
    p.values,
  );
  return rows.map((row) => ({ key: row.key, url: row.url, clicks: Number(row.clicks), uniqueClicks: Number(row.unique_clicks) }));
}
