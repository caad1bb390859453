// The aggregate stats SQL: one statement sums rollup rows (whole months, whole
// days), pending deltas and raw sends (the partial days or months at the
// range's ends), grouped as the caller needs. All of it is scoped by
// organisation and, for partner/sales_rep/member, by sender.
import type { DataSource } from 'typeorm';
import { sumsFromRow, type StatsSums, type SumsRow } from './engagement';
import type { StatsRange } from './range';
import { planRange, type RangePlan } from './range-plan';
import { SqlParameters } from './sql-parameters';

export interface StatsScope {
  readonly orgId: string;
  /** null: the whole organisation */
  readonly senderId: string | null;
}

export type StatsGrouping = 'campaign' | 'template' | 'campaign_template';

/** Which sends: all, those of some campaigns or templates (keys: '' is ad-hoc), or those with a campaign. */
export type StatsFilter =
  | { kind: 'all' }
  | { kind: 'with-campaign' }
  | { kind: 'campaigns'; keys: readonly string[] }
  | { kind: 'templates'; keys: readonly string[] };

export interface GroupedSums {
  campaignKey: string;
  templateKey: string;
  /** the campaign's name for 'campaign' grouping, the template's otherwise */
  name: string | null;
  sums: StatsSums;
}

const FIGURES = ['sends', 'untracked_sends', 'failed', 'opened', 'clicked', 'human_opened', 'opens', 'clicks', 'mpp_opens', 'bot_opens', 'bot_clicks'];
const SUM_COLUMNS = `${FIGURES.join(', ')}, last_sent_at`;

// Per send, the same figures the trigger sums into deltas (migration 1764600000001):
// everything over tracked sends, untracked ones counted apart.
const RAW_FIGURES = `coalesce(s.campaign_id, '') AS campaign_key, coalesce(s.template_id, '') AS template_key,
  s.tracked::int AS sends, (NOT s.tracked)::int AS untracked_sends, (s.tracked AND s.status = 'FAILED')::int AS failed,
  (s.tracked AND (s.opens > 0 OR s.clicks > 0))::int AS opened, (s.tracked AND s.clicks > 0)::int AS clicked,
  (s.tracked AND (s.opens > s.mpp_opens OR s.clicks > 0))::int AS human_opened,
  s.tracked::int * s.opens AS opens, s.tracked::int * s.clicks AS clicks, s.tracked::int * s.mpp_opens AS mpp_opens,
  s.tracked::int * s.bot_opens AS bot_opens, s.tracked::int * s.bot_clicks AS bot_clicks, s.sent_at AS last_sent_at`;

const TOTALS = `${FIGURES.map((figure) => `sum(${figure}) AS ${figure}`).join(', ')}, max(last_sent_at) AS last_sent_at`;

function keyCondition(filter: StatsFilter, alias: 'r' | 'd' | 's', keys: () => string): string {
  const raw = alias === 's';
  switch (filter.kind) {
    case 'all':
      return '';
    case 'with-campaign':
      return raw ? `AND s.campaign_id <> ''` : `AND ${alias}.campaign_key <> ''`;
    case 'campaigns':
      return raw ? `AND s.campaign_id = ANY(${keys()})` : `AND ${alias}.campaign_key = ANY(${keys()})`;
    case 'templates':
      return raw ? `AND coalesce(s.template_id, '') = ANY(${keys()})` : `AND ${alias}.template_key = ANY(${keys()})`;
  }
}

interface Scoped {
  scope: StatsScope;
  filter: StatsFilter;
  p: SqlParameters;
  org: () => string;
  scopeName: () => string;
  sender: () => string;
  keys: () => string;
}

/**
 * The arms reading one plan, each behind `guard`. Rollup arms are range scans
 * of the primary key, or of send_stats_rollups_campaign_idx / _template_idx
 * when filtered by keys; the raw arm scans sends_sent_at_idx over at most two
 * partial days for the organisation, sends_sender_idx over at most two partial
 * months for one sender (or sends_campaign_idx for a few campaigns).
 */
function armsOf(plan: RangePlan, guard: string, q: Scoped): string[] {
  const { p, filter } = q;
  const bySender = q.scope.senderId !== null;
  const rollup = (grain: 'day' | 'month', [from, to]: readonly [string, string]) => `
    SELECT campaign_key, template_key, ${SUM_COLUMNS} FROM send_stats_rollups r
    WHERE ${guard} r.org_id = ${q.org()} AND r.scope = ${q.scopeName()} AND r.sender_id = ${q.sender()} AND r.grain = '${grain}'
      AND r.bucket >= ${p.add(from)}::date AND r.bucket < ${p.add(to)}::date ${keyCondition(filter, 'r', q.keys)}`;
  const arms = [...plan.months.map((months) => rollup('month', months)), ...plan.days.map((days) => rollup('day', days))];
  if (plan.deltas) {
    arms.push(`
      SELECT campaign_key, template_key, ${SUM_COLUMNS} FROM send_stats_deltas d
      WHERE ${guard} d.org_id = ${q.org()} ${bySender ? `AND d.sender_id = ${q.sender()}` : ''}
        AND d.day >= ${p.add(plan.deltas[0])}::date AND d.day < ${p.add(plan.deltas[1])}::date ${keyCondition(filter, 'd', q.keys)}`);
  }
  if (plan.raw.length > 0) {
    const times = plan.raw.map(([from, to]) => `(s.sent_at >= ${p.add(from)}::timestamptz AND s.sent_at < ${p.add(to)}::timestamptz)`);
    arms.push(`
      SELECT ${RAW_FIGURES} FROM sends s
      WHERE ${guard} s.org_id = ${q.org()} ${bySender ? `AND s.sender_id = ${q.sender()}` : ''}
        AND (${times.join(' OR ')}) ${keyCondition(filter, 's', q.keys)}`);
  }
  return arms;
}

