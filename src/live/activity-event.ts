// What a live stream carries (contract section 12) and which stream sees
// what: an open or click as a subscriber reads it, with its send's
// attribution, and the rules that pick a stream's events. Pure.
import type { BotReason, EventSource } from '../events/event';
import { AD_HOC_TEMPLATE_ID } from '../stats/ad-hoc';

export const ACTIVITY_TYPES = ['OPENED', 'CLICKED', 'RECLASSIFIED'] as const;
/** OPENED and CLICKED as recorded; RECLASSIFIED when a counted event is later found a machine's (or taken back). */
export type ActivityType = (typeof ACTIVITY_TYPES)[number];

export interface ActivityEvent {
  /** the event's id; a RECLASSIFIED event repeats the id of the event it changes */
  id: string;
  type: ActivityType;
  occurredAt: Date;
  sendId: string;
  /** who sent it: decides which streams may see it, never shown */
  senderId: string;
  campaignId: string | null;
  templateId: string | null;
  contactId: string;
  /** the recipient's address; empty once the contact was erased */
  email: string;
  subject: string | null;
  source: EventSource;
  counted: boolean;
  bot: boolean;
  botReason: BotReason | null;
  mpp: boolean;
  url: string | null;
}

/** What one stream (or one Query.activity call) asks for, and may see. */
export interface ActivityFilter {
  orgId: string;
  /** the caller's own sends only (partner, sales rep, member); null: the whole organisation */
  senderId: string | null;
  campaignId: string | null;
  /** AD_HOC_TEMPLATE_ID: the sends without a template, as in the stats */
  templateId: string | null;
  humanOnly: boolean;
}

/**
 * A person's event, as a humanOnly stream keeps it: counted, not a machine's,
 * not Apple's proxy (the rule of humanOnly webhook endpoints, section 11). A
 * RECLASSIFIED event is kept when the event it changes was (a counted event
 * that was not an MPP open): the stream showed it, and must hear it is gone.
 */
export function isHumanActivity(event: ActivityEvent): boolean {
  if (event.type === 'RECLASSIFIED') return !event.mpp;
  return event.counted && !event.bot && !event.mpp;
}

/** Whether the event belongs to what the filter asks for and may see. */
export function matchesFilter(filter: ActivityFilter, event: ActivityEvent): boolean {
  if (filter.senderId !== null && event.senderId !== filter.senderId) return false;
  if (filter.campaignId !== null && event.campaignId !== filter.campaignId) return false;
  if (filter.templateId !== null) {
    const template = event.templateId ?? AD_HOC_TEMPLATE_ID;
    if (template !== filter.templateId) return false;
  }
  return !filter.humanOnly || isHumanActivity(event);
}
