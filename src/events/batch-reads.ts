// What the writer reads before it decides a batch, in two statements: it
// locks the batch's sends (in key order, so concurrent writers cannot
// deadlock), then reads around each client what the rules look at. Every
// look-up is a LATERAL index probe per key, fenced with OFFSET 0 so the
// planner cannot flatten it into a hash or merge join over a whole
// partition (which it does when the statistics say the table is small).
// A batch is one organisation's: it is $1, a scalar, in every statement,
// and filters every table, so on Citus each statement goes to one shard.
// Times cross as epoch milliseconds and client pseudonyms as hex: parsing
// and formatting thousands of timestamps and byte strings per batch cost
// the writer more than the statements.
import type { EntityManager } from 'typeorm';
import { runPrepared } from '../db/prepared';
import { CLIENT_DEDUPE_MS, WEBHOOK_DEDUPE_MS, type BotReason, type EventKind, type EventSource, type TrackingEventInput } from './event';
import type { ProviderSend } from '../rollups/breakdown-moves';
import type { SendBefore } from './figure-deltas';
import { clickerKey } from './link-deltas';
import { MACHINE_MARGIN_MS, clientKey, type MachineReason, type MachineWindow } from './machine-rules';

/** An epoch-milliseconds column, as PostgreSQL sends it to the writer (date_part is float8 arithmetic; extract would be numeric). */
export const epochMs = (column: string) => `date_part('epoch', ${column}) * 1000`;
/** Epoch milliseconds from the writer, as a timestamptz. */
export const fromEpochMs = (value: string) => `to_timestamp(${value} / 1000.0)`;

export interface LockedSend extends SendBefore, ProviderSend {
  lastOpen: number | null;
  lastClick: number | null;
  /** a machine window exists for one of its clients */
  machineSeen: boolean;
  /** a webhook open or click of it was counted once: only then can a pixel or redirect event take one back */
  webhookCounted: boolean;
  /** its contact withdrew consent or was erased: its events are not recorded */
  withheld: boolean;
}

// A send is withheld when its contact withdrew tracking consent or was erased
// (contract section 7), probed by contacts_pkey. An erased send also has an
// empty address: when this statement waits on a send forgetContact has
// locked, PostgreSQL re-checks only the send's new version (the contact is
// read as of the statement's start), and the blank address is what it sees.
const LOCK_SENDS = {
  name: 'events_lock_sends_v10',
  text: `SELECT k.id, ${epochMs('s.sent_at')} AS sent_at, ${epochMs('s.last_opened_at')} AS last_opened_at,
                ${epochMs('s.last_clicked_at')} AS last_clicked_at, s.machine_seen, s.webhook_counted, s.withheld,
                s.sender_id, s.campaign_id, s.template_id, s.tracked, s.opens, s.clicks, s.mpp_opens, s.mailbox_provider,
                coalesce(s.recipient_domain, '') AS recipient_domain
         FROM unnest($2::uuid[]) WITH ORDINALITY AS k(id, n)
         CROSS JOIN LATERAL (
           SELECT s.sent_at, s.last_opened_at, s.last_clicked_at, s.machine_seen, s.webhook_counted, s.sender_id, s.campaign_id, s.template_id,
                  s.tracked, s.opens, s.clicks, s.mpp_opens, s.mailbox_provider, s.recipient_domain,
                  s.recipient_email = '' OR EXISTS (
                    SELECT FROM contacts c
                    WHERE c.org_id = $1 AND c.id = s.contact_id AND (NOT c.tracking_consent OR c.status = 'ERASED')) AS withheld
           FROM sends s WHERE s.org_id = $1 AND s.id = k.id
           FOR UPDATE) s
         ORDER BY k.n`,
};

/** Locks the batch's sends (all of `orgId`) in key order; returns those that exist, by send id. */
export async function lockSends(db: EntityManager, orgId: string, events: readonly TrackingEventInput[]): Promise<Map<string, LockedSend>> {
  const ids = [...new Set(events.map((event) => event.sendId))].sort();
  const rows = await runPrepared<{
    id: string;
    sent_at: number;
    last_opened_at: number | null;
    last_clicked_at: number | null;
    machine_seen: boolean;
    webhook_counted: boolean;
    withheld: boolean;
    sender_id: string;
    campaign_id: string | null;
    template_id: string | null;
    tracked: boolean;
    opens: number;
    clicks: number;
    mpp_opens: number;
    mailbox_provider: string;
    recipient_domain: string;
  }>(db, LOCK_SENDS, [orgId, ids]);
  return new Map(
    rows.map((row) => [
      row.id,
      {
        sentAt: row.sent_at,
        lastOpen: row.last_opened_at,
        lastClick: row.last_clicked_at,
        machineSeen: row.machine_seen,
        webhookCounted: row.webhook_counted,
        withheld: row.withheld,
        senderId: row.sender_id,
        campaignId: row.campaign_id,
        templateId: row.template_id,
        tracked: row.tracked,
        opens: row.opens,
        clicks: row.clicks,
        mppOpens: row.mpp_opens,
        provider: row.mailbox_provider,
        domain: row.recipient_domain,
      },
    ]),
  );
}

