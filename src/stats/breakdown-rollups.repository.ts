// The breakdowns by mailbox provider and recipient domain of a whole view
// (the organisation, or one sender's sends), read like the stats cards
// (stats.repository.ts): whole months and days from breakdown_rollups, the
// pending deltas for the span they cover, the partial days (one sender:
// months) at the range's ends from sends themselves, summed per key in one
// statement. The figures are the raw aggregate's (breakdown.repository.ts)
// exactly: every writer of a send's figures also writes its share here
// (src/rollups/breakdown-deltas.ts). Campaigns and templates stay raw: their
// sends are few enough.
import type { DataSource } from 'typeorm';
import { breakdownSums, SEND_GROUPS, sumsOfRow, type BreakdownTarget } from './breakdown.repository';
import type { BreakdownDimension, BreakdownSums } from './breakdowns';
import type { StatsRange } from './range';
import { planRange, type RangePlan } from './range-plan';
import { SqlParameters } from './sql-parameters';
import { AFTER_FOUND, afterCte, type StatsScope } from './stats.repository';

export type SendDimension = keyof typeof SEND_GROUPS;

const FIGURES = 'sends, opened, clicked, human_opened, opens, clicks, mpp_opens';

// One raw send's (`v`) figures, as breakdown_deltas sums them.
const RAW_FIGURES = `1 AS sends, (v.opens > 0 OR v.clicks > 0)::int AS opened, (v.clicks > 0)::int AS clicked,
  (v.opens > v.mpp_opens OR v.clicks > 0)::int AS human_opened, v.opens, v.clicks, v.mpp_opens`;

interface Scoped {
  p: SqlParameters;
  by: SendDimension;
  org: string;
  dimension: string;
  scopeName: string;
  sender: string;
  bySender: boolean;
}

/** The arms reading one plan, each behind `guard`: rollup rows by their primary key, pending deltas, raw sends. */
function armsOf(plan: RangePlan, guard: string, q: Scoped): string[] {
  const { p } = q;
  const rollup = (grain: 'day' | 'month', [from, to]: readonly [string, string]) => `
    SELECT key, ${FIGURES} FROM breakdown_rollups r
    WHERE ${guard} r.org_id = ${q.org} AND r.dimension = ${q.dimension} AND r.scope = ${q.scopeName} AND r.sender_id = ${q.sender}
      AND r.grain = '${grain}' AND r.bucket >= ${p.add(from)}::date AND r.bucket < ${p.add(to)}::date`;
  const arms = [...plan.months.map((months) => rollup('month', months)), ...plan.days.map((days) => rollup('day', days))];
  if (plan.deltas) {
    arms.push(`
      SELECT key, ${FIGURES} FROM breakdown_deltas d
      WHERE ${guard} d.org_id = ${q.org} AND d.dimension = ${q.dimension} ${q.bySender ? `AND d.sender_id = ${q.sender}` : ''}
        AND d.day >= ${p.add(plan.deltas[0])}::date AND d.day < ${p.add(plan.deltas[1])}::date`);
  }
  if (plan.raw.length > 0) {
    const times = plan.raw.map(([from, to]) => `(v.sent_at >= ${p.add(from)}::timestamptz AND v.sent_at < ${p.add(to)}::timestamptz)`);
    arms.push(`
      SELECT ${SEND_GROUPS[q.by]} AS key, ${RAW_FIGURES} FROM sends v
      WHERE ${guard} v.org_id = ${q.org} AND v.tracked ${q.bySender ? `AND v.sender_id = ${q.sender}` : ''} AND (${times.join(' OR ')})`);
  }
  return arms;
}

/** The view's rows by provider or domain, largest first, at most `limit`; view '' like the raw aggregate's. */
export async function rolledUpBreakdownSums(
  db: DataSource,
  scope: StatsScope,
  range: StatsRange,
  by: SendDimension,
  limit: number,
): Promise<BreakdownSums[]> {
  const p = new SqlParameters();
  const bySender = scope.senderId !== null;
  const q: Scoped = {
    p,
    by,
    org: p.add(scope.orgId),
    dimension: p.add(by),
    scopeName: p.add(bySender ? 'sender' : 'org'),
    sender: p.add(scope.senderId ?? ''),
    bySender,
  };
  // A sender has monthly rows only, like its send_stats rows.
  const plans = planRange(range, bySender ? 'months' : 'days');
  const parts = plans.nothingAfter
    ? `${afterCte(range, p, q.org, bySender ? q.sender : null)},
       parts AS (${[...armsOf(plans.exact, `${AFTER_FOUND} AND`, q), ...armsOf(plans.nothingAfter, `NOT ${AFTER_FOUND} AND`, q)].join(' UNION ALL ')})`
    : `parts AS (${armsOf(plans.exact, '', q).join(' UNION ALL ')})`;
  // A key whose sends all moved away or were erased keeps a row of zeros: it is no group.
  const rows: Record<string, string | number>[] = await db.query(
    `WITH ${parts},
     grouped AS (
       SELECT key, sum(sends) AS sends, sum(opened) AS opened, sum(clicked) AS clicked, sum(human_opened) AS human_opened,
              sum(opens) AS opens, sum(clicks) AS clicks, sum(mpp_opens) AS mpp_opens
       FROM parts GROUP BY key HAVING sum(sends) > 0),
     ranked AS (
       SELECT g.*, sum(g.sends) OVER () AS view_sends, row_number() OVER (ORDER BY g.sends DESC, g.key) AS rank FROM grouped g)
     SELECT '' AS view, * FROM ranked WHERE rank <= ${p.add(limit)} ORDER BY rank`,
    p.values,
  );
  return rows.map(sumsOfRow);
}

/**
 * Each view's rows: the whole view's providers and domains from their
 * rollups (a quarter of a million sends in 90 days is too many to group at
 * each read); campaigns, templates, clients and devices from the sends they group.
 */
export function viewBreakdownSums(
  db: DataSource,
  scope: StatsScope,
  target: BreakdownTarget,
  range: StatsRange,
  by: BreakdownDimension,
  keys: readonly string[],
  limit: number,
): Promise<BreakdownSums[]> {
  if (target === 'all' && (by === 'MAILBOX_PROVIDER' || by === 'RECIPIENT_DOMAIN')) return rolledUpBreakdownSums(db, scope, range, by, limit);
  return breakdownSums(db, scope, target, range, by, keys, limit);
}