/**
 * The CTE `parts`, the rows making up the range: the exact plan, or when
 * nothing lies after the range's end, the cheaper plan reading its last month
 * whole (and then the CTE `after` too).
 */
function partsSql(scope: StatsScope, range: StatsRange, filter: StatsFilter, p: SqlParameters): string {
  const keys = filter.kind === 'campaigns' || filter.kind === 'templates' ? [...filter.keys] : [];
  const q: Scoped = {
    scope,
    filter,
    p,
    org: p.lazy(scope.orgId),
    scopeName: p.lazy(scope.senderId === null ? 'org' : 'sender'),
    sender: p.lazy(scope.senderId ?? ''),
    keys: p.lazy(keys),
  };
  q.org(); // $1, which the names join of groupedSums uses
  // A sender has monthly rows only (migration 1764300000000).
  const plans = planRange(range, scope.senderId === null ? 'days' : 'months');
  if (!plans.nothingAfter) return `parts AS (${armsOf(plans.exact, '', q).join(' UNION ALL ')})`;
  const arms = [...armsOf(plans.exact, `${AFTER_FOUND} AND`, q), ...armsOf(plans.nothingAfter, `NOT ${AFTER_FOUND} AND`, q)];
  return `${afterCte(range, p, q.org(), scope.senderId === null ? null : q.sender())}, parts AS (${arms.join(' UNION ALL ')})`;
}

/** True when the `after` CTE found a visible send at or after the range's end. */
export const AFTER_FOUND = '(SELECT found FROM after)';

/**
 * The CTE `after`: is there a visible send at or after the range's end? One
 * probe of sends_sent_at_idx (sends_sender_idx for one sender). In the same
 * snapshot as the rest of the statement, so the choice of plan is exact.
 */
export function afterCte(range: StatsRange, p: SqlParameters, org: string, sender: string | null): string {
  return `
    after AS MATERIALIZED (
      SELECT EXISTS (SELECT 1 FROM sends s WHERE s.org_id = ${org} ${sender === null ? '' : `AND s.sender_id = ${sender}`}
                     AND s.sent_at >= ${p.add(range.to.toISOString())}::timestamptz) AS found)`;
}

/** Sums over every matching send in the range (zeros when there is none). */
export async function totalSums(db: DataSource, scope: StatsScope, range: StatsRange, filter: StatsFilter): Promise<StatsSums> {
  const p = new SqlParameters();
  const [row]: SumsRow[] = await db.query(`WITH ${partsSql(scope, range, filter, p)} SELECT ${TOTALS} FROM parts`, p.values);
  return sumsFromRow(row);
}

const NAMES: Record<StatsGrouping, { columns: string; join: string }> = {
  campaign: { columns: 'campaign_key', join: 'LEFT JOIN campaigns n ON n.org_id = $1 AND n.id = g.campaign_key' },
  template: { columns: 'template_key', join: 'LEFT JOIN templates n ON n.org_id = $1 AND n.id = g.template_key' },
  campaign_template: { columns: 'campaign_key, template_key', join: 'LEFT JOIN templates n ON n.org_id = $1 AND n.id = g.template_key' },
};

/** Sums per group with at least one send in the range, tracked or not, newest last send first. */
export async function groupedSums(
  db: DataSource,
  scope: StatsScope,
  range: StatsRange,
  filter: StatsFilter,
  grouping: StatsGrouping,
): Promise<GroupedSums[]> {
  const p = new SqlParameters();
  const { columns, join } = NAMES[grouping];
  const rows: (SumsRow & { campaign_key?: string; template_key?: string; name: string | null })[] = await db.query(
    `WITH ${partsSql(scope, range, filter, p)},
     grouped AS (SELECT ${columns}, ${TOTALS} FROM parts GROUP BY ${columns} HAVING sum(sends) + sum(untracked_sends) > 0)
     SELECT g.*, n.name FROM grouped g ${join}
     ORDER BY g.last_sent_at DESC, ${columns}`,
    p.values,
  );
  return rows.map((row) => ({
    campaignKey: row.campaign_key ?? '',
    templateKey: row.template_key ?? '',
    name: row.name,
    sums: sumsFromRow(row),
  }));
}
