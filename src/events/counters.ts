// The counters a batch moves, kept forever (retention never touches them):
// on sends, opens, clicks, MPP opens, bot opens and clicks with the first and
// last times; on send_links, clicks and unique clickers. A batch adds its new
// events and takes back what it reclassified (a machine's earlier events, a
// webhook event a pixel took back), all as one change list.
import type { EntityManager } from 'typeorm';
import { runPrepared } from '../db/prepared';
import { sendKey, type EventKind } from './event';

/** One event's effect on the counters: +1 counted (new), -1 counted (taken back), +1 bot. */
export interface CounterChange {
  orgId: string;
  sendId: string;
  kind: EventKind;
  at: number;
  mpp: boolean;
  counted: -1 | 0 | 1;
  bot: 0 | 1;
  linkPosition: number | null;
  ipHash: string | null;
  /** a webhook event newly counted: its send may now have events to take back */
  webhook: boolean;
}

// LEAST/GREATEST ignore NULLs, so a first event sets the times. When counted
// events were taken back and one of them held a first or last time, the time
// is read again from the retained events: taken-back events are recent (a
// machine's, within a minute of its clicks), so what replaces them is too.
const recount = (kind: EventKind, aggregate: 'min' | 'max') =>
  `(SELECT ${aggregate}(e.occurred_at) FROM tracking_events e
    WHERE e.org_id = s.org_id AND e.send_id = s.id AND e.counted AND e.kind = '${kind}')`;
const BUMP_SENDS = {
  name: 'events_bump_sends_v4',
  text: `UPDATE sends s SET
           opens = s.opens + d.opens,
           clicks = s.clicks + d.clicks,
           mpp_opens = s.mpp_opens + d.mpp_opens,
           bot_opens = s.bot_opens + d.bot_opens,
           bot_clicks = s.bot_clicks + d.bot_clicks,
           machine_seen = s.machine_seen OR d.machine,
           webhook_counted = s.webhook_counted OR d.webhook,
           first_opened_at = CASE WHEN s.first_opened_at >= d.lost_first_open THEN ${recount('OPEN', 'min')}
                                  ELSE LEAST(s.first_opened_at, d.first_open) END,
           last_opened_at = CASE WHEN s.last_opened_at <= d.lost_last_open THEN ${recount('OPEN', 'max')}
                                 ELSE GREATEST(s.last_opened_at, d.last_open) END,
           last_clicked_at = CASE WHEN s.last_clicked_at <= d.lost_last_click THEN ${recount('CLICK', 'max')}
                                  ELSE GREATEST(s.last_clicked_at, d.last_click) END
         FROM (SELECT org_id, id, opens, clicks, mpp_opens, bot_opens, bot_clicks, machine, webhook,
                      to_timestamp(first_open / 1000.0) AS first_open, to_timestamp(last_open / 1000.0) AS last_open,
                      to_timestamp(last_click / 1000.0) AS last_click, to_timestamp(lost_first_open / 1000.0) AS lost_first_open,
                      to_timestamp(lost_last_open / 1000.0) AS lost_last_open, to_timestamp(lost_last_click / 1000.0) AS lost_last_click
               FROM unnest($1::text[], $2::uuid[], $3::integer[], $4::integer[], $5::integer[], $6::integer[], $7::integer[],
                           $8::float8[], $9::float8[], $10::float8[], $11::float8[], $12::float8[], $13::float8[], $14::boolean[],
                           $15::boolean[])
                 AS u(org_id, id, opens, clicks, mpp_opens, bot_opens, bot_clicks, first_open, last_open, last_click,
                      lost_first_open, lost_last_open, lost_last_click, machine, webhook)) d
         WHERE s.org_id = d.org_id AND s.id = d.id`,
};

interface SendDelta {
  orgId: string;
  sendId: string;
  opens: number;
  clicks: number;
  mppOpens: number;
  botOpens: number;
  botClicks: number;
  firstOpen: number | null;
  lastOpen: number | null;
  lastClick: number | null;
  lostFirstOpen: number | null;
  lostLastOpen: number | null;
  lostLastClick: number | null;
  machine: boolean;
  webhook: boolean;
}

const earliest = (a: number | null, b: number) => (a === null ? b : Math.min(a, b));
const latest = (a: number | null, b: number) => (a === null ? b : Math.max(a, b));

function sendDeltas(changes: readonly CounterChange[], machineSends: ReadonlySet<string>): SendDelta[] {
  const deltas = new Map<string, SendDelta>();
  const deltaOf = (orgId: string, sendId: string) => {
    const key = sendKey(orgId, sendId);
    let delta = deltas.get(key);
    if (!delta) {
      delta = {
        orgId, sendId, opens: 0, clicks: 0, mppOpens: 0, botOpens: 0, botClicks: 0, firstOpen: null, lastOpen: null, lastClick: null,
        lostFirstOpen: null, lostLastOpen: null, lostLastClick: null, machine: machineSends.has(key), webhook: false,
      };
      deltas.set(key, delta);
    }
    return delta;
  };
  for (const change of changes) {
    const delta = deltaOf(change.orgId, change.sendId);
    if (change.webhook) delta.webhook = true;
    const open = change.kind === 'OPEN';
    if (open) {
      delta.opens += change.counted;
      if (change.mpp) delta.mppOpens += change.counted;
      delta.botOpens += change.bot;
    } else {
      delta.clicks += change.counted;
      delta.botClicks += change.bot;
    }
    if (change.counted === 1 && open) {
      delta.firstOpen = earliest(delta.firstOpen, change.at);
      delta.lastOpen = latest(delta.lastOpen, change.at);
    } else if (change.counted === 1) delta.lastClick = latest(delta.lastClick, change.at);
    else if (change.counted === -1 && open) {
      delta.lostFirstOpen = earliest(delta.lostFirstOpen, change.at);
      delta.lostLastOpen = latest(delta.lostLastOpen, change.at);
    } else if (change.counted === -1) delta.lostLastClick = latest(delta.lostLastClick, change.at);
  }
  for (const key of machineSends) if (!deltas.has(key)) deltaOf(key.slice(0, key.lastIndexOf('/')), key.slice(key.lastIndexOf('/') + 1));
  return [...deltas.values()];
}

