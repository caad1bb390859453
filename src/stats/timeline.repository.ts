// Timeline SQL: the activity of the visible tracked sends in a range (by send
// time), summed per point of a series (by event time). The whole view is
// planned as the figures are (range-plan.ts): whole send months and days from
// send_activity_rollups plus pending deltas, the partial ones from sends
// joined to their send_activity rows. A campaign's or template's is read from
// its sends' rows (migration 1764600000002 says why). Never tracking_events,
// which retention prunes.
import type { DataSource } from 'typeorm';
import type { StatsRange } from './range';
import { planRange, type RangePlan, type RangePlans } from './range-plan';
import { SqlParameters } from './sql-parameters';
import { AFTER_FOUND, afterCte, type StatsScope } from './stats.repository';

/** Whose timeline: the whole view, or per campaign or per template (key '' is ad-hoc). */
export type TimelineTarget = 'all' | 'campaign' | 'template';

export interface PointSums {
  key: string;
  /** 1-based index into the thresholds */
  point: number;
  opens: number;
  clicks: number;
  mppOpens: number;
  botOpens: number;
  botClicks: number;
}

export interface Buckets {
  /** the points' starts, ascending: an event counts in the last point at or before it */
  thresholds: readonly Date[];
  /** where the last point ends */
  end: Date;
}

const COUNTS = 'opens, clicks, mpp_opens, bot_opens, bot_clicks';

interface Query {
  target: TimelineTarget;
  p: SqlParameters;
  org: string;
  keys: () => string;
  /** the sender's placeholder, null for the whole organisation */
  sender: (() => string) | null;
  /** the condition keeping a column of 15-minute bucket starts within the series */
  window: (column: string) => string;
}

/** Sends in the given send times joined to their activity: sends_sent_at_idx, _campaign_idx, _template_idx (the _sender_ ones for one sender), then send_activity's primary key. */
function rawArm(q: Query, times: RangePlan['raw'], guard: string): string {
  const key = { all: `''`, campaign: 's.campaign_id', template: `coalesce(s.template_id, '')` }[q.target];
  // Built only for the target: an unused placeholder is an error in PostgreSQL.
  const match =
    q.target === 'all'
      ? ''
      : q.target === 'campaign'
        ? `AND s.campaign_id = ANY(${q.keys()})`
        : `AND (s.template_id = ANY(${q.keys()}) OR (s.template_id IS NULL AND '' = ANY(${q.keys()})))`;
  const when = times.map(([from, to]) => `(s.sent_at >= ${q.p.add(from)}::timestamptz AND s.sent_at < ${q.p.add(to)}::timestamptz)`);
  return `
    SELECT ${key} AS key, a.at, a.opens, a.clicks, a.mpp_opens, a.bot_opens, a.bot_clicks
    FROM sends s JOIN send_activity a ON a.org_id = s.org_id AND a.send_id = s.id AND ${q.window('a.at')}
    WHERE ${guard} s.org_id = ${q.org} AND s.tracked ${q.sender ? `AND s.sender_id = ${q.sender()}` : ''} ${match} AND (${when.join(' OR ')})`;
}

/** The whole view's rollup rows by the primary key of send_activity_rollups; pending deltas by a scan of the (small) delta table. */
function armsOf(q: Query, plan: RangePlan, guard: string): string[] {
  const scope = q.sender ? `r.scope = 'sender' AND r.sender_id = ${q.sender()}` : `r.scope = 'org' AND r.sender_id = ''`;
  const rollup = (grain: 'day' | 'month', [from, to]: readonly [string, string]) => `
    SELECT '' AS key, r.at, ${COUNTS} FROM send_activity_rollups r
    WHERE ${guard} r.org_id = ${q.org} AND ${scope} AND r.grain = '${grain}'
      AND r.send_bucket >= ${q.p.add(from)}::date AND r.send_bucket < ${q.p.add(to)}::date AND ${q.window('r.at')}`;
  const arms = [...plan.months.map((months) => rollup('month', months)), ...plan.days.map((days) => rollup('day', days))];
  if (plan.deltas) {
    arms.push(`
      SELECT '' AS key, d.at, ${COUNTS} FROM send_activity_deltas d
      WHERE ${guard} d.org_id = ${q.org} ${q.sender ? `AND d.sender_id = ${q.sender()}` : ''}
        AND d.send_day >= ${q.p.add(plan.deltas[0])}::date AND d.send_day < ${q.p.add(plan.deltas[1])}::date
        AND ${q.window('d.at')}`);
  }
  if (plan.raw.length > 0) arms.push(rawArm(q, plan.raw, guard));
  return arms;
}

