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
  const byKey = new Map<string, ClientDelta>();
  for (const change of changes) {
    if (change.counted === 0 || change.client === null) continue;
    const { client, device } = change.client;
    const key = JSON.stringify([change.orgId, change.sendId, client, device]);
    let delta = byKey.get(key);
    if (!delta) {
      delta = { orgId: change.orgId, sendId: change.sendId, client, device, opens: 0, clicks: 0, mppOpens: 0 };
      byKey.set(key, delta);
    }
    if (change.kind === 'CLICK') delta.clicks += change.counted;
    else {
      delta.opens += change.counted;
      if (change.mpp) delta.mppOpens += change.counted;
    }
  }
  const compare = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
  return [...byKey.values()]
    .filter((delta) => delta.opens !== 0 || delta.clicks !== 0 || delta.mppOpens !== 0)
    .sort((a, b) => compare(a.orgId, b.orgId) || compare(a.sendId, b.sendId) || compare(a.client, b.client) || compare(a.device, b.device));
}
