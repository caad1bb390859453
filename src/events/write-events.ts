// Writes a batch of events inside the caller's transaction: lock the sends,
// read what the rules look at around each client, decide (machines, dedupe,
// what earlier events change), insert the raw events, reclassify the stored
// ones, move the counters. Every statement takes the whole batch, so a batch
// costs a handful of round trips; the rare paths (a machine found, a webhook
// event taken back) add their own.
import type { EntityManager } from 'typeorm';
import { runPrepared } from '../db/prepared';
import { lockSends, readHistory, readWindowEvents, type BatchHistory } from './batch-reads';
import { bumpLinkCounters, bumpSendCounters, linkDeltas, type CounterChange } from './counters';
import { decideBatch, type BatchDecision, type Flip } from './decide-batch';
import { sendKey, type TrackingEventInput } from './event';
import { insertEvents } from './insert-events';
import { clientKey, MACHINE_MARGIN_MS, type MachineWindow } from './machine-rules';
import { flipStoredEvents, lostClickers, storeMachineWindows } from './reclassify';
import { notifyActivity } from '../live/notify-activity';
import { activityOf, recordSendActivity } from './send-activity';
import { writtenBatch, type WrittenBatch } from './written-batch';

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
}

// Served by the primary key of send_links, one probe per key.
const LINK_POSITIONS = {
  name: 'events_link_positions_v2',
  text: `SELECT k.org_id, k.send_id, k.url, l.position
         FROM unnest($1::text[], $2::uuid[], $3::text[]) AS k(org_id, send_id, url)
         CROSS JOIN LATERAL (
           SELECT l.position FROM send_links l
           WHERE l.org_id = k.org_id AND l.send_id = k.send_id AND l.url = k.url
           ORDER BY l.position LIMIT 1) l`,
};

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

/** Machine windows covering more than the history read around their client: their whole span is read. */
function windowsBeyondHistory(windows: readonly MachineWindow[], history: BatchHistory): MachineWindow[] {
  return windows.filter((window) => {
    const range = history.fetched.get(clientKey(window.orgId, window.sendId, window.ipHash));
    return !range || window.firstAt - MACHINE_MARGIN_MS < range[0] || window.lastAt + MACHINE_MARGIN_MS > range[1];
  });
}

async function decide(db: EntityManager, events: TrackingEventInput[], history: BatchHistory, machineRules: boolean): Promise<BatchDecision> {
  const decision = decideBatch(events, history, [], machineRules);
  const beyond = windowsBeyondHistory(decision.changedWindows, history);
  return beyond.length === 0 ? decision : decideBatch(events, history, await readWindowEvents(db, beyond));
}

function insertedChanges(decision: BatchDecision, counts: readonly boolean[], inserted: readonly boolean[]): CounterChange[] {
  const changes: CounterChange[] = [];
  decision.events.forEach((event, index) => {
    if (!inserted[index] || (!counts[index] && !event.bot)) return;
    changes.push({
      orgId: event.orgId,
      sendId: event.sendId,
      kind: event.kind,
      at: event.occurredAt.getTime(),
      mpp: event.mpp,
      counted: counts[index] ? 1 : 0,
      bot: counts[index] ? 0 : 1,
      linkPosition: event.linkPosition,
      ipHash: event.ipHash,
      webhook: counts[index] && event.source === 'WEBHOOK',
    });
  });
  return changes;
}

const flipChanges = (flips: readonly Flip[]): CounterChange[] =>
  flips.map(({ event, bot }) => ({
    orgId: event.orgId,
    sendId: event.sendId,
    kind: event.kind,
    at: event.at,
    mpp: event.mpp,
    counted: -1,
    bot: bot ? 1 : 0,
    linkPosition: event.linkPosition,
    ipHash: event.ipHash,
    webhook: false,
  }));

async function appendOnly(db: EntityManager, batch: readonly TrackingEventInput[], maybeRepeated: boolean): Promise<WriteOutcome> {
  const counted = batch.map((event) => event.countable && !event.bot);
  const { inserted: stored } = await insertEvents(db, batch, counted, maybeRepeated);
  return {
    counted: counted.map((flag, index) => flag && stored[index]),
    stored,
    bot: batch.map((event, index) => event.bot && stored[index]),
    withheld: batch.map(() => false),
    written: { stored: [], reclassified: [] },
  };
}

/**
 * Writes a batch within the caller's transaction (the webhook path adds its
 * own statements to the same transaction). Events of sends that do not exist,
 * or whose contact withdrew consent or was erased, are skipped.
 */
export async function writeEvents(db: EntityManager, batch: readonly TrackingEventInput[], options: WriteOptions = {}): Promise<WriteOutcome> {
  if (options.appendOnly) return appendOnly(db, batch, options.maybeRepeated ?? true);
  // Every probe below is an index look-up per key. A table whose statistics
  // say it is empty (a month's new partition, a freshly analyzed table) makes
  // a sequential scan look free to the planner, and then each probe scans the
  // whole partition as it fills. Seq scans only lose their appeal: hash joins
  // (which the triggers on sends use over their transition tables) stay.
  await db.query('SET LOCAL enable_seqscan = off');
  const sends = await lockSends(db, batch);
  const withheld = batch.map((event) => sends.get(sendKey(event.orgId, event.sendId))?.withheld);
  const known = withheld.map((flag) => flag === false);
  const outcome: WriteOutcome = {
    counted: batch.map(() => false),
    stored: batch.map(() => false),
    bot: batch.map(() => false),
    withheld: withheld.map((flag) => flag === true),
    written: { stored: [], reclassified: [] },
  };
  // Copies only where the writer fills something in (a webhook click's link position).
  const events = batch.filter((_, index) => known[index]).map((event) => (event.source === 'WEBHOOK' ? { ...event } : event));
  if (events.length === 0) return outcome;

  await resolveLinkPositions(db, events);
  const rules = options.machineRules ?? true;
  const history = await readHistory(db, events, sends, rules);
  const decision = await decide(db, events, history, rules);
  const { ids, inserted } = await insertEvents(db, decision.events, decision.counted, options.maybeRepeated ?? true);
  // A repeat of a stored event neither counts nor moves anything again.
  const counts = decision.counted.map((flag, index) => flag && inserted[index]);
  const flipped = await flipStoredEvents(db, decision.flips);
  await storeMachineWindows(db, decision.changedWindows);
  const changes = [...insertedChanges(decision, counts, inserted), ...flipChanges(flipped)];
  await bumpSendCounters(db, changes, new Set(decision.changedWindows.map((window) => sendKey(window.orgId, window.sendId))));
  await recordSendActivity(db, changes.map(activityOf), (orgId, sendId) => sends.get(sendKey(orgId, sendId)));
  await bumpLinkCounters(db, linkDeltas(changes, history.clickedLinks, await lostClickers(db, flipped)));
  outcome.written = writtenBatch(decision.events, ids, inserted, counts, flipped);
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
