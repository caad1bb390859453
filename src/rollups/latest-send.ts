// The latest send time of the rollup rows a moved or deleted send left. A
// delta can only raise it (compaction keeps the greatest), so when a send
// leaves a group that may have held it, the group's rows are folded first
// (under the organisation's compaction lock) and their latest send is looked
// up again from sends: one backward probe of sends_campaign_idx,
// sends_template_idx or sends_sent_at_idx per row, none for a row left
// empty. Two statements of one organisation, each a shape Citus routes to its
// shard: a LATERAL probe per key, then an UPDATE from unnest().
import type { EntityManager } from 'typeorm';
import { foldOrganisation, holdCompaction } from './compact-organisation';

/** A send as it was before it moved or went: where its latest send time counted. */
export interface LeftSend {
  sentAt: Date;
  senderId: string;
  campaignKey: string;
  templateKey: string;
}

interface Row {
  scope: 'org' | 'sender';
  senderId: string;
  grain: 'day' | 'month';
  bucket: string;
  campaignKey: string;
  templateKey: string;
  low: string;
  high: string;
  /** the latest time of the sends that left it */
  removed: string;
}

const isoDay = (date: Date) => date.toISOString().slice(0, 10);

/** The rollup rows the sends counted in: the organisation's day and month, the sender's month. */
function rowsLeft(sends: readonly LeftSend[]): Row[] {
  const rows = new Map<string, Row>();
  for (const send of sends) {
    const at = send.sentAt;
    const day = Date.UTC(at.getUTCFullYear(), at.getUTCMonth(), at.getUTCDate());
    const month = Date.UTC(at.getUTCFullYear(), at.getUTCMonth(), 1);
    const nextMonth = Date.UTC(at.getUTCFullYear(), at.getUTCMonth() + 1, 1);
    for (const [scope, senderId, grain, low, high] of [
      ['org', '', 'day', day, day + 86_400_000],
      ['org', '', 'month', month, nextMonth],
      ['sender', send.senderId, 'month', month, nextMonth],
    ] as const) {
      const key = [scope, senderId, grain, low, send.campaignKey, send.templateKey].join('\u0000');
      const row = rows.get(key);
      if (row) {
        if (at.toISOString() > row.removed) row.removed = at.toISOString();
        continue;
      }
      rows.set(key, {
        scope, senderId, grain, bucket: isoDay(new Date(low)), campaignKey: send.campaignKey, templateKey: send.templateKey,
        low: new Date(low).toISOString(), high: new Date(high).toISOString(), removed: at.toISOString(),
      });
    }
  }
  return [...rows.values()];
}

const LATEST = `
  SELECT k.n::int AS n, CASE
    WHEN k.campaign_key <> '' THEN (
      SELECT max(s.sent_at) FROM sends s
      WHERE s.org_id = $1 AND s.campaign_id = k.campaign_key AND s.sent_at >= k.low AND s.sent_at < k.high
        AND coalesce(s.template_id, '') = k.template_key AND (k.sender_id = '' OR s.sender_id = k.sender_id))
    WHEN k.template_key <> '' THEN (
      SELECT max(s.sent_at) FROM sends s
      WHERE s.org_id = $1 AND s.template_id = k.template_key AND s.sent_at >= k.low AND s.sent_at < k.high
        AND coalesce(s.campaign_id, '') = '' AND (k.sender_id = '' OR s.sender_id = k.sender_id))
    ELSE (
      SELECT max(s.sent_at) FROM sends s
      WHERE s.org_id = $1 AND s.sent_at >= k.low AND s.sent_at < k.high AND coalesce(s.campaign_id, '') = '' AND coalesce(s.template_id, '') = ''
        AND (k.sender_id = '' OR s.sender_id = k.sender_id))
  END AS latest
  FROM unnest($2::text[], $3::text[], $4::text[], $5::timestamptz[], $6::timestamptz[]) WITH ORDINALITY AS k(sender_id, campaign_key, template_key, low, high, n)`;

const SET_LATEST = `
  UPDATE send_stats_rollups r SET last_sent_at = CASE WHEN r.sends + r.untracked_sends = 0 THEN NULL ELSE k.latest END
  FROM unnest($2::text[], $3::text[], $4::text[], $5::date[], $6::text[], $7::text[], $8::timestamptz[], $9::timestamptz[])
    AS k(scope, sender_id, grain, bucket, campaign_key, template_key, latest, removed)
  WHERE r.org_id = $1 AND r.scope = k.scope AND r.sender_id = k.sender_id AND r.grain = k.grain AND r.bucket = k.bucket
    AND r.campaign_key = k.campaign_key AND r.template_key = k.template_key AND r.last_sent_at <= k.removed`;

/** After the sends left their groups (moved or deleted, in the caller's transaction). */
export async function recountLatestSends(db: EntityManager, orgId: string, left: readonly LeftSend[]): Promise<void> {
  if (left.length === 0) return;
  await holdCompaction(db);
  await foldOrganisation(db, orgId);
  const rows = rowsLeft(left);
  const found: { n: number; latest: Date | null }[] = await db.query(LATEST, [
    orgId,
    rows.map((row) => row.senderId),
    rows.map((row) => row.campaignKey),
    rows.map((row) => row.templateKey),
    rows.map((row) => row.low),
    rows.map((row) => row.high),
  ]);
  const latest = new Map(found.map((row) => [row.n, row.latest?.toISOString() ?? null]));
  await db.query(SET_LATEST, [
    orgId,
    rows.map((row) => row.scope),
    rows.map((row) => row.senderId),
    rows.map((row) => row.grain),
    rows.map((row) => row.bucket),
    rows.map((row) => row.campaignKey),
    rows.map((row) => row.templateKey),
    rows.map((_, index) => latest.get(index + 1) ?? null),
    rows.map((row) => row.removed),
  ]);
}
