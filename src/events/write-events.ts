// Writes a batch of events inside the caller's transaction: lock the sends,
// read the counted events the dedupe rules look at, decide, insert the raw
// events, bump the counters on sends and send_links. Every statement takes
// the whole batch, so a batch costs a handful of round trips.
import type { EntityManager } from 'typeorm';
import { bumpLinkCounters, bumpSendCounters, isLinkClick, knownClickers, linkDeltas } from './counters';
import { decideCounted, type CountedEvent } from './dedupe';
import { CLIENT_DEDUPE_MS, WEBHOOK_DEDUPE_MS, sendKey, type TrackingEventInput } from './event';
import { runPrepared } from '../db/prepared';
import { insertEvents } from './insert-events';
import { activityOf, recordSendActivity } from './send-activity';

export interface WriteOutcome {
  /** per input event: stored and counted */
  counted: boolean[];
  /** per input event: stored (false: its send does not exist, or a repeat of a stored event) */
  stored: boolean[];
}

interface StoredRow {
  send_id: string;
  kind: 'OPEN' | 'CLICK';
  source: 'PIXEL' | 'REDIRECT' | 'WEBHOOK';
  occurred_at: Date;
  link_position: number | null;
  url: string | null;
  ip_hash: Buffer | null;
}

/** The latest counted open and click of a locked send. */
interface SendActivity {
  lastOpen: number | null;
  lastClick: number | null;
}

// The batch statements, prepared once per connection (see db/prepared.ts).
const LOCK_SENDS = {
  name: 'events_lock_sends',
  text: `SELECT s.org_id, s.id, s.last_opened_at, s.last_clicked_at FROM sends s
         JOIN unnest($1::text[], $2::uuid[]) AS k(org_id, id) ON s.org_id = k.org_id AND s.id = k.id
         ORDER BY s.org_id, s.id
         FOR UPDATE OF s`,
};
// Served by tracking_events_client_idx.
const SAME_CLIENT_HISTORY = {
  name: 'events_same_client_history',
  text: `SELECT e.send_id, e.kind, e.source, e.occurred_at, e.link_position, e.url, e.ip_hash
         FROM tracking_events e
         JOIN (SELECT DISTINCT * FROM unnest($1::text[], $2::uuid[], $3::bytea[])) AS k(org_id, send_id, ip_hash)
           ON e.org_id = k.org_id AND e.send_id = k.send_id AND e.ip_hash = k.ip_hash
         WHERE e.counted AND e.occurred_at BETWEEN $4 AND $5`,
};
// Served by the primary key (org_id, send_id, occurred_at, id).
const WEBHOOK_HISTORY = {
  name: 'events_webhook_history',
  text: `SELECT e.send_id, e.kind, e.source, e.occurred_at, e.link_position, e.url, e.ip_hash
         FROM tracking_events e
         JOIN (SELECT DISTINCT * FROM unnest($1::text[], $2::uuid[])) AS k(org_id, send_id)
           ON e.org_id = k.org_id AND e.send_id = k.send_id
         WHERE e.counted AND e.occurred_at BETWEEN $3 AND $4`,
};
const LINK_POSITIONS = {
  name: 'events_link_positions',
  text: `SELECT DISTINCT ON (l.org_id, l.send_id, l.url) l.org_id, l.send_id, l.position, l.url
         FROM send_links l
         JOIN (SELECT DISTINCT * FROM unnest($1::text[], $2::uuid[], $3::text[])) AS k(org_id, send_id, url)
           ON l.org_id = k.org_id AND l.send_id = k.send_id AND l.url = k.url
         ORDER BY l.org_id, l.send_id, l.url, l.position`,
};

function toCounted(row: StoredRow): CountedEvent {
  return {
    sendId: row.send_id,
    kind: row.kind,
    source: row.source,
    occurredAt: row.occurred_at.getTime(),
    linkPosition: row.link_position,
    url: row.url,
    ipHash: row.ip_hash,
  };
}

function timeBounds(events: readonly TrackingEventInput[], margin: number): [string, string] {
  let min = Infinity;
  let max = -Infinity;
  for (const event of events) {
    min = Math.min(min, event.occurredAt.getTime());
    max = Math.max(max, event.occurredAt.getTime());
  }
  return [new Date(min - margin).toISOString(), new Date(max + margin).toISOString()];
}

/**
 * Locks the batch's sends in key order (so concurrent writers cannot deadlock
 * on them) and returns those that exist, with their latest counted activity.
 */
async function lockSends(db: EntityManager, events: readonly TrackingEventInput[]): Promise<Map<string, SendActivity>> {
  const keys = [...new Set(events.map((event) => sendKey(event.orgId, event.sendId)))].sort();
  const rows = await runPrepared<{ org_id: string; id: string; last_opened_at: Date | null; last_clicked_at: Date | null }>(db, LOCK_SENDS, [keys.map((key) => key.slice(0, key.lastIndexOf('/'))), keys.map((key) => key.slice(key.lastIndexOf('/') + 1))],
  );
  return new Map(
    rows.map((row) => [
      sendKey(row.org_id, row.id),
      { lastOpen: row.last_opened_at?.getTime() ?? null, lastClick: row.last_clicked_at?.getTime() ?? null },
    ]),
  );
}

