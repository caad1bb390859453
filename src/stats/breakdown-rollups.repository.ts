// The breakdowns of a whole view (the organisation, or one sender's sends),
// by each dimension, read like the stats cards
// (stats.repository.ts): whole months and days from breakdown_rollups, the
// pending deltas for the span they cover, the partial days (one sender:
// months) at the range's ends from sends themselves, summed per key in one
// statement. The figures are the raw aggregate's (breakdown.repository.ts)
// exactly: every writer of a send's figures also writes its share here
// (src/rollups/breakdown-deltas.ts, client-breakdown-deltas.ts). Campaigns
// and templates stay raw: their sends are few enough. A client's or a
// device's rates are over the view's tracked sends: the sum of the provider
// rows, read in the same statement.
import type { DataSource } from 'typeorm';
import { breakdownSums, SEND_GROUPS, sumsOfRow, type BreakdownTarget } from './breakdown.repository';
import type { BreakdownDimension, BreakdownSums } from './breakdowns';
import type { StatsRange } from './range';
import { planRange, type RangePlan } from './range-plan';
import { SqlParameters } from './sql-parameters';
import { AFTER_FOUND, afterCte, type StatsScope } from './stats.repository';

type SendDimension = keyof typeof SEND_GROUPS;
const isSendDimension = (by: BreakdownDimension): by is SendDimension => by in SEND_GROUPS;

const FIGURES = 'dimension, key, sends, opened, clicked, human_opened, opens, clicks, mpp_opens';

// One raw send's (`v`) figures, as breakdown_deltas sums them.
const RAW_FIGURES = `1 AS sends, (v.opens > 0 OR v.clicks > 0)::int AS opened, (v.clicks > 0)::int AS clicked,
  (v.opens > v.mpp_opens OR v.clicks > 0)::int AS human_opened, v.opens, v.clicks, v.mpp_opens`;

// One raw send's (`v`) client counters (`c`) per client or device, as the raw aggregate reads them.
const rawClients = (by: 'EMAIL_CLIENT' | 'DEVICE', org: string) => `
  SELECT '${by}' AS dimension, c.key, 1 AS sends, (c.opens > 0)::int AS opened, (c.clicks > 0)::int AS clicked,
         (c.opens > c.mpp_opens OR c.clicks > 0)::int AS human_opened, c.opens, c.clicks, c.mpp_opens
  FROM sends v CROSS JOIN LATERAL (
    SELECT c.${by === 'EMAIL_CLIENT' ? 'client' : 'device'} AS key, sum(c.opens) AS opens, sum(c.clicks) AS clicks, sum(c.mpp_opens) AS mpp_opens
    FROM send_clients c WHERE c.org_id = ${org} AND c.send_id = v.id
    GROUP BY 1 HAVING sum(c.opens) + sum(c.clicks) > 0) c`;

interface Scoped {
  p: SqlParameters;
  by: BreakdownDimension;
  /** the dimension whose rows sum to the view's sends: by's own, or for clients the providers' */
  total: SendDimension;
  org: string;
  /** the dimensions read: by and total (lazy, like scopeName: a range read from raw sends alone has no rollup or delta arm) */
  dimensions: () => string;
  scopeName: () => string;
  sender: () => string;
  bySender: boolean;
}