/**
 * Which rows exist: the organisation's whole view by day and month, a
 * sender's by month; a campaign or template is read from its sends alone.
 */
function plansFor(scope: StatsScope, target: TimelineTarget, range: StatsRange): RangePlans {
  if (target !== 'all') {
    return { exact: { raw: [[range.from?.toISOString() ?? '-infinity', range.to.toISOString()]], days: [], months: [], deltas: null }, nothingAfter: null };
  }
  return planRange(range, scope.senderId === null ? 'days' : 'months');
}

/** Sums per key and point, non-empty ones only, in one statement. */
export async function pointSums(
  db: DataSource,
  scope: StatsScope,
  target: TimelineTarget,
  range: StatsRange,
  keys: readonly string[],
  buckets: Buckets,
): Promise<PointSums[]> {
  const p = new SqlParameters();
  const org = p.add(scope.orgId);
  const thresholds = p.add(buckets.thresholds.map((at) => at.toISOString()));
  const end = p.add(buckets.end.toISOString());
  const window = (column: string) => `${column} >= (${thresholds}::timestamptz[])[1] AND ${column} < ${end}::timestamptz`;
  const sender = scope.senderId === null ? null : p.lazy(scope.senderId);
  const q: Query = { target, p, org, keys: p.lazy([...keys]), sender, window };
  const plans = plansFor(scope, target, range);
  let ctes: string;
  if (!plans.nothingAfter) ctes = `parts AS (${armsOf(q, plans.exact, '').join(' UNION ALL ')})`;
  else {
    const arms = [...armsOf(q, plans.exact, `${AFTER_FOUND} AND`), ...armsOf(q, plans.nothingAfter, `NOT ${AFTER_FOUND} AND`)];
    ctes = `${afterCte(range, p, org, sender && sender())}, parts AS (${arms.join(' UNION ALL ')})`;
  }
  const rows: Record<string, string | number>[] = await db.query(
    `WITH ${ctes}
     SELECT key, width_bucket(at, ${thresholds}::timestamptz[]) AS point,
            sum(opens) AS opens, sum(clicks) AS clicks, sum(mpp_opens) AS mpp_opens, sum(bot_opens) AS bot_opens, sum(bot_clicks) AS bot_clicks
     FROM parts GROUP BY 1, 2`,
    p.values,
  );
  return rows.map((row) => ({
    key: String(row.key),
    point: Number(row.point),
    opens: Number(row.opens),
    clicks: Number(row.clicks),
    mppOpens: Number(row.mpp_opens),
    botOpens: Number(row.bot_opens),
    botClicks: Number(row.bot_clicks),
  }));
}

/** Each key's first visible send, tracked or not (where a series without a range start begins): one probe of a send-time index per key. */
export async function firstSends(db: DataSource, scope: StatsScope, target: TimelineTarget, keys: readonly string[]): Promise<Map<string, Date>> {
  const p = new SqlParameters();
  const org = p.add(scope.orgId);
  const by = scope.senderId === null ? '' : `AND s.sender_id = ${p.add(scope.senderId)}`;
  const first = (match: string) => `(SELECT s.sent_at FROM sends s WHERE s.org_id = ${org} ${by} ${match} ORDER BY s.sent_at LIMIT 1)`;
  const probe = {
    all: first(''),
    campaign: first('AND s.campaign_id = k.key'),
    template: `CASE WHEN k.key = '' THEN ${first('AND s.template_id IS NULL')} ELSE ${first('AND s.template_id = k.key')} END`,
  }[target];
  const rows: { key: string; first: Date | null }[] = await db.query(
    `SELECT k.key, ${probe} AS first FROM unnest(${p.add([...keys])}::text[]) AS k(key)`,
    p.values,
  );
  return new Map(rows.filter((row) => row.first !== null).map((row) => [row.key, row.first as Date]));
}
