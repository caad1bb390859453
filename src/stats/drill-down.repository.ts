// Drill-down SQL: which campaigns and templates a viewer may see, and their
// recipients, newest first, a page at a time: keyset pagination on (sent_at,
// id), never OFFSET, so page 100 of a 100,000-send campaign costs what page 1
// does. Each function takes many keys at once so a DataLoader makes one
// statement of it.
import type { DataSource } from 'typeorm';
import type { StatsRange } from './range';
import { microsToTimestamp, type RecipientPosition } from './recipient-cursor';
import { SqlParameters } from './sql-parameters';
import type { StatsScope } from './stats.repository';

/** campaigns by campaign_id; templates by template key ('' is ad-hoc: template_id IS NULL) */
export type DrillDownKind = 'campaign' | 'template';

export interface VisibleHead {
  key: string;
  name: string | null;
}

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

export const RECIPIENT_FILTERS = ['ALL', 'OPENED', 'CLICKED', 'NOT_OPENED'] as const;
export type RecipientFilter = (typeof RECIPIENT_FILTERS)[number];

export interface RecipientRow {
  key: string;
  sendId: string;
  /** sent_at to the microsecond, for the row's cursor */
  sentMicros: string;
  contactId: string;
  email: string;
  sentAt: Date;
  opens: number;
  clicks: number;
  mppOpens: number;
  firstOpenedAt: Date | null;
  lastClickedAt: Date | null;
}

export interface RecipientPage {
  limit: number;
  filter: RecipientFilter;
  /** rows strictly after this one in the newest-first order; null for the first page */
  after: RecipientPosition | null;
  /** keeps the sends with a counted click on this link key (a data-track-name, or an unnamed link's URL); null: every send */
  link?: string | null;
}

// "Opened" as in the figures: a counted open, or a counted click.
const FILTER_SQL: Record<RecipientFilter, string> = {
  ALL: '',
  OPENED: 'AND (s.opens > 0 OR s.clicks > 0)',
  CLICKED: 'AND s.clicks > 0',
  NOT_OPENED: 'AND s.opens = 0 AND s.clicks = 0',
};

const COLUMNS = `s.id AS "sendId", (extract(epoch FROM s.sent_at) * 1000000)::bigint::text AS "sentMicros",
  s.contact_id AS "contactId", s.recipient_email AS email, s.sent_at AS "sentAt", s.opens, s.clicks, s.mpp_opens AS "mppOpens",
  s.first_opened_at AS "firstOpenedAt", s.last_clicked_at AS "lastClickedAt"`;

/**
 * A page per key: a backward walk of sends_campaign_idx / sends_template_idx
 * (sends_sender_campaign_idx / _template_idx for one sender) from the cursor's
 * send time, sorted by id only within one send time (an incremental sort);
 * template_id IS NULL for ad-hoc is its own arm so it keeps the index.
 */
export async function recipientPages(
  db: DataSource,
  scope: StatsScope,
  kind: DrillDownKind,
  range: StatsRange,
  keys: readonly string[],
  page: RecipientPage,
): Promise<RecipientRow[]> {
  const p = new SqlParameters();
  const org = p.add(scope.orgId);
  const sender = scope.senderId === null ? '' : `AND s.sender_id = ${p.add(scope.senderId)}`;
  const times = `s.sent_at >= ${p.add(range.from?.toISOString() ?? '-infinity')}::timestamptz AND s.sent_at < ${p.add(range.to.toISOString())}::timestamptz`;
  let after = '';
  if (page.after) {
    const at = p.add(microsToTimestamp(page.after.sentMicros));
    const id = p.add(page.after.sendId);
    after = `AND s.sent_at <= ${at}::timestamptz AND (s.sent_at < ${at}::timestamptz OR s.id < ${id}::uuid)`;
  }
  const limit = p.add(page.limit);
  const keyList = p.add([...keys]);
  // Who clicked a link: each send of the walk probes its own links (send_links' primary key, a handful of rows).
  const clickedLink =
    page.link == null
      ? ''
      : `AND s.clicks > 0 AND EXISTS (SELECT 1 FROM send_links l WHERE l.org_id = s.org_id AND l.send_id = s.id AND l.link_key = ${p.add(page.link)} AND l.clicks > 0)`;
  const walk = (match: string) => `
    SELECT ${COLUMNS} FROM sends s
    WHERE s.org_id = ${org} AND s.tracked AND ${times} ${sender} AND ${match} ${after} ${FILTER_SQL[page.filter]} ${clickedLink}
    ORDER BY s.sent_at DESC, s.id DESC LIMIT ${limit}`;
  const column = kind === 'campaign' ? 's.campaign_id' : 's.template_id';
  const adHoc = kind === 'template' ? `UNION ALL SELECT '' AS key, r.* FROM (${walk('s.template_id IS NULL')}) r WHERE '' = ANY(${keyList})` : '';
  return db.query(
    `SELECT k.key, r.* FROM unnest(${keyList}::text[]) AS k(key)
     CROSS JOIN LATERAL (${walk(`${column} = k.key`)}) r
     WHERE k.key <> ''
     ${adHoc}`,
    p.values,
  );
}