/** The arms reading one plan, each behind `guard`: rollup rows by their primary key, pending deltas, raw sends. */
function armsOf(plan: RangePlan, guard: string, q: Scoped): string[] {
  const { p } = q;
  const rollup = (grain: 'day' | 'month', [from, to]: readonly [string, string]) => `
    SELECT ${FIGURES} FROM breakdown_rollups r
    WHERE ${guard} r.org_id = ${q.org} AND r.dimension = ANY(${q.dimensions()}::text[]) AND r.scope = ${q.scopeName()} AND r.sender_id = ${q.sender()}
      AND r.grain = '${grain}' AND r.bucket >= ${p.add(from)}::date AND r.bucket < ${p.add(to)}::date`;
  const arms = [...plan.months.map((months) => rollup('month', months)), ...plan.days.map((days) => rollup('day', days))];
  if (plan.deltas) {
    arms.push(`
      SELECT ${FIGURES} FROM breakdown_deltas d
      WHERE ${guard} d.org_id = ${q.org} AND d.dimension = ANY(${q.dimensions()}::text[]) ${q.bySender ? `AND d.sender_id = ${q.sender()}` : ''}
        AND d.day >= ${p.add(plan.deltas[0])}::date AND d.day < ${p.add(plan.deltas[1])}::date`);
  }
  if (plan.raw.length > 0) {
    const times = plan.raw.map(([from, to]) => `(v.sent_at >= ${p.add(from)}::timestamptz AND v.sent_at < ${p.add(to)}::timestamptz)`);
    const where = `WHERE ${guard} v.org_id = ${q.org} AND v.tracked ${q.bySender ? `AND v.sender_id = ${q.sender()}` : ''} AND (${times.join(' OR ')})`;
    arms.push(`SELECT '${q.total}' AS dimension, ${SEND_GROUPS[q.total]} AS key, ${RAW_FIGURES} FROM sends v ${where}`);
    // Only sends with a counted event have client counters (the writer keeps both).
    if (!isSendDimension(q.by)) arms.push(`${rawClients(q.by, q.org)} ${where} AND (v.opens > 0 OR v.clicks > 0)`);
  }
  return arms;
}

/** The view's rows, largest first, at most `limit`; view '' like the raw aggregate's. */
export async function rolledUpBreakdownSums(
  db: DataSource,
  scope: StatsScope,
  range: StatsRange,
  by: BreakdownDimension,
  limit: number,
): Promise<BreakdownSums[]> {
  const p = new SqlParameters();
  const bySender = scope.senderId !== null;
  const total = isSendDimension(by) ? by : 'MAILBOX_PROVIDER';
  const q: Scoped = {
    p,
    by,
    total,
    org: p.add(scope.orgId),
    dimensions: p.lazy([...new Set([by, total])]),
    scopeName: p.lazy(bySender ? 'sender' : 'org'),
    sender: p.lazy(scope.senderId ?? ''),
    bySender,
  };
  // A sender has monthly rows only, like its send_stats rows.
  const plans = planRange(range, bySender ? 'months' : 'days');
  const parts = plans.nothingAfter
    ? `${afterCte(range, p, q.org, bySender ? q.sender() : null)},
       parts AS (${[...armsOf(plans.exact, `${AFTER_FOUND} AND`, q), ...armsOf(plans.nothingAfter, `NOT ${AFTER_FOUND} AND`, q)].join(' UNION ALL ')})`
    : `parts AS (${armsOf(plans.exact, '', q).join(' UNION ALL ')})`;
  // A key whose sends all moved away or were erased keeps a row of zeros: it is no group.
  const rows: Record<string, string | number>[] = await db.query(
    `WITH ${parts},
     grouped AS (
       SELECT key, sum(sends) AS sends, sum(opened) AS opened, sum(clicked) AS clicked, sum(human_opened) AS human_opened,
              sum(opens) AS opens, sum(clicks) AS clicks, sum(mpp_opens) AS mpp_opens
       FROM parts WHERE dimension = ${p.add(by)} GROUP BY key HAVING sum(sends) > 0),
     ranked AS (SELECT g.*, row_number() OVER (ORDER BY g.sends DESC, g.key) AS rank FROM grouped g)
     SELECT '' AS view, r.*, (SELECT sum(sends) FROM parts WHERE dimension = ${p.add(total)}) AS view_sends
     FROM ranked r WHERE r.rank <= ${p.add(limit)} ORDER BY r.rank`,
    p.values,
  );
  return rows.map(sumsOfRow);
}

/**
 * Each view's rows: the whole view's from the rollups (a quarter of a
 * million sends in 90 days is too many to group at each read); a campaign's
 * or a template's from the sends they group.
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
  if (target === 'all') return rolledUpBreakdownSums(db, scope, range, by, limit);
  return breakdownSums(db, scope, target, range, by, keys, limit);
}