/**
 * Whether a counted event of the same send and kind may lie within `window`
 * of this one. The send's last counted open/click bounds every counted event
 * of that kind, so a send quiet for longer than the window needs no look-up.
 */
function mayCollide(event: TrackingEventInput, activity: SendActivity | undefined, window: number): boolean {
  const last = event.kind === 'OPEN' ? activity?.lastOpen : activity?.lastClick;
  return last !== null && last !== undefined && last >= event.occurredAt.getTime() - window;
}

/** Counted events of the same clients within the 5 s window (tracking_events_client_idx). */
async function sameClientHistory(db: EntityManager, events: readonly TrackingEventInput[], activity: Map<string, SendActivity>): Promise<StoredRow[]> {
  const candidates = events.filter(
    (event) => event.countable && event.source !== 'WEBHOOK' && event.ipHash && mayCollide(event, activity.get(sendKey(event.orgId, event.sendId)), CLIENT_DEDUPE_MS),
  );
  if (candidates.length === 0) return [];
  const [from, to] = timeBounds(candidates, CLIENT_DEDUPE_MS);
  return runPrepared<StoredRow>(db, SAME_CLIENT_HISTORY, [
    candidates.map((event) => event.orgId),
    candidates.map((event) => event.sendId),
    candidates.map((event) => event.ipHash),
    from,
    to,
  ]);
}

/** Counted events of the webhook events' sends within 10 minutes, any source (primary key range scan). */
async function webhookHistory(db: EntityManager, events: readonly TrackingEventInput[], activity: Map<string, SendActivity>): Promise<StoredRow[]> {
  const candidates = events.filter(
    (event) => event.countable && event.source === 'WEBHOOK' && mayCollide(event, activity.get(sendKey(event.orgId, event.sendId)), WEBHOOK_DEDUPE_MS),
  );
  if (candidates.length === 0) return [];
  const [from, to] = timeBounds(candidates, WEBHOOK_DEDUPE_MS);
  return runPrepared<StoredRow>(db, WEBHOOK_HISTORY, [candidates.map((event) => event.orgId), candidates.map((event) => event.sendId), from, to]);
}

/** Fills in the link position of clicks known only by URL (webhooks), from the send's links. */
async function resolveLinkPositions(db: EntityManager, events: TrackingEventInput[]): Promise<void> {
  const unresolved = events.filter((event) => event.kind === 'CLICK' && event.linkPosition === null && event.url !== null);
  if (unresolved.length === 0) return;
  const rows = await runPrepared<{ org_id: string; send_id: string; position: number; url: string }>(db, LINK_POSITIONS, [
    unresolved.map((event) => event.orgId),
    unresolved.map((event) => event.sendId),
    unresolved.map((event) => event.url),
  ]);
  const positions = new Map(rows.map((row) => [`${sendKey(row.org_id, row.send_id)} ${row.url}`, row.position]));
  for (const event of unresolved) {
    event.linkPosition = positions.get(`${sendKey(event.orgId, event.sendId)} ${event.url}`) ?? null;
  }
}

/**
 * Writes a batch within the caller's transaction (the webhook path adds its
 * own statements to the same transaction). Events of sends that do not exist
 * are skipped.
 */
export async function writeEvents(db: EntityManager, batch: readonly TrackingEventInput[]): Promise<WriteOutcome> {
  // Every statement below joins a batch of keys (unnest) against tables of
  // millions of rows: index probes are always the right plan, while the
  // planner, seeing thousands of keys, would hash the whole table.
  await db.query('SET LOCAL enable_hashjoin = off; SET LOCAL enable_mergejoin = off');
  const activity = await lockSends(db, batch);
  const known = batch.map((event) => activity.has(sendKey(event.orgId, event.sendId)));
  const events = batch.filter((_, index) => known[index]).map((event) => ({ ...event }));
  const outcome: WriteOutcome = { counted: batch.map(() => false), stored: batch.map(() => false) };
  if (events.length === 0) return outcome;

  await resolveLinkPositions(db, events);
  const history = [...(await sameClientHistory(db, events, activity)), ...(await webhookHistory(db, events, activity))].map(toCounted);
  const decided = decideCounted(events, history);
  const clickers = await knownClickers(db, events.filter((event, index) => decided[index] && isLinkClick(event)));
  const inserted = await insertEvents(db, events, decided);
  // A repeat of a stored event neither counts nor bumps anything again.
  const counts = decided.map((flag, index) => flag && inserted[index]);
  const bots = events.map((event, index) => event.bot && inserted[index]);
  await bumpSendCounters(db, events, counts, bots);
  await recordSendActivity(db, activityOf(events, counts, bots));
  await bumpLinkCounters(db, linkDeltas(events, counts, clickers));

  let next = 0;
  batch.forEach((_, index) => {
    if (!known[index]) return;
    outcome.stored[index] = inserted[next];
    outcome.counted[index] = counts[next];
    next++;
  });
  return outcome;
}
