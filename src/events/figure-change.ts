// One event's effect on the figures, the unit the writer's delta step works
// on, and the small helpers that step shares. Pure.
import type { Flip } from './decide-batch';
import type { EventKind, TrackingEventInput } from './event';

/** One event's effect: a new one (+1 counted, or +1 bot), or a stored one that stops counting (-1 counted, +1 bot if a machine's). */
export interface FigureChange {
  sendId: string;
  kind: EventKind;
  /** the event's own time, epoch milliseconds */
  at: number;
  mpp: boolean;
  counted: -1 | 0 | 1;
  bot: 0 | 1;
  linkPosition: number | null;
  url: string | null;
  ipHash: string | null;
  /** a webhook event newly counted: its send may now have events to take back */
  webhook: boolean;
}

export const earliest = (a: number | null, b: number) => (a === null ? b : Math.min(a, b));
export const latest = (a: number | null, b: number) => (a === null ? b : Math.max(a, b));

/** The map's value for the key, created first when missing. */
export function entry<K, V>(map: Map<K, V>, key: K, create: () => V): V {
  let value = map.get(key);
  if (value === undefined) {
    value = create();
    map.set(key, value);
  }
  return value;
}

/** The batch's events that were stored and count or are a machine's (a person's collapsed repeat moves nothing). */
export function newEventChanges(events: readonly TrackingEventInput[], counted: readonly boolean[], inserted: readonly boolean[]): FigureChange[] {
  const changes: FigureChange[] = [];
  events.forEach((event, index) => {
    if (!inserted[index] || (!counted[index] && !event.bot)) return;
    changes.push({
      sendId: event.sendId,
      kind: event.kind,
      at: event.occurredAt.getTime(),
      mpp: event.mpp,
      counted: counted[index] ? 1 : 0,
      bot: counted[index] ? 0 : 1,
      linkPosition: event.linkPosition,
      url: event.url,
      ipHash: event.ipHash,
      webhook: counted[index] && event.source === 'WEBHOOK',
    });
  });
  return changes;
}

/** Stored events that stop counting: a machine's now (and a bot event), or a webhook event taken back. */
export const flipChanges = (flips: readonly Flip[]): FigureChange[] =>
  flips.map(({ event, bot }) => ({
    sendId: event.sendId,
    kind: event.kind,
    at: event.at,
    mpp: event.mpp,
    counted: -1,
    bot: bot ? 1 : 0,
    linkPosition: event.linkPosition,
    url: event.url,
    ipHash: event.ipHash,
    webhook: false,
  }));
