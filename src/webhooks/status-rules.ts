// What delivery events do to a send's status and to a contact's suppression
// state. Pure: Mailgun delivers events late and out of order (retries after
// our outages, its own queues), so every rule compares the events' own times.
import type { ContactStatus } from '../db/entities/contact.entity';
import type { SendStatus } from '../db/entities/send.entity';
import type { MailgunEvent } from './map-mailgun-event';

export interface SendState {
  status: SendStatus;
  /** the time of the Mailgun event that last set the status; null while untouched */
  changedAt: Date | null;
}

export interface DeliveryOutcome {
  outcome: 'permanent' | 'temporary' | 'delivered';
  at: Date;
}

export function deliveryOutcome(event: MailgunEvent): DeliveryOutcome | null {
  if (event.type === 'delivered') return { outcome: 'delivered', at: event.occurredAt };
  if (event.type === 'failed' && event.severity) return { outcome: event.severity, at: event.occurredAt };
  return null;
}

/**
 * The send's status after these outcomes, applied in time order:
 * - a permanent failure makes it FAILED, for good;
 * - a temporary failure makes it DEFERRED, and a delivery SENT again, unless
 *   the status was set by a later event (a late-arriving deferral never undoes
 *   a delivery) or the send has FAILED.
 * Returns `current` itself when nothing changes.
 */
export function nextSendState(current: SendState, outcomes: readonly DeliveryOutcome[]): SendState {
  let state = current;
  for (const { outcome, at } of [...outcomes].sort((a, b) => a.at.getTime() - b.at.getTime())) {
    if (state.status === 'FAILED') break;
    if (outcome === 'permanent') {
      state = { status: 'FAILED', changedAt: at };
      continue;
    }
    if (state.changedAt !== null && at.getTime() < state.changedAt.getTime()) continue;
    const status: SendStatus = outcome === 'temporary' ? 'DEFERRED' : 'SENT';
    // A delivery of an untouched SENT send changes nothing but still records
    // when it was confirmed, so an older deferral arriving later is ignored.
    state = { status, changedAt: at };
  }
  return state;
}

/**
 * Suppression states from least to most severe; webhooks only ever move a
 * contact up. ERASED (forgetContact) tops it and no event leads to it, so no
 * late bounce, complaint or unsubscribe ever overwrites an erasure.
 */
export const CONTACT_STATUS_LADDER: readonly ContactStatus[] = ['ACTIVE', 'UNSUBSCRIBED', 'BOUNCED', 'COMPLAINED', 'ERASED'];

export function contactStatusOf(event: MailgunEvent): ContactStatus | null {
  if (event.type === 'failed' && event.severity === 'permanent') return 'BOUNCED';
  if (event.type === 'complained') return 'COMPLAINED';
  if (event.type === 'unsubscribed') return 'UNSUBSCRIBED';
  return null;
}

export function moreSevere(a: ContactStatus, b: ContactStatus): ContactStatus {
  return CONTACT_STATUS_LADDER.indexOf(b) > CONTACT_STATUS_LADDER.indexOf(a) ? b : a;
}

/** Whether an event has any effect on our data (the others are acknowledged and ignored). */
export function hasEffect(event: MailgunEvent): boolean {
  return event.type !== 'other';
}
