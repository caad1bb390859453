// Everything the counting rules decide about a batch, before anything is
// written: which events are a machine's (BURST, TRAP), which are counted
// (dedupe), and which stored events change because of this batch (a
// machine's earlier events, a webhook event the pixel or redirect takes
// back). Pure, given the batch and what batch-reads found around it.
import type { BatchHistory, StoredEvent } from './batch-reads';
import { decideCounted, type CountedEvent } from './dedupe';
import { WEBHOOK_DEDUPE_MS, type BotReason, type TrackingEventInput } from './event';
import { clientKey, covers, machineReason, machineWindows, type MachineWindow, type StoredClick } from './machine-rules';

/** A stored event that stops being counted: a machine's now (bot), or taken back by a counted event of the other source. */
export interface Flip {
  event: StoredEvent;
  bot: boolean;
  botReason: BotReason | null;
}

export interface BatchDecision {
  /** the batch, with machine clients' events turned into bot events */
  events: TrackingEventInput[];
  /** per event: counted */
  counted: boolean[];
  flips: Flip[];
  /** machine windows that are new or grew */
  changedWindows: MachineWindow[];
}

const toCounted = (event: StoredEvent): CountedEvent => ({
  sendId: event.sendId,
  kind: event.kind,
  source: event.source,
  occurredAt: event.at,
  linkPosition: event.linkPosition,
  url: event.url,
  ipHash: event.ipHash,
});

/** Stored events that a machine window, new or grown in this batch, now covers. */
function machineFlips(stored: readonly StoredEvent[], changed: readonly MachineWindow[]): Flip[] {
  const windows = new Map(changed.map((window) => [clientKey(window.orgId, window.sendId, window.ipHash), window]));
  const flips: Flip[] = [];
  for (const event of stored) {
    if (!event.counted || event.mpp || !event.ipHash) continue;
    const window = windows.get(clientKey(event.orgId, event.sendId, event.ipHash));
    if (window && covers(window, event.at)) flips.push({ event, bot: true, botReason: window.reason });
  }
  return flips;
}

/**
 * Counted webhook events that a counted pixel or redirect event of the same
 * send and kind (and URL, for clicks) within 10 minutes takes back: the
 * webhook's own rule, applied whichever arrived first.
 */
function takebacks(events: readonly TrackingEventInput[], counted: readonly boolean[], webhookCounted: readonly StoredEvent[], flipped: Set<string>): Flip[] {
  const flips: Flip[] = [];
  events.forEach((event, index) => {
    if (!counted[index] || event.source === 'WEBHOOK') return;
    const at = event.occurredAt.getTime();
    for (const stored of webhookCounted) {
      if (flipped.has(stored.id) || stored.sendId !== event.sendId || stored.orgId !== event.orgId || stored.kind !== event.kind) continue;
      if (Math.abs(stored.at - at) > WEBHOOK_DEDUPE_MS || (event.kind === 'CLICK' && stored.url !== event.url)) continue;
      flipped.add(stored.id);
      flips.push({ event: stored, bot: false, botReason: null });
    }
  });
  return flips;
}

/**
 * Decides a batch. `windowEvents`: counted events of machine clients over
 * windows that grew beyond what the history covers (read after a first call
 * returned them in `changedWindows`). `machineRules` false (the tracking
 * benchmark's baseline only): dedupe alone, no BURST, TRAP or take-back.
 */
export function decideBatch(
  batch: readonly TrackingEventInput[],
  history: BatchHistory,
  windowEvents: readonly StoredEvent[] = [],
  machineRules = true,
): BatchDecision {
  const pairable: StoredClick[] = history.clientEvents
    .filter((event) => event.kind === 'CLICK' && event.ipHash && (event.counted || event.botReason === 'BURST'))
    .map((event) => ({ sendId: event.sendId, ipHash: event.ipHash as string, at: event.at, linkPosition: event.linkPosition, url: event.url }));
  const { windows, changed } = machineRules ? machineWindows(batch, pairable, history.windows) : { windows: new Map<string, MachineWindow>(), changed: [] };
  const events = batch.map((event) => {
    const reason = machineReason(event, windows);
    return reason === null ? event : { ...event, countable: false, bot: true, botReason: reason };
  });

  const byId = new Map([...history.clientEvents, ...windowEvents].map((event) => [event.id, event]));
  const flips = machineFlips([...byId.values()], changed);
  const flipped = new Set(flips.map((flip) => flip.event.id));
  // What stays counted is what the dedupe rules compare with.
  const stillCounted = [...history.clientEvents, ...history.nearbyCounted].filter((event) => event.counted && !flipped.has(event.id));
  const counted = decideCounted(events, [...new Map(stillCounted.map((event) => [event.id, toCounted(event)])).values()]);
  if (machineRules) flips.push(...takebacks(events, counted, history.webhookCounted, flipped));
  return { events, counted, flips, changedWindows: changed };
}
