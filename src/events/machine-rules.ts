// BURST and TRAP (contract section 4): a client that follows two different
// links of one send within 5 s of each other, or the send's trap link, is a
// machine for that send, from 60 s before its first such click to 60 s after
// its last. Pure: given a batch, the client's stored clicks and its known
// machine windows, says which windows grow and which events become bots.
import type { BotReason, TrackingEventInput } from './event';

/** Two different links of one send within this of each other: a scanner's sweep. */
export const BURST_MS = 5_000;
/** A machine's events this long around its trigger clicks are its. */
export const MACHINE_MARGIN_MS = 60_000;

export type MachineReason = Extract<BotReason, 'BURST' | 'TRAP'>;

/** A client (a send's IP pseudonym) known to be a machine for that send. */
export interface MachineWindow {
  orgId: string;
  sendId: string;
  ipHash: string;
  reason: MachineReason;
  /** its first and last trigger clicks */
  firstAt: number;
  lastAt: number;
}

/** A click already stored that may pair with a new one: counted, or a machine's. */
export interface StoredClick {
  sendId: string;
  ipHash: string;
  at: number;
  linkPosition: number | null;
  url: string | null;
}

export const clientKey = (orgId: string, sendId: string, ipHash: string) => `${orgId}/${sendId}/${ipHash}`;

interface Click {
  at: number;
  linkPosition: number | null;
  url: string | null;
  fromBatch: boolean;
}

/** Different links: by position where both have one, else by URL (a webhook click on a URL the send does not hold). */
function differentLinks(a: Click, b: Click): boolean {
  if (a.linkPosition !== null && b.linkPosition !== null) return a.linkPosition !== b.linkPosition;
  return a.url !== b.url;
}

/** Clicks that can take part in a burst: a person's, or a machine's already marked; not a trap's or a bot's by name. */
function pairable(event: TrackingEventInput): boolean {
  return event.kind === 'CLICK' && (event.countable || event.botReason === 'BURST');
}

/** The trigger clicks in this batch, per client: BURST pairs (with a stored or batch click) and trap clicks. */
function triggers(events: readonly TrackingEventInput[], stored: readonly StoredClick[]): Map<string, { reason: MachineReason; times: number[] }> {
  const clicks = new Map<string, Click[]>();
  const add = (key: string, click: Click) => {
    const list = clicks.get(key);
    if (list) list.push(click);
    else clicks.set(key, [click]);
  };
  const orgOf = new Map(events.map((event) => [event.sendId, event.orgId]));
  for (const click of stored) {
    const orgId = orgOf.get(click.sendId);
    if (orgId !== undefined) add(clientKey(orgId, click.sendId, click.ipHash), { ...click, fromBatch: false });
  }
  const found = new Map<string, { reason: MachineReason; times: number[] }>();
  const note = (key: string, reason: MachineReason, at: number) => {
    const entry = found.get(key) ?? { reason, times: [] };
    if (reason === 'TRAP') entry.reason = 'TRAP';
    entry.times.push(at);
    found.set(key, entry);
  };
  for (const event of events) {
    if (!event.ipHash) continue;
    const key = clientKey(event.orgId, event.sendId, event.ipHash);
    if (event.botReason === 'TRAP') note(key, 'TRAP', event.occurredAt.getTime());
    else if (pairable(event)) add(key, { at: event.occurredAt.getTime(), linkPosition: event.linkPosition, url: event.url, fromBatch: true });
  }
  for (const [key, list] of clicks) {
    list.sort((a, b) => a.at - b.at);
    for (let i = 0; i < list.length; i++) {
      for (let j = i + 1; j < list.length && list[j].at - list[i].at <= BURST_MS; j++) {
        if ((list[i].fromBatch || list[j].fromBatch) && differentLinks(list[i], list[j])) {
          note(key, 'BURST', list[i].at);
          note(key, 'BURST', list[j].at);
        }
      }
    }
  }
  return found;
}

export interface MachineVerdict {
  /** every machine window of the batch's clients, grown by this batch's triggers */
  windows: Map<string, MachineWindow>;
  /** windows that are new or grew: to be stored, and their earlier events looked at again */
  changed: MachineWindow[];
}

/** Grows the known windows by the batch's trigger clicks. */
export function machineWindows(
  events: readonly TrackingEventInput[],
  storedClicks: readonly StoredClick[],
  known: readonly MachineWindow[],
): MachineVerdict {
  const windows = new Map(known.map((window) => [clientKey(window.orgId, window.sendId, window.ipHash), { ...window }]));
  const changed: MachineWindow[] = [];
  const sample = new Map(events.filter((event) => event.ipHash).map((event) => [clientKey(event.orgId, event.sendId, event.ipHash as string), event]));
  for (const [key, found] of triggers(events, storedClicks)) {
    const first = Math.min(...found.times);
    const last = Math.max(...found.times);
    const window = windows.get(key);
    if (window && window.firstAt <= first && window.lastAt >= last) continue;
    const event = sample.get(key) as TrackingEventInput;
    const grown: MachineWindow = window
      ? { ...window, firstAt: Math.min(window.firstAt, first), lastAt: Math.max(window.lastAt, last) }
      : { orgId: event.orgId, sendId: event.sendId, ipHash: event.ipHash as string, reason: found.reason, firstAt: first, lastAt: last };
    windows.set(key, grown);
    changed.push(grown);
  }
  return { windows, changed };
}

/** Whether a machine window covers an event of its client at `at`. */
export function covers(window: MachineWindow, at: number): boolean {
  return at >= window.firstAt - MACHINE_MARGIN_MS && at <= window.lastAt + MACHINE_MARGIN_MS;
}

/**
 * The machine's reason for an event, or null: an event a person's rules would
 * count, from a machine client, within its window. Apple's privacy proxy is
 * never one: it fetches for whoever reads, from addresses many share.
 */
export function machineReason(event: TrackingEventInput, windows: Map<string, MachineWindow>): MachineReason | null {
  if (!event.countable || event.mpp || !event.ipHash) return null;
  const window = windows.get(clientKey(event.orgId, event.sendId, event.ipHash));
  return window && covers(window, event.occurredAt.getTime()) ? window.reason : null;
}
