// Activity by event time, kept forever for the timelines (migration
// 1764600000003): per send and 15-minute UTC bucket, the counted opens,
// clicks and MPP opens and the bot opens and clicks; plus insert-only deltas
// of the tracked sends' activity for the rollups, folded by compaction.
import type { EntityManager } from 'typeorm';
import { runPrepared } from '../db/prepared';
import type { CounterChange } from './counters';
import { sendKey } from './event';

export interface ActivityDelta {
  orgId: string;
  sendId: string;
  at: Date;
  opens: number;
  clicks: number;
  mppOpens: number;
  botOpens: number;
  botClicks: number;
}

/** Every time zone's offset and clock change is a multiple of 15 minutes: local hours and days are whole buckets. */
export const ACTIVITY_BUCKET_MS = 15 * 60_000;

/** What the rollup deltas are grouped by: the send's own attribution (the writer has it from locking the send). */
export interface SendAttribution {
  sentAt: number;
  senderId: string;
  campaignId: string | null;
  templateId: string | null;
  tracked: boolean;
}

// One statement: the per-send rows (the sends are locked by the writer, so no
// other writer can touch them), then the rollup deltas, grouped in Node and
// insert-only so concurrent writers never meet on a shared row.
const RECORD_ACTIVITY = {
  name: 'events_record_send_activity_v3',
  text: `WITH kept AS (
           INSERT INTO send_activity AS a (org_id, send_id, at, opens, clicks, mpp_opens, bot_opens, bot_clicks)
           SELECT org_id, send_id, to_timestamp(at / 1000.0), opens, clicks, mpp_opens, bot_opens, bot_clicks
           FROM unnest($1::text[], $2::uuid[], $3::float8[], $4::integer[], $5::integer[], $6::integer[], $7::integer[], $8::integer[])
             AS d(org_id, send_id, at, opens, clicks, mpp_opens, bot_opens, bot_clicks)
           ON CONFLICT (org_id, send_id, at) DO UPDATE SET
             opens = a.opens + excluded.opens, clicks = a.clicks + excluded.clicks, mpp_opens = a.mpp_opens + excluded.mpp_opens,
             bot_opens = a.bot_opens + excluded.bot_opens, bot_clicks = a.bot_clicks + excluded.bot_clicks
         )
         INSERT INTO send_activity_deltas (org_id, send_day, sender_id, campaign_key, template_key, at,
                                           opens, clicks, mpp_opens, bot_opens, bot_clicks)
         SELECT org_id, date '1970-01-01' + send_day, sender_id, campaign_key, template_key, to_timestamp(at / 1000.0),
                opens, clicks, mpp_opens, bot_opens, bot_clicks
         FROM unnest($9::text[], $10::integer[], $11::text[], $12::text[], $13::text[], $14::float8[],
                     $15::integer[], $16::integer[], $17::integer[], $18::integer[], $19::integer[])
           AS g(org_id, send_day, sender_id, campaign_key, template_key, at, opens, clicks, mpp_opens, bot_opens, bot_clicks)`,
};

interface Sums {
  opens: number;
  clicks: number;
  mppOpens: number;
  botOpens: number;
  botClicks: number;
}

const zero = (): Sums => ({ opens: 0, clicks: 0, mppOpens: 0, botOpens: 0, botClicks: 0 });
const isZero = (sums: Sums) => !sums.opens && !sums.clicks && !sums.mppOpens && !sums.botOpens && !sums.botClicks;

function add(into: Sums, delta: Sums): void {
  into.opens += delta.opens;
  into.clicks += delta.clicks;
  into.mppOpens += delta.mppOpens;
  into.botOpens += delta.botOpens;
  into.botClicks += delta.botClicks;
}

const bucketOf = (at: Date) => Math.floor(at.getTime() / ACTIVITY_BUCKET_MS) * ACTIVITY_BUCKET_MS;
const DAY_MS = 86_400_000;

interface Row {
  orgId: string;
  sendId: string;
  at: number;
  sums: Sums;
  send: SendAttribution;
}

interface Group {
  orgId: string;
  /** the send's UTC day, as days since 1970-01-01 */
  day: number;
  send: SendAttribution;
  at: number;
  sums: Sums;
}

/**
 * Inside the writer's transaction, with the sends' rows locked FOR UPDATE in
 * key order; `attribution` gives each send's (sends it does not know are
 * skipped). Deltas may be negative (an event reclassified later from counted
 * to bot).
 */
export async function recordSendActivity(
  db: EntityManager,
  deltas: readonly ActivityDelta[],
  attribution: (orgId: string, sendId: string) => SendAttribution | undefined,
): Promise<void> {
  // Grouped per (send, bucket): one statement may not upsert a row twice.
  const perSend = new Map<string, Row>();
  for (const delta of deltas) {
    const send = attribution(delta.orgId, delta.sendId);
    if (!send) continue;
    const at = bucketOf(delta.at);
    const key = `${sendKey(delta.orgId, delta.sendId)} ${at}`;
    let row = perSend.get(key);
    if (!row) {
      row = { orgId: delta.orgId, sendId: delta.sendId, at, sums: zero(), send };
      perSend.set(key, row);
    }
    add(row.sums, delta);
  }
  const rows = [...perSend.values()].filter((row) => !isZero(row.sums));
  if (rows.length === 0) return;
  // The rollups' deltas: the tracked sends', per send day, sender, campaign, template and bucket.
  const groups = new Map<string, Group>();
  for (const row of rows) {
    const { send } = row;
    if (!send.tracked) continue;
    const day = Math.floor(send.sentAt / DAY_MS);
    const key = `${row.orgId}\u0000${day}\u0000${send.senderId}\u0000${send.campaignId ?? ''}\u0000${send.templateId ?? ''}\u0000${row.at}`;
    let group = groups.get(key);
    if (!group) {
      group = { orgId: row.orgId, day, send, at: row.at, sums: zero() };
      groups.set(key, group);
    }
    add(group.sums, row.sums);
  }
  const grouped = [...groups.values()];
  await runPrepared(db, RECORD_ACTIVITY, [
    rows.map((row) => row.orgId),
    rows.map((row) => row.sendId),
    rows.map((row) => row.at),
    rows.map((row) => row.sums.opens),
    rows.map((row) => row.sums.clicks),
    rows.map((row) => row.sums.mppOpens),
    rows.map((row) => row.sums.botOpens),
    rows.map((row) => row.sums.botClicks),
    grouped.map((group) => group.orgId),
    grouped.map((group) => group.day),
    grouped.map((group) => group.send.senderId),
    grouped.map((group) => group.send.campaignId ?? ''),
    grouped.map((group) => group.send.templateId ?? ''),
    grouped.map((group) => group.at),
    grouped.map((group) => group.sums.opens),
    grouped.map((group) => group.sums.clicks),
    grouped.map((group) => group.sums.mppOpens),
    grouped.map((group) => group.sums.botOpens),
    grouped.map((group) => group.sums.botClicks),
  ]);
}

/** A counter change as the timelines keep it: at the event's own time. */
export function activityOf(change: CounterChange): ActivityDelta {
  const open = change.kind === 'OPEN';
  return {
    orgId: change.orgId,
    sendId: change.sendId,
    at: new Date(change.at),
    opens: open ? change.counted : 0,
    clicks: open ? 0 : change.counted,
    mppOpens: open && change.mpp ? change.counted : 0,
    botOpens: open ? change.bot : 0,
    botClicks: open ? 0 : change.bot,
  };
}
