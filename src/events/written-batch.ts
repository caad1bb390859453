// What one writer transaction stored and changed, in the shape the steps that
// follow the figures in the same transaction take it: the outbound webhooks'
// outbox and the live activity fan-out. Built once per batch by the writer.
import type { Flip } from './decide-batch';
import type { BotReason, EventKind, EventSource, TrackingEventInput } from './event';

/** An open or click as it is stored now. */
export interface WrittenEvent {
  id: string;
  orgId: string;
  sendId: string;
  kind: EventKind;
  source: EventSource;
  /** epoch milliseconds: the event's own time */
  occurredAt: number;
  counted: boolean;
  bot: boolean;
  botReason: BotReason | null;
  mpp: boolean;
  linkPosition: number | null;
  url: string | null;
}

export interface WrittenBatch {
  /** events this transaction stored (a repeat of a stored event is not among them) */
  stored: WrittenEvent[];
  /** stored events that were counted and no longer are: a machine's after all, or a webhook event taken back */
  reclassified: WrittenEvent[];
}

/** The batch's stored events with their final flags (`ids` as inserted), and the flips that took effect. */
export function writtenBatch(
  events: readonly TrackingEventInput[],
  ids: readonly string[],
  inserted: readonly boolean[],
  counted: readonly boolean[],
  flips: readonly Flip[],
): WrittenBatch {
  const stored: WrittenEvent[] = [];
  events.forEach((event, index) => {
    if (!inserted[index]) return;
    stored.push({
      id: ids[index],
      orgId: event.orgId,
      sendId: event.sendId,
      kind: event.kind,
      source: event.source,
      occurredAt: event.occurredAt.getTime(),
      counted: counted[index],
      bot: event.bot,
      botReason: event.botReason,
      mpp: event.mpp,
      linkPosition: event.linkPosition,
      url: event.url,
    });
  });
  const reclassified = flips.map(({ event, bot, botReason }) => ({
    id: event.id,
    orgId: event.orgId,
    sendId: event.sendId,
    kind: event.kind,
    source: event.source,
    occurredAt: event.at,
    counted: false,
    bot,
    botReason,
    mpp: event.mpp,
    linkPosition: event.linkPosition,
    url: event.url,
  }));
  return { stored, reclassified };
}