/** A stored event as the rules see it. */
export interface StoredEvent {
  orgId: string;
  sendId: string;
  id: string;
  at: number;
  kind: EventKind;
  source: EventSource;
  counted: boolean;
  bot: boolean;
  botReason: BotReason | null;
  mpp: boolean;
  linkPosition: number | null;
  url: string | null;
  ipHash: string | null;
}

export interface BatchHistory {
  /** the clients' counted events and machines' clicks around the batch */
  clientEvents: StoredEvent[];
  /** the clients' machine windows */
  windows: MachineWindow[];
  /** the links each client clicked, counted, at any time (clickerKey) */
  clickedLinks: Set<string>;
  /** the time range read for each client (clientKey) */
  fetched: Map<string, readonly [number, number]>;
  /** counted webhook events a counted pixel or redirect event may take back */
  webhookCounted: StoredEvent[];
  /** counted events of any source near the batch's webhook events, of their sends and kinds */
  nearbyCounted: StoredEvent[];
}

export const EVENT_COLUMNS = `e.send_id, e.id, ${epochMs('e.occurred_at')} AS occurred_at, e.kind, e.source, e.counted, e.bot,
  e.bot_reason, e.mpp, e.link_position, e.url, encode(e.ip_hash, 'hex') AS ip_hash`;

// $1: the organisation. $2-$5: one row per client (send, ip) with its time
// range; $6, $7: the whole batch's range, pruning partitions once per
// execution rather than per probe. $8, $9: clients whose send has a machine
// window; $10-$12: clients whose send was clicked before, with the earliest
// time an event of that send can have, and $13 the earliest of those (months
// before it are not probed); $14-$17: (send, kind) ranges of pixel and
// redirect events that may take back a counted webhook event
// (tracking_events_webhook_idx); $18-$21: (send, kind) ranges of webhook
// events, which collapse into any counted event of their send nearby (the
// primary key's range).
const HISTORY = {
  name: 'events_history_v5',
  text: `
    SELECT 'client' AS arm, ${EVENT_COLUMNS}, NULL::float8 AS last_at
    FROM unnest($2::uuid[], $3::text[], $4::float8[], $5::float8[]) AS k(send_id, ip_hash, lo, hi)
    CROSS JOIN LATERAL (
      SELECT * FROM tracking_events e
      WHERE e.org_id = $1 AND e.send_id = k.send_id AND e.ip_hash = decode(k.ip_hash, 'hex')
        AND e.occurred_at BETWEEN ${fromEpochMs('k.lo')} AND ${fromEpochMs('k.hi')}
        AND e.occurred_at BETWEEN ${fromEpochMs('$6')} AND ${fromEpochMs('$7')}
        AND (e.counted OR e.bot_reason IN ('BURST', 'TRAP'))
      OFFSET 0) e
    UNION ALL
    SELECT 'machine', m.send_id, NULL, ${epochMs('m.first_at')}, NULL, NULL, NULL, NULL, m.reason, NULL, NULL, NULL,
           encode(m.ip_hash, 'hex'), ${epochMs('m.last_at')}
    FROM unnest($8::uuid[], $9::text[]) AS k(send_id, ip_hash)
    CROSS JOIN LATERAL (
      SELECT * FROM machine_clients m
      WHERE m.org_id = $1 AND m.send_id = k.send_id AND m.ip_hash = decode(k.ip_hash, 'hex')
      OFFSET 0) m
    UNION ALL
    SELECT 'clicked', k.send_id, NULL, NULL, 'CLICK', NULL, true, false, NULL, false, c.link_position, NULL, k.ip_hash, NULL
    FROM unnest($10::uuid[], $11::text[], $12::float8[]) AS k(send_id, ip_hash, since)
    CROSS JOIN LATERAL (
      SELECT DISTINCT e.link_position FROM tracking_events e
      WHERE e.org_id = $1 AND e.send_id = k.send_id AND e.ip_hash = decode(k.ip_hash, 'hex')
        AND e.occurred_at >= ${fromEpochMs('k.since')} AND e.occurred_at >= ${fromEpochMs('$13')}
        AND e.counted AND e.kind = 'CLICK' AND e.link_position IS NOT NULL) c
    UNION ALL
    SELECT 'webhook', ${EVENT_COLUMNS}, NULL
    FROM unnest($14::uuid[], $15::text[], $16::float8[], $17::float8[]) AS k(send_id, kind, lo, hi)
    CROSS JOIN LATERAL (
      SELECT * FROM tracking_events e
      WHERE e.org_id = $1 AND e.send_id = k.send_id AND e.kind = k.kind AND e.counted AND e.source = 'WEBHOOK'
        AND e.occurred_at BETWEEN ${fromEpochMs('k.lo')} AND ${fromEpochMs('k.hi')}
      OFFSET 0) e
    UNION ALL
    SELECT 'nearby', ${EVENT_COLUMNS}, NULL
    FROM unnest($18::uuid[], $19::text[], $20::float8[], $21::float8[]) AS k(send_id, kind, lo, hi)
    CROSS JOIN LATERAL (
      SELECT * FROM tracking_events e
      WHERE e.org_id = $1 AND e.send_id = k.send_id AND e.occurred_at BETWEEN ${fromEpochMs('k.lo')} AND ${fromEpochMs('k.hi')}
        AND e.kind = k.kind AND e.counted
      OFFSET 0) e`,
};

