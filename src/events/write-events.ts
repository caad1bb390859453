// Writes one organisation's batch of events inside the caller's transaction,
// and every figure the batch moves: nothing else (no trigger, no second
// writer) maintains them. In order: lock the sends, read what the rules look
// at around each client, decide (machines, dedupe, what earlier events
// change), parse the clients of the events that count, store the raw events
// and reclassify stored ones, turn all of it
// into deltas (figure-deltas.ts, pure), then apply them one table at a time,
// one statement each. Every statement takes the organisation as a scalar and
// filters every table by it, so on Citus the transaction stays on that
// organisation's shard.
import type { EntityManager } from 'typeorm';
import { runPrepared } from '../db/prepared';
import { insertActivityDeltas } from '../rollups/activity-deltas';
import { insertBreakdownDeltas } from '../rollups/breakdown-deltas';
import { counterBreakdownDeltas } from '../rollups/breakdown-moves';
import { insertLinkStatsDeltas } from '../rollups/link-stats-deltas';
import { insertSendStatsDeltas } from '../rollups/stats-deltas';
import { lockSends, readHistory, readWindowEvents, type BatchHistory } from './batch-reads';
import { bumpClientCounters, clientChanges, clientsOf } from './client-counters';
import { decideBatch, type BatchDecision } from './decide-batch';
import type { TrackingEventInput } from './event';
import { flipChanges, newEventChanges } from './figure-change';
import { figureDeltas } from './figure-deltas';
import { insertEvents } from './insert-events';
import { bumpLinkCounters } from './link-counters';
import { linkStatsDeltas } from './link-deltas';
import { clientKey, MACHINE_MARGIN_MS, type MachineWindow } from './machine-rules';
import { flipStoredEvents, lostClickers, storeMachineWindows } from './reclassify';
import { recordSendActivity } from './send-activity';
import { bumpSendCounters } from './send-counters';
import { notifyActivity } from '../live/notify-activity';
import { writtenBatch, type WrittenBatch } from './written-batch';
import { queueWrittenEvents } from '../outbound/outbox';

export interface WriteOutcome {
  /** per input event: stored and counted */
  counted: boolean[];
  /** per input event: stored (false: its send does not exist, is withheld, or a repeat of a stored event) */
  stored: boolean[];
  /** per input event: stored as a machine's (by its user agent, network, or the machine rules) */
  bot: boolean[];
  /** per input event: not stored because its contact withdrew consent or was erased */
  withheld: boolean[];
  /** what the transaction stored and reclassified, as the steps after the figures take it */
  written: WrittenBatch;
}

export interface WriteOptions {
  /** some events may be stored already (a retry, or a journal adopted after a crash): insert idempotently */
  maybeRepeated?: boolean;
  /** false only for the tracking benchmark's baseline (see RecorderOptions) */
  machineRules?: boolean;
  /**
   * true only for the tracking benchmark's floor: the raw events are
   * inserted and nothing else (what any writer must at least spend per event)
   */
  appendOnly?: boolean;
  /**
   * false only for the writer benchmark's baseline: no client is parsed,
   * stored or counted (what parsing costs the writer is the difference)
   */
  clientParsing?: boolean;
}

/** The batch's one organisation: a batch is cut per organisation (write-lanes.ts, webhooks/ingest.ts) before it comes here. */
function organisationOf(batch: readonly TrackingEventInput[]): string {
  const orgId = batch[0].orgId;
  if (batch.some((event) => event.orgId !== orgId)) throw new Error('writeEvents: a batch holds events of one organisation only');
  return orgId;
}

// send_links_pkey, one probe per key.
const LINK_POSITIONS = {
  name: 'events_link_positions_v3',
  text: `SELECT k.send_id, k.url, l.position
         FROM unnest($2::uuid[], $3::text[]) AS k(send_id, url)
         CROSS JOIN LATERAL (
           SELECT l.position FROM send_links l
           WHERE l.org_id = $1 AND l.send_id = k.send_id AND l.url = k.url
           ORDER BY l.position LIMIT 1) l`,
};

/** Fills in the link position of clicks known only by URL (webhooks), from the send's links. */
async function resolveLinkPositions(db: EntityManager, orgId: string, events: TrackingEventInput[]): Promise<void> {
  const unresolved = events.filter((event) => event.kind === 'CLICK' && event.linkPosition === null && event.url !== null);
  if (unresolved.length === 0) return;
  const rows = await runPrepared<{ send_id: string; position: number; url: string }>(db, LINK_POSITIONS, [
    orgId,
    unresolved.map((event) => event.sendId),
    unresolved.map((event) => event.url),
  ]);
  const positions = new Map(rows.map((row) => [`${row.send_id} ${row.url}`, row.position]));
  for (const event of unresolved) event.linkPosition = positions.get(`${event.sendId} ${event.url}`) ?? null;
}

/** Machine windows covering more than the history read around their client: their whole span is read. */
function windowsBeyondHistory(windows: readonly MachineWindow[], history: BatchHistory): MachineWindow[] {
  return windows.filter((window) => {
    const range = history.fetched.get(clientKey(window.orgId, window.sendId, window.ipHash));
    return !range || window.firstAt - MACHINE_MARGIN_MS < range[0] || window.lastAt + MACHINE_MARGIN_MS > range[1];
  });
}

