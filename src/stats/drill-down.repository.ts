// Drill-down SQL: which campaigns and templates a viewer may see, and their
// latest recipients. Each function takes many keys at once so a DataLoader
// makes one statement of it.
import type { DataSource } from 'typeorm';
import type { StatsRange } from './range';
import type { StatsScope } from './stats.repository';

/** campaigns by campaign_id; templates by template key ('' is ad-hoc: template_id IS NULL) */
export type DrillDownKind = 'campaign' | 'template';

export interface VisibleHead {
  key: string;
  name: string | null;
}

export interface RecipientRow {
  key: string;
  sendId: string;
  contactId: string;
  email: string;
  sentAt: Date;
  opens: number;
  clicks: number;
  mppOpens: number;
  firstOpenedAt: Date | null;
  lastClickedAt: Date | null;
}

const bound = (date: Date | null) => date?.toISOString() ?? '-infinity';

/**
 * The keys with at least one send visible to the scope, at any time, and
 * their names. Summed from monthly rollup rows plus pending deltas
 * (send_stats_rollups_campaign_idx / _template_idx): a sender with no send
 * in a big campaign is answered without walking the campaign's sends.
 */
export async function visibleHeads(db: DataSource, scope: StatsScope, kind: DrillDownKind, keys: readonly string[]): Promise<VisibleHead[]> {
  const column = `${kind}_key`;
  const names = kind === 'campaign' ? 'campaigns' : 'templates';
  return db.query(
    `SELECT k.key, n.name FROM unnest($4::text[]) AS k(key)
     LEFT JOIN ${names} n ON n.org_id = $1 AND n.id = k.key AND k.key <> ''
     WHERE (SELECT coalesce(sum(x.sends), 0) FROM (
              SELECT r.sends + r.untracked_sends AS sends FROM send_stats_rollups r
              WHERE r.org_id = $1 AND r.scope = $2 AND r.sender_id = $3 AND r.grain = 'month' AND r.${column} = k.key
              UNION ALL
              SELECT d.sends + d.untracked_sends FROM send_stats_deltas d
              WHERE d.org_id = $1 ${scope.senderId === null ? '' : 'AND d.sender_id = $3'} AND d.${column} = k.key) x) > 0`,
    [scope.orgId, scope.senderId === null ? 'org' : 'sender', scope.senderId ?? '', [...keys]],
  );
}

/** $1-$4, then the extra values, then the sender when the scope has one (PostgreSQL refuses unused parameters). */
function parameters(scope: StatsScope, range: StatsRange, keys: readonly string[], ...extra: unknown[]): unknown[] {
  const values = [scope.orgId, bound(range.from), range.to.toISOString(), [...keys], ...extra];
  return scope.senderId === null ? values : [...values, scope.senderId];
}

const RECIPIENT_COLUMNS = `s.id AS "sendId", s.contact_id AS "contactId", s.recipient_email AS email, s.sent_at AS "sentAt",
  s.opens, s.clicks, s.mpp_opens AS "mppOpens", s.first_opened_at AS "firstOpenedAt", s.last_clicked_at AS "lastClickedAt"`;

/**
 * The latest `limit` sends per key, newest first: a backward walk of
 * sends_campaign_idx / sends_template_idx per key (template_id IS NULL for
 * ad-hoc is its own arm so it keeps the index).
 */
export async function latestRecipients(
  db: DataSource,
  scope: StatsScope,
  kind: DrillDownKind,
  range: StatsRange,
  keys: readonly string[],
  limit: number,
): Promise<RecipientRow[]> {
  const sender = scope.senderId === null ? '' : 'AND s.sender_id = $6';
  const latest = (match: string) => `
    SELECT ${RECIPIENT_COLUMNS} FROM sends s
    WHERE s.org_id = $1 AND s.tracked AND s.sent_at >= $2::timestamptz AND s.sent_at < $3::timestamptz ${sender} AND ${match}
    ORDER BY s.sent_at DESC, s.id DESC LIMIT $5`;
  const column = kind === 'campaign' ? 's.campaign_id' : 's.template_id';
  const adHoc = kind === 'template' ? `UNION ALL SELECT '' AS key, r.* FROM (${latest('s.template_id IS NULL')}) r WHERE '' = ANY($4)` : '';
  return db.query(
    `SELECT k.key, r.* FROM unnest($4::text[]) AS k(key)
     CROSS JOIN LATERAL (${latest(`${column} = k.key`)}) r
     WHERE k.key <> ''
     ${adHoc}`,
    parameters(scope, range, keys, limit),
  );
}