interface HistoryRow {
  arm: 'client' | 'machine' | 'clicked' | 'webhook' | 'nearby';
  send_id: string;
  id: string | null;
  occurred_at: number | null;
  kind: EventKind | null;
  source: EventSource | null;
  counted: boolean | null;
  bot: boolean | null;
  bot_reason: BotReason | null;
  mpp: boolean | null;
  link_position: number | null;
  url: string | null;
  ip_hash: string | null;
  last_at: number | null;
}

export const toStored = (orgId: string, row: HistoryRow): StoredEvent => ({
  orgId,
  sendId: row.send_id,
  id: row.id as string,
  at: row.occurred_at as number,
  kind: row.kind as EventKind,
  source: row.source as EventSource,
  counted: row.counted as boolean,
  bot: row.bot as boolean,
  botReason: row.bot_reason,
  mpp: row.mpp as boolean,
  linkPosition: row.link_position,
  url: row.url,
  ipHash: row.ip_hash,
});

/** Groups events by a key, keeping the time range of each group. */
function ranges<K>(events: readonly TrackingEventInput[], keyOf: (event: TrackingEventInput) => string | null, margin: number, extra: (event: TrackingEventInput) => K) {
  const found = new Map<string, { event: TrackingEventInput; lo: number; hi: number; extra: K }>();
  for (const event of events) {
    const key = keyOf(event);
    if (key === null) continue;
    const at = event.occurredAt.getTime();
    const range = found.get(key);
    if (range) {
      range.lo = Math.min(range.lo, at - margin);
      range.hi = Math.max(range.hi, at + margin);
    } else found.set(key, { event, lo: at - margin, hi: at + margin, extra: extra(event) });
  }
  return [...found.values()];
}

/** Mailgun events are dated at most a day before their send (src/webhooks): no event of a send is older. */
const EARLIEST_BEFORE_SEND_MS = 86_400_000;

function emptyHistory(fetched: Map<string, readonly [number, number]>): BatchHistory {
  return { clientEvents: [], windows: [], clickedLinks: new Set(), fetched, webhookCounted: [], nearbyCounted: [] };
}

/**
 * The history the rules need, for the events of locked sends. A send whose
 * counted activity is older than any window, with no machine window, needs
 * no client look-up at all. `machineRules` false (the tracking benchmark's
 * baseline only): what dedupe alone needs.
 */