async function decide(db: EntityManager, orgId: string, events: TrackingEventInput[], history: BatchHistory, machineRules: boolean): Promise<BatchDecision> {
  const decision = decideBatch(events, history, [], machineRules);
  const beyond = windowsBeyondHistory(decision.changedWindows, history);
  return beyond.length === 0 ? decision : decideBatch(events, history, await readWindowEvents(db, orgId, beyond));
}

async function appendOnly(db: EntityManager, orgId: string, batch: readonly TrackingEventInput[], maybeRepeated: boolean): Promise<WriteOutcome> {
  const counted = batch.map((event) => event.countable && !event.bot);
  const { inserted: stored } = await insertEvents(db, orgId, batch, counted, batch.map(() => null), maybeRepeated);
  return {
    counted: counted.map((flag, index) => flag && stored[index]),
    stored,
    bot: batch.map((event, index) => event.bot && stored[index]),
    withheld: batch.map(() => false),
    written: { stored: [], reclassified: [] },
  };
}

/**
 * Writes a batch of one organisation within the caller's transaction (the
 * webhook path adds its own statements to the same transaction). Events of
 * sends that do not exist, or whose contact withdrew consent or was erased,
 * are skipped.
 */
export async function writeEvents(db: EntityManager, batch: readonly TrackingEventInput[], options: WriteOptions = {}): Promise<WriteOutcome> {
  const outcome: WriteOutcome = {
    counted: batch.map(() => false),
    stored: batch.map(() => false),
    bot: batch.map(() => false),
    withheld: batch.map(() => false),
    written: { stored: [], reclassified: [] },
  };
  if (batch.length === 0) return outcome;
  const orgId = organisationOf(batch);
  if (options.appendOnly) return appendOnly(db, orgId, batch, options.maybeRepeated ?? true);
  // Every probe below is an index look-up per key. A table whose statistics
  // say it is empty (a month's new partition, a freshly analyzed table) makes
  // a sequential scan look free to the planner, and then each probe scans the
  // whole partition as it fills. On Citus the setting must reach the workers,
  // which plan the statements: set first, the propagation is a placeholder
  // elsewhere.
  await db.query(`SET LOCAL citus.propagate_set_commands = 'local'`);
  await db.query('SET LOCAL enable_seqscan = off');

  const sends = await lockSends(db, orgId, batch);
  const known = batch.map((event) => sends.get(event.sendId)?.withheld === false);
  batch.forEach((event, index) => (outcome.withheld[index] = sends.get(event.sendId)?.withheld === true));
  // Copies only where the writer fills something in (a webhook click's link position).
  const events = batch.filter((_, index) => known[index]).map((event) => (event.source === 'WEBHOOK' ? { ...event } : event));
  if (events.length === 0) return outcome;
  await resolveLinkPositions(db, orgId, events);
  const rules = options.machineRules ?? true;
  const history = await readHistory(db, orgId, events, sends, rules);
  const decision = await decide(db, orgId, events, history, rules);

  const clients = options.clientParsing === false ? decision.events.map(() => null) : clientsOf(decision.events, decision.counted);
  const { ids, inserted } = await insertEvents(db, orgId, decision.events, decision.counted, clients, options.maybeRepeated ?? true);
  // A repeat of a stored event neither counts nor moves anything again.
  const counts = decision.counted.map((flag, index) => flag && inserted[index]);
  const flipped = await flipStoredEvents(db, orgId, decision.flips);
  await storeMachineWindows(db, orgId, decision.changedWindows);

  const changes = [...newEventChanges(decision.events, counts, inserted), ...flipChanges(flipped)];
  const machineSends = new Set(decision.changedWindows.map((window) => window.sendId));
  const deltas = figureDeltas(changes, sends, machineSends, history.clickedLinks, await lostClickers(db, orgId, flipped));
  await bumpSendCounters(db, orgId, deltas.sends);
  await insertSendStatsDeltas(db, orgId, deltas.sendStats);
  await recordSendActivity(db, orgId, deltas.activity);
  await insertActivityDeltas(db, orgId, deltas.activityStats);
  const clicked = await bumpLinkCounters(db, orgId, deltas.links);
  await insertLinkStatsDeltas(db, orgId, linkStatsDeltas(deltas.links, clicked, sends));
  // The breakdowns' share of the counter moves, from the locked sends as they were: one statement with the clients'.
  const clientBreakdowns = await bumpClientCounters(db, orgId, clientChanges(orgId, decision.events, clients, counts, flipped), sends);
  await insertBreakdownDeltas(db, orgId, [...counterBreakdownDeltas(deltas.sends, sends), ...clientBreakdowns]);
  outcome.written = writtenBatch(decision.events, ids, inserted, counts, flipped);
  await queueWrittenEvents(db, outcome.written);
  await notifyActivity(db, outcome.written);

  let next = 0;
  batch.forEach((_, index) => {
    if (!known[index]) return;
    outcome.stored[index] = inserted[next];
    outcome.counted[index] = counts[next];
    outcome.bot[index] = inserted[next] && decision.events[next].bot;
    next++;
  });
  return outcome;
}
