// How a recorder batch becomes writer transactions: one organisation per
// transaction (on Citus, its shard), and an organisation with many events
// split by send over the lanes, so transactions running at once never wait
// on each other's row locks. The events of one send stay in one transaction,
// in their order.
import type { PendingEvent } from './event';

/** FNV-1a over the send id: cheap and evenly spread over uuids. */
function laneOf(sendId: string, lanes: number): number {
  let hash = 0x811c9dc5;
  for (let index = 0; index < sendId.length; index++) {
    hash ^= sendId.charCodeAt(index);
    hash = Math.imul(hash, 0x01000193);
  }
  return (hash >>> 0) % lanes;
}

/**
 * The batch's transactions: per organisation, in the order each first
 * appears; one with more than `laneSize` events is split by send over at
 * most `lanes` transactions.
 */
export function cutPerOrganisation(events: readonly PendingEvent[], lanes: number, laneSize: number): PendingEvent[][] {
  const byOrganisation = new Map<string, PendingEvent[]>();
  for (const event of events) {
    const group = byOrganisation.get(event.orgId);
    if (group) group.push(event);
    else byOrganisation.set(event.orgId, [event]);
  }
  const cut: PendingEvent[][] = [];
  for (const group of byOrganisation.values()) {
    const parts = Math.min(Math.max(lanes, 1), Math.ceil(group.length / Math.max(laneSize, 1)));
    if (parts <= 1) {
      cut.push(group);
      continue;
    }
    const split: PendingEvent[][] = Array.from({ length: parts }, () => []);
    for (const event of group) split[laneOf(event.sendId, parts)].push(event);
    cut.push(...split.filter((part) => part.length > 0));
  }
  return cut;
}

/** Events written per second over the last few seconds, for the metrics. */
export class WriteRate {
  private readonly windowMs = 10_000;
  private readonly samples: { at: number; events: number }[] = [];
  total = 0;

  note(events: number, now = Date.now()): void {
    this.total += events;
    this.samples.push({ at: now, events });
    while (this.samples.length > 0 && this.samples[0].at < now - this.windowMs) this.samples.shift();
  }

  perSecond(now = Date.now()): number {
    const recent = this.samples.filter((sample) => sample.at >= now - this.windowMs);
    return recent.reduce((sum, sample) => sum + sample.events, 0) / (this.windowMs / 1000);
  }
}