export async function readHistory(
  db: EntityManager,
  orgId: string,
  events: readonly TrackingEventInput[],
  sends: ReadonlyMap<string, LockedSend>,
  machineRules = true,
): Promise<BatchHistory> {
  const send = (event: TrackingEventInput) => sends.get(event.sendId) as LockedSend;
  const margin = machineRules ? MACHINE_MARGIN_MS + CLIENT_DEDUPE_MS : CLIENT_DEDUPE_MS;
  const recentlyActive = (event: TrackingEventInput) => {
    const { lastOpen, lastClick, machineSeen } = send(event);
    const since = event.occurredAt.getTime() - margin;
    return machineSeen || (lastOpen !== null && lastOpen >= since) || (lastClick !== null && lastClick >= since);
  };
  const client = (event: TrackingEventInput) => (event.ipHash ? clientKey(event.orgId, event.sendId, event.ipHash) : null);
  const clients = ranges(events, (event) => (recentlyActive(event) ? client(event) : null), margin, () => null);
  const machines = ranges(events, (event) => (machineRules && send(event).machineSeen ? client(event) : null), 0, () => null);
  const clickers = ranges(
    events,
    (event) => (event.kind === 'CLICK' && event.countable && send(event).lastClick !== null ? client(event) : null),
    0,
    (event) => send(event).sentAt - EARLIEST_BEFORE_SEND_MS,
  );
  // A send's latest counted open (click) bounds every counted one: none can lie within the window of an event past it.
  const countedNear = (event: TrackingEventInput) => {
    const last = event.kind === 'OPEN' ? send(event).lastOpen : send(event).lastClick;
    return last !== null && last >= event.occurredAt.getTime() - WEBHOOK_DEDUPE_MS;
  };
  const sendAndKind = (event: TrackingEventInput) => `${event.sendId} ${event.kind}`;
  const takebacks = ranges(
    events,
    (event) =>
      machineRules && event.source !== 'WEBHOOK' && event.countable && send(event).webhookCounted && countedNear(event) ? sendAndKind(event) : null,
    WEBHOOK_DEDUPE_MS,
    (event) => event.kind,
  );
  const nearby = ranges(events, (event) => (event.source === 'WEBHOOK' && event.countable && countedNear(event) ? sendAndKind(event) : null), WEBHOOK_DEDUPE_MS, (event) => event.kind);
  const history = emptyHistory(new Map(clients.map((c) => [client(c.event) as string, [c.lo, c.hi] as const])));
  if (clients.length + machines.length + clickers.length + takebacks.length + nearby.length === 0) return history;

  let first = Infinity;
  let last = -Infinity;
  for (const event of events) {
    first = Math.min(first, event.occurredAt.getTime());
    last = Math.max(last, event.occurredAt.getTime());
  }
  const rows = await runPrepared<HistoryRow>(db, HISTORY, [
    orgId,
    clients.map((c) => c.event.sendId), clients.map((c) => c.event.ipHash), clients.map((c) => c.lo), clients.map((c) => c.hi),
    first - margin, last + margin,
    machines.map((c) => c.event.sendId), machines.map((c) => c.event.ipHash),
    clickers.map((c) => c.event.sendId), clickers.map((c) => c.event.ipHash), clickers.map((c) => c.extra),
    clickers.reduce((earliest, c) => Math.min(earliest, c.extra), first),
    takebacks.map((t) => t.event.sendId), takebacks.map((t) => t.extra), takebacks.map((t) => t.lo), takebacks.map((t) => t.hi),
    nearby.map((t) => t.event.sendId), nearby.map((t) => t.extra), nearby.map((t) => t.lo), nearby.map((t) => t.hi),
  ]);
  for (const row of rows) {
    if (row.arm === 'client') history.clientEvents.push(toStored(orgId, row));
    else if (row.arm === 'webhook') history.webhookCounted.push(toStored(orgId, row));
    else if (row.arm === 'nearby') history.nearbyCounted.push(toStored(orgId, row));
    else if (row.arm === 'clicked') history.clickedLinks.add(clickerKey(row.send_id, row.link_position as number, row.ip_hash as string));
    else {
      history.windows.push({
        orgId,
        sendId: row.send_id,
        ipHash: row.ip_hash as string,
        reason: row.bot_reason as MachineReason,
        firstAt: row.occurred_at as number,
        lastAt: row.last_at as number,
      });
    }
  }
  return history;
}

// Served by tracking_events_client_idx: a machine's counted events inside a
// window that grew beyond what readHistory read.
const WINDOW_EVENTS = {
  name: 'events_window_history_v4',
  text: `SELECT 'client' AS arm, ${EVENT_COLUMNS}, NULL::float8 AS last_at
         FROM unnest($2::uuid[], $3::text[], $4::float8[], $5::float8[]) AS k(send_id, ip_hash, lo, hi)
         CROSS JOIN LATERAL (
           SELECT * FROM tracking_events e
           WHERE e.org_id = $1 AND e.send_id = k.send_id AND e.ip_hash = decode(k.ip_hash, 'hex')
             AND e.occurred_at BETWEEN ${fromEpochMs('k.lo')} AND ${fromEpochMs('k.hi')} AND e.counted
           OFFSET 0) e`,
};

/** Counted events of machine clients over whole windows (rare: a window that grew far). */
export async function readWindowEvents(db: EntityManager, orgId: string, windows: readonly MachineWindow[]): Promise<StoredEvent[]> {
  if (windows.length === 0) return [];
  const rows = await runPrepared<HistoryRow>(db, WINDOW_EVENTS, [
    orgId,
    windows.map((w) => w.sendId),
    windows.map((w) => w.ipHash),
    windows.map((w) => w.firstAt - MACHINE_MARGIN_MS),
    windows.map((w) => w.lastAt + MACHINE_MARGIN_MS),
  ]);
  return rows.map((row) => toStored(orgId, row));
}

/** The read statements, for the tests that check their plans stay per-key index probes on one shard. */
export const batchReadStatements = { lockSends: LOCK_SENDS, history: HISTORY, windowEvents: WINDOW_EVENTS } as const;
