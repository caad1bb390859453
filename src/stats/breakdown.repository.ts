// Breakdown SQL (contract section 13): one aggregate with GROUP BY per
// dimension over the view's tracked sends in range, for many views at once
// (the whole organisation, or several campaigns or templates: one DataLoader
// batch). Providers and domains group the sends themselves; clients and
// devices group the per-send client counters (send_clients) of those sends.
// Scoped by organisation and, for partner/sales_rep/member, by sender.
import type { DataSource } from 'typeorm';
import { ERASED_DOMAIN, type BreakdownDimension, type BreakdownSums } from './breakdowns';
import type { StatsRange } from './range';
import { SqlParameters } from './sql-parameters';
import type { StatsScope } from './stats.repository';

/** Whose sends: the whole view, or campaigns or templates by key ('' is ad-hoc for templates). */
export type BreakdownTarget = 'all' | 'campaign' | 'template';

/** The group of each of the view's sends (`v`) when a send has one group: its provider or its domain. */
export const SEND_GROUPS: Record<'MAILBOX_PROVIDER' | 'RECIPIENT_DOMAIN', string> = {
  MAILBOX_PROVIDER: 'v.mailbox_provider',
  RECIPIENT_DOMAIN: `coalesce(v.recipient_domain, '${ERASED_DOMAIN}')`,
};

function viewSql(target: BreakdownTarget, p: SqlParameters, keys: readonly string[]): { view: string; match: string } {
  if (target === 'all') return { view: `''`, match: 'TRUE' };
  const list = p.add([...keys]);
  if (target === 'campaign') return { view: 's.campaign_id', match: `s.campaign_id = ANY(${list})` };
  return { view: `coalesce(s.template_id, '')`, match: `(s.template_id = ANY(${list}) OR (s.template_id IS NULL AND '' = ANY(${list})))` };
}

/**
 * The rows of each view, largest first, at most `limit` per view. The view's
 * sends are read once (sends_sent_at_idx for the organisation,
 * sends_campaign_idx / sends_template_idx per key, the sender's indexes for
 * one sender); clients join send_clients by its primary key per send.
 */
export async function breakdownSums(
  db: DataSource,
  scope: StatsScope,
  target: BreakdownTarget,
  range: StatsRange,
  by: BreakdownDimension,
  keys: readonly string[],
  limit: number,
): Promise<BreakdownSums[]> {
  const p = new SqlParameters();
  const org = p.add(scope.orgId);
  const sender = scope.senderId === null ? '' : `AND s.sender_id = ${p.add(scope.senderId)}`;
  const times = `s.sent_at >= ${p.add(range.from?.toISOString() ?? '-infinity')}::timestamptz AND s.sent_at < ${p.add(range.to.toISOString())}::timestamptz`;
  const { view, match } = viewSql(target, p, keys);
  const viewSends = `SELECT ${view} AS view, s.id, s.opens, s.clicks, s.mpp_opens, s.mailbox_provider, s.recipient_domain
    FROM sends s WHERE s.org_id = ${org} AND s.tracked AND ${times} ${sender} AND ${match}`;
  // One row per send and group, with that group's counted opens, clicks and MPP opens. Clients: only sends
  // with a counted event have counters, each probed by send_clients' primary key (LATERAL: never a hash
  // join over the organisation's whole table).
  const column = by === 'EMAIL_CLIENT' ? 'client' : 'device';
  const perSend =
    by === 'EMAIL_CLIENT' || by === 'DEVICE'
      ? `SELECT v.view, v.id, c.key, c.opens, c.clicks, c.mpp_opens FROM v CROSS JOIN LATERAL (
           SELECT c.${column} AS key, sum(c.opens) AS opens, sum(c.clicks) AS clicks, sum(c.mpp_opens) AS mpp_opens
           FROM send_clients c WHERE c.org_id = ${org} AND c.send_id = v.id
           GROUP BY 1 HAVING sum(c.opens) + sum(c.clicks) > 0) c
         WHERE v.opens > 0 OR v.clicks > 0`
      : `SELECT v.view, v.id, ${SEND_GROUPS[by]} AS key, v.opens, v.clicks, v.mpp_opens FROM v`;
  // "opened" for a client: a counted open from it; for a provider, as in section 5, a counted open or click.
  const opened = by === 'EMAIL_CLIENT' || by === 'DEVICE' ? 'opens > 0' : 'opens > 0 OR clicks > 0';
  const rows: Record<string, string | number>[] = await db.query(
    `WITH v AS MATERIALIZED (${viewSends}),
     totals AS (SELECT view, count(*) AS view_sends FROM v GROUP BY view),
     per_send AS (${perSend}),
     grouped AS (
       SELECT view, key, count(*) AS sends, count(*) FILTER (WHERE ${opened}) AS opened, count(*) FILTER (WHERE clicks > 0) AS clicked,
              count(*) FILTER (WHERE opens > mpp_opens OR clicks > 0) AS human_opened,
              sum(opens) AS opens, sum(clicks) AS clicks, sum(mpp_opens) AS mpp_opens,
              row_number() OVER (PARTITION BY view ORDER BY count(*) DESC, key) AS rank
       FROM per_send GROUP BY view, key)
     SELECT g.*, t.view_sends FROM grouped g JOIN totals t USING (view)
     WHERE g.rank <= ${p.add(limit)}
     ORDER BY g.view, g.rank`,
    p.values,
  );
  return rows.map(sumsOfRow);
}

/** A row of breakdown SQL (view, key, view_sends and the figures; counts as PostgreSQL returns them) as sums. */
export function sumsOfRow(row: Record<string, string | number>): BreakdownSums {
  return {
    view: String(row.view),
    key: String(row.key),
    viewSends: Number(row.view_sends),
    sends: Number(row.sends),
    opened: Number(row.opened),
    clicked: Number(row.clicked),
    humanOpened: Number(row.human_opened),
    opens: Number(row.opens),
    clicks: Number(row.clicks),
    mppOpens: Number(row.mpp_opens),
  };
}
