// A written batch's changes to the per-send client counters (send_clients):
// counted opens, clicks and MPP opens per (send, client, device), new events
// adding to their client, reclassified ones taking back from the client they
// were credited to (stored on their raw row): an event stored before clients
// were parsed was credited to none, so taking it back moves no client row.
// The event writer applies the result in one set-based upsert, in this order
// (the rows' lock order). Pure.
import type { ClientKey, Device, MailClient } from './client-keys';

/** One event's effect on its client's counters: +1 newly counted, -1 taken back; 0 (a machine's) moves nothing. */
export interface ClientChange {
  orgId: string;
  sendId: string;
  kind: 'OPEN' | 'CLICK';
  mpp: boolean;
  counted: -1 | 0 | 1;
  /** the event's client as parsed when it was stored; null for events stored before clients were parsed */
  client: ClientKey | null;
}

export interface ClientDelta {
  orgId: string;
  sendId: string;
  client: MailClient;
  device: Device;
  opens: number;
  clicks: number;
  mppOpens: number;
}

/** Summed per (organisation, send, client, device), rows that sum to nothing dropped, in key order. */
export function clientDeltas(changes: readonly ClientChange[]): ClientDelta[] {
  // Nested maps rather than one composite key per change: the writer calls
  // this for every counted event, and a key string per event was garbage
  // enough to grow the heap of a writer draining a million events.
  const byKey = new Map<string, Map<string, Map<string, Map<string, ClientDelta>>>>();
  const within = <V>(map: Map<string, V>, key: string, make: () => V): V => {
    let value = map.get(key);
    if (value === undefined) map.set(key, (value = make()));
    return value;
  };
  const all: ClientDelta[] = [];
  for (const change of changes) {
    if (change.counted === 0 || change.client === null) continue;
    const { client, device } = change.client;
    const delta = within(within(within(within(byKey, change.orgId, () => new Map()), change.sendId, () => new Map()), client, () => new Map()), device, () => {
      const created: ClientDelta = { orgId: change.orgId, sendId: change.sendId, client, device, opens: 0, clicks: 0, mppOpens: 0 };
      all.push(created);
      return created;
    });
    if (change.kind === 'CLICK') delta.clicks += change.counted;
    else {
      delta.opens += change.counted;
      if (change.mpp) delta.mppOpens += change.counted;
    }
  }
  const compare = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
  return all
    .filter((delta) => delta.opens !== 0 || delta.clicks !== 0 || delta.mppOpens !== 0)
    .sort((a, b) => compare(a.orgId, b.orgId) || compare(a.sendId, b.sendId) || compare(a.client, b.client) || compare(a.device, b.device));
}
