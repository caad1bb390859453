// Which events of a batch are counted: pure, given the batch and the counted
// events already stored around it. The writer holds the sends' row locks while
// this runs, so the answer is exact across requests, batches and instances.
import { CLIENT_DEDUPE_MS, WEBHOOK_DEDUPE_MS, type EventKind, type EventSource, type TrackingEventInput } from './event';

/** A counted event already stored (or counted earlier in this batch). */
export interface CountedEvent {
  sendId: string;
  kind: EventKind;
  source: EventSource;
  occurredAt: number;
  linkPosition: number | null;
  url: string | null;
  ipHash: string | null;
}

function sameLink(a: CountedEvent, event: TrackingEventInput): boolean {
  return event.kind === 'OPEN' || a.linkPosition === event.linkPosition;
}

function sameUrl(a: CountedEvent, event: TrackingEventInput): boolean {
  return event.kind === 'OPEN' || a.url === event.url;
}

/** Counted events grouped so each decision looks only at its own send's candidates. */
class History {
  private readonly byClient = new Map<string, CountedEvent[]>();
  private readonly byKind = new Map<string, CountedEvent[]>();

  add(event: CountedEvent): void {
    push(this.byKind, `${event.sendId}|${event.kind}`, event);
    if (event.ipHash) push(this.byClient, `${event.sendId}|${event.kind}|${event.ipHash}`, event);
  }

  sameClient(event: TrackingEventInput): CountedEvent[] {
    return event.ipHash ? (this.byClient.get(`${event.sendId}|${event.kind}|${event.ipHash}`) ?? []) : [];
  }

  sameKind(event: TrackingEventInput): CountedEvent[] {
    return this.byKind.get(`${event.sendId}|${event.kind}`) ?? [];
  }
}

function push(map: Map<string, CountedEvent[]>, key: string, event: CountedEvent): void {
  const list = map.get(key);
  if (list) list.push(event);
  else map.set(key, [event]);
}

/**
 * Decides `counted` for each event, in time order. Pixel and redirect events
 * collapse into a counted event of the same send, kind, client IP (and link)
 * within 5 s; webhook events into a counted event of the same send and kind
 * (and URL) from either source within 10 minutes. Returns one flag per event,
 * in the order given.
 */
export function decideCounted(events: readonly TrackingEventInput[], stored: readonly CountedEvent[]): boolean[] {
  const history = new History();
  for (const event of stored) history.add(event);
  const order = events.map((_, index) => index).sort((a, b) => events[a].occurredAt.getTime() - events[b].occurredAt.getTime());
  const counted = new Array<boolean>(events.length).fill(false);
  for (const index of order) {
    const event = events[index];
    if (!event.countable) continue;
    const at = event.occurredAt.getTime();
    const collapses =
      event.source === 'WEBHOOK'
        ? history.sameKind(event).some((past) => Math.abs(past.occurredAt - at) <= WEBHOOK_DEDUPE_MS && sameUrl(past, event))
        : history.sameClient(event).some((past) => Math.abs(past.occurredAt - at) <= CLIENT_DEDUPE_MS && sameLink(past, event));
    if (collapses) continue;
    counted[index] = true;
    history.add({
      sendId: event.sendId,
      kind: event.kind,
      source: event.source,
      occurredAt: at,
      linkPosition: event.linkPosition,
      url: event.url,
      ipHash: event.ipHash,
    });
  }
  return counted;
}