/** Moves the counters on sends; `machineSends` (sendKey) gained a machine window. */
export async function bumpSendCounters(db: EntityManager, changes: readonly CounterChange[], machineSends: ReadonlySet<string>): Promise<void> {
  const rows = sendDeltas(changes, machineSends);
  if (rows.length === 0) return;
  await runPrepared(db, BUMP_SENDS, [
    rows.map((row) => row.orgId),
    rows.map((row) => row.sendId),
    rows.map((row) => row.opens),
    rows.map((row) => row.clicks),
    rows.map((row) => row.mppOpens),
    rows.map((row) => row.botOpens),
    rows.map((row) => row.botClicks),
    rows.map((row) => row.firstOpen),
    rows.map((row) => row.lastOpen),
    rows.map((row) => row.lastClick),
    rows.map((row) => row.lostFirstOpen),
    rows.map((row) => row.lostLastOpen),
    rows.map((row) => row.lostLastClick),
    rows.map((row) => row.machine),
    rows.map((row) => row.webhook),
  ]);
}

// A click with no client address still makes the link clicked by someone;
// a link whose every click was taken back has no clicker left.
const BUMP_LINKS = {
  name: 'events_bump_links_v3',
  text: `UPDATE send_links l SET
           clicks = l.clicks + d.clicks,
           unique_clickers = CASE WHEN l.clicks + d.clicks <= 0 THEN 0 ELSE GREATEST(l.unique_clickers + d.clickers, 1) END,
           first_clicked_at = LEAST(l.first_clicked_at, d.first_at),
           last_clicked_at = GREATEST(l.last_clicked_at, d.last_at)
         FROM (SELECT org_id, send_id, position, clicks, clickers, to_timestamp(first_at / 1000.0) AS first_at,
                      to_timestamp(last_at / 1000.0) AS last_at
               FROM unnest($1::text[], $2::uuid[], $3::integer[], $4::integer[], $5::integer[], $6::float8[], $7::float8[])
                 AS u(org_id, send_id, position, clicks, clickers, first_at, last_at)) d
         WHERE l.org_id = d.org_id AND l.send_id = d.send_id AND l.position = d.position`,
};

interface LinkDelta {
  orgId: string;
  sendId: string;
  position: number;
  clicks: number;
  clickers: number;
  first: number | null;
  last: number | null;
}

export const clickerKey = (orgId: string, sendId: string, position: number, ipHash: string) => `${sendKey(orgId, sendId)} ${position} ${ipHash}`;

/**
 * Per link: clicks, and clickers gained (a counted click by a client not
 * among `clicked`, the clients that clicked it before) or lost (`lost`: a
 * client none of whose counted clicks on it is left).
 */
export function linkDeltas(changes: readonly CounterChange[], clicked: Set<string>, lost: Set<string>): LinkDelta[] {
  const deltas = new Map<string, LinkDelta>();
  for (const change of changes) {
    if (change.kind !== 'CLICK' || change.linkPosition === null || change.counted === 0) continue;
    const key = `${sendKey(change.orgId, change.sendId)} ${change.linkPosition}`;
    let delta = deltas.get(key);
    if (!delta) {
      delta = { orgId: change.orgId, sendId: change.sendId, position: change.linkPosition, clicks: 0, clickers: 0, first: null, last: null };
      deltas.set(key, delta);
    }
    delta.clicks += change.counted;
    if (change.counted === 1) {
      delta.first = earliest(delta.first, change.at);
      delta.last = latest(delta.last, change.at);
    }
    if (!change.ipHash) continue;
    const client = clickerKey(change.orgId, change.sendId, change.linkPosition, change.ipHash);
    if (change.counted === 1 && !clicked.has(client)) {
      clicked.add(client);
      delta.clickers += 1;
    } else if (change.counted === -1 && lost.delete(client)) {
      clicked.delete(client);
      delta.clickers -= 1;
    }
  }
  return [...deltas.values()];
}

export async function bumpLinkCounters(db: EntityManager, rows: readonly LinkDelta[]): Promise<void> {
  if (rows.length === 0) return;
  await runPrepared(db, BUMP_LINKS, [
    rows.map((row) => row.orgId),
    rows.map((row) => row.sendId),
    rows.map((row) => row.position),
    rows.map((row) => row.clicks),
    rows.map((row) => row.clickers),
    rows.map((row) => row.first),
    rows.map((row) => row.last),
  ]);
}
