// The counters on sends, kept forever (retention never touches them): opens,
// clicks, MPP opens, bot opens and clicks, first and last times, and the two
// flags the rules read (a machine window exists, a webhook event was
// counted). One statement per batch; a second one, only when counted events
// were taken back and one of them held a first or last time, reads that time
// again from the retained events. The organisation is $1: one shard on Citus.
import type { EntityManager } from 'typeorm';
import { runPrepared } from '../db/prepared';
import { fromEpochMs } from './batch-reads';
import type { SendCounterDelta } from './figure-deltas';

// sends_pkey per send: the keys are given to the scan of sends as well as to
// the join (id = ANY), or the planner hashes every send of the organisation
// to find the batch's (a large organisation's whole index read per batch:
// 50,000 sends in the writer bench, most of the statement's time).
// LEAST/GREATEST ignore NULLs, so a first event sets the times.
const BUMP_SENDS = {
  name: 'events_bump_sends_v6',
  text: `UPDATE sends s SET
           opens = s.opens + d.opens,
           clicks = s.clicks + d.clicks,
           mpp_opens = s.mpp_opens + d.mpp_opens,
           bot_opens = s.bot_opens + d.bot_opens,
           bot_clicks = s.bot_clicks + d.bot_clicks,
           machine_seen = s.machine_seen OR d.machine,
           webhook_counted = s.webhook_counted OR d.webhook,
           first_opened_at = LEAST(s.first_opened_at, ${fromEpochMs('d.first_open')}),
           last_opened_at = GREATEST(s.last_opened_at, ${fromEpochMs('d.last_open')}),
           last_clicked_at = GREATEST(s.last_clicked_at, ${fromEpochMs('d.last_click')})
         FROM unnest($2::uuid[], $3::integer[], $4::integer[], $5::integer[], $6::integer[], $7::integer[],
                     $8::float8[], $9::float8[], $10::float8[], $11::boolean[], $12::boolean[])
           AS d(id, opens, clicks, mpp_opens, bot_opens, bot_clicks, first_open, last_open, last_click, machine, webhook)
         WHERE s.org_id = $1 AND s.id = ANY($2::uuid[]) AND s.id = d.id`,
};

// After the bump: a time at or past the earliest (latest) one taken back may
// have been one of them, so it is read again from the counted events left
// (the batch's new ones included). Taken-back events are recent (a machine's,
// within a minute of its clicks), so what replaces them is too.
const recount = (kind: string, aggregate: 'min' | 'max') =>
  `(SELECT ${aggregate}(e.occurred_at) FROM tracking_events e WHERE e.org_id = $1 AND e.send_id = s.id AND e.counted AND e.kind = '${kind}')`;
const RECOUNT_TIMES = {
  name: 'events_recount_times_v2',
  text: `UPDATE sends s SET
           first_opened_at = CASE WHEN s.first_opened_at >= ${fromEpochMs('d.first_open')} THEN ${recount('OPEN', 'min')} ELSE s.first_opened_at END,
           last_opened_at = CASE WHEN s.last_opened_at <= ${fromEpochMs('d.last_open')} THEN ${recount('OPEN', 'max')} ELSE s.last_opened_at END,
           last_clicked_at = CASE WHEN s.last_clicked_at <= ${fromEpochMs('d.last_click')} THEN ${recount('CLICK', 'max')} ELSE s.last_clicked_at END
         FROM unnest($2::uuid[], $3::float8[], $4::float8[], $5::float8[]) AS d(id, first_open, last_open, last_click)
         WHERE s.org_id = $1 AND s.id = ANY($2::uuid[]) AND s.id = d.id`,
};

export async function bumpSendCounters(db: EntityManager, orgId: string, rows: readonly SendCounterDelta[]): Promise<void> {
  if (rows.length === 0) return;
  await runPrepared(db, BUMP_SENDS, [
    orgId,
    rows.map((row) => row.sendId),
    rows.map((row) => row.opens),
    rows.map((row) => row.clicks),
    rows.map((row) => row.mppOpens),
    rows.map((row) => row.botOpens),
    rows.map((row) => row.botClicks),
    rows.map((row) => row.firstOpen),
    rows.map((row) => row.lastOpen),
    rows.map((row) => row.lastClick),
    rows.map((row) => row.machine),
    rows.map((row) => row.webhook),
  ]);
  const lost = rows.filter((row) => row.lostFirstOpen !== null || row.lostLastOpen !== null || row.lostLastClick !== null);
  if (lost.length === 0) return;
  await runPrepared(db, RECOUNT_TIMES, [
    orgId,
    lost.map((row) => row.sendId),
    lost.map((row) => row.lostFirstOpen),
    lost.map((row) => row.lostLastOpen),
    lost.map((row) => row.lostLastClick),
  ]);
}

/** The counter statements, for the test that checks they find the batch's sends by key. */
export const sendCounterStatements = { bumpSends: BUMP_SENDS } as const;
