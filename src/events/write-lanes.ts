// Several writer transactions at once, each on sends of its own: a batch is
// split by send, so two lanes never wait on each other's row locks, and the
// events of one send stay in one lane in their order.
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

export function splitBySend(events: readonly PendingEvent[], lanes: number): PendingEvent[][] {
  if (lanes <= 1) return [events.slice()];
  const split: PendingEvent[][] = Array.from({ length: lanes }, () => []);
  for (const event of events) split[laneOf(event.sendId, lanes)].push(event);
  return split.filter((lane) => lane.length > 0);
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
