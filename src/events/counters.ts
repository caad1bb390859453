// The counters an event batch moves: opens, clicks and MPP opens with their
// first/last times, and bot opens and clicks, on sends; clicks and unique clickers on send_links. Kept
// forever: retention never touches them.
import type { EntityManager } from 'typeorm';
import { runPrepared } from '../db/prepared';
import { sendKey, type TrackingEventInput } from './event';

// LEAST/GREATEST ignore NULLs, so a first event sets the timestamps.
const BUMP_SENDS = {
  name: 'events_bump_sends',
  text: `UPDATE sends s SET
           opens = s.opens + d.opens,
           clicks = s.clicks + d.clicks,
           mpp_opens = s.mpp_opens + d.mpp_opens,
           bot_opens = s.bot_opens + d.bot_opens,
           bot_clicks = s.bot_clicks + d.bot_clicks,
           first_opened_at = LEAST(s.first_opened_at, d.first_open),
           last_opened_at = GREATEST(s.last_opened_at, d.last_open),
           last_clicked_at = GREATEST(s.last_clicked_at, d.last_click)
         FROM unnest($1::text[], $2::uuid[], $3::integer[], $4::integer[], $5::integer[],
                     $6::timestamptz[], $7::timestamptz[], $8::timestamptz[], $9::integer[], $10::integer[])
           AS d(org_id, id, opens, clicks, mpp_opens, first_open, last_open, last_click, bot_opens, bot_clicks)
         WHERE s.org_id = d.org_id AND s.id = d.id`,
};
// Over all retained events of those clients: tracking_events_client_idx.
const KNOWN_CLICKERS = {
  name: 'events_known_clickers',
  text: `SELECT DISTINCT e.org_id, e.send_id, e.link_position, e.ip_hash
         FROM tracking_events e
         JOIN (SELECT DISTINCT * FROM unnest($1::text[], $2::uuid[], $3::bytea[])) AS k(org_id, send_id, ip_hash)
           ON e.org_id = k.org_id AND e.send_id = k.send_id AND e.ip_hash = k.ip_hash
         WHERE e.counted AND e.kind = 'CLICK' AND e.link_position IS NOT NULL`,
};
// A click with no client address still makes the link clicked by someone.
const BUMP_LINKS = {
  name: 'events_bump_links',
  text: `UPDATE send_links l SET
           clicks = l.clicks + d.clicks,
           unique_clickers = GREATEST(l.unique_clickers + d.new_clickers, 1),
           first_clicked_at = LEAST(l.first_clicked_at, d.first_at),
           last_clicked_at = GREATEST(l.last_clicked_at, d.last_at)
         FROM unnest($1::text[], $2::uuid[], $3::integer[], $4::integer[], $5::integer[], $6::timestamptz[], $7::timestamptz[])
           AS d(org_id, send_id, position, clicks, new_clickers, first_at, last_at)
         WHERE l.org_id = d.org_id AND l.send_id = d.send_id AND l.position = d.position`,
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
}

const iso = (time: number | null) => (time === null ? null : new Date(time).toISOString());
const earliest = (a: number | null, b: number) => (a === null ? b : Math.min(a, b));
const latest = (a: number | null, b: number) => (a === null ? b : Math.max(a, b));

/** `counts`: stored and counted, per event; `bots`: stored bot events, per event. */
export async function bumpSendCounters(
  db: EntityManager,
  events: readonly TrackingEventInput[],
  counts: readonly boolean[],
  bots: readonly boolean[],
): Promise<void> {
  const deltas = new Map<string, SendDelta>();
  events.forEach((event, index) => {
    if (!counts[index] && !bots[index]) return;
    const key = sendKey(event.orgId, event.sendId);
    const delta = deltas.get(key) ?? {
      orgId: event.orgId, sendId: event.sendId, opens: 0, clicks: 0, mppOpens: 0, botOpens: 0, botClicks: 0, firstOpen: null, lastOpen: null, lastClick: null,
    };
    deltas.set(key, delta);
    if (!counts[index]) {
      if (event.kind === 'OPEN') delta.botOpens += 1;
      else delta.botClicks += 1;
      return;
    }
    const at = event.occurredAt.getTime();
    if (event.kind === 'OPEN') {
      delta.opens += 1;
      if (event.mpp) delta.mppOpens += 1;
      delta.firstOpen = earliest(delta.firstOpen, at);
      delta.lastOpen = latest(delta.lastOpen, at);
    } else {
      delta.clicks += 1;
      delta.lastClick = latest(delta.lastClick, at);
    }
  });
  if (deltas.size === 0) return;
  const rows = [...deltas.values()];
  await runPrepared(db, BUMP_SENDS, [
    rows.map((row) => row.orgId),
    rows.map((row) => row.sendId),
    rows.map((row) => row.opens),
    rows.map((row) => row.clicks),
    rows.map((row) => row.mppOpens),
    rows.map((row) => iso(row.firstOpen)),
    rows.map((row) => iso(row.lastOpen)),
    rows.map((row) => iso(row.lastClick)),
    rows.map((row) => row.botOpens),
    rows.map((row) => row.botClicks),
  ]);
}

/** Clients (per-send IP hashes) that already made a counted click on each link, over all retained events. */
export async function knownClickers(db: EntityManager, clicks: readonly TrackingEventInput[]): Promise<Set<string>> {
  const withClient = clicks.filter((event) => event.ipHash);
  if (withClient.length === 0) return new Set();
  const rows = await runPrepared<{ org_id: string; send_id: string; link_position: number; ip_hash: Buffer }>(db, KNOWN_CLICKERS, [
    withClient.map((event) => event.orgId),
    withClient.map((event) => event.sendId),
    withClient.map((event) => event.ipHash),
  ]);
  return new Set(rows.map((row) => `${sendKey(row.org_id, row.send_id)} ${row.link_position} ${row.ip_hash.toString('hex')}`));
}

interface LinkDelta {
  orgId: string;
  sendId: string;
  position: number;
  clicks: number;
  newClickers: number;
  first: number | null;
  last: number | null;
}

export const isLinkClick = (event: TrackingEventInput) => event.kind === 'CLICK' && event.linkPosition !== null;

/** `known`: clients that clicked each link before this batch (read before the batch is inserted). */
export function linkDeltas(events: readonly TrackingEventInput[], counts: readonly boolean[], known: Set<string>): LinkDelta[] {
  const clicks = events.filter((event, index) => counts[index] && isLinkClick(event));
  const deltas = new Map<string, LinkDelta>();
  for (const event of clicks) {
    const key = `${sendKey(event.orgId, event.sendId)} ${event.linkPosition}`;
    const delta = deltas.get(key) ?? {
      orgId: event.orgId, sendId: event.sendId, position: event.linkPosition as number, clicks: 0, newClickers: 0, first: null, last: null,
    };
    const at = event.occurredAt.getTime();
    delta.clicks += 1;
    delta.first = earliest(delta.first, at);
    delta.last = latest(delta.last, at);
    if (event.ipHash) {
      const client = `${key} ${event.ipHash.toString('hex')}`;
      if (!known.has(client)) {
        known.add(client);
        delta.newClickers += 1;
      }
    }
    deltas.set(key, delta);
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
    rows.map((row) => row.newClickers),
    rows.map((row) => iso(row.first)),
    rows.map((row) => iso(row.last)),
  ]);
}

