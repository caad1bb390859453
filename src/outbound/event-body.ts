// What a receiver gets (contract section 11): the body of each event type,
// built from the event as it stands when it is settled, and which endpoints
// want it. Pure. Never the recipient's address or IP: nothing here has them.
import type { BotReason, EventSource } from '../events/event';

export const ENGAGEMENT_TYPES = ['OPENED', 'CLICKED', 'BOUNCED', 'COMPLAINED', 'UNSUBSCRIBED', 'RECLASSIFIED'] as const;
export type EngagementType = (typeof ENGAGEMENT_TYPES)[number];
/** A delivery's type: an engagement type, or TEST for sendTestWebhook's `email.test`. */
export type DeliveryType = EngagementType | 'TEST';

export const BODY_TYPES: Record<DeliveryType, string> = {
  OPENED: 'email.opened',
  CLICKED: 'email.clicked',
  BOUNCED: 'email.bounced',
  COMPLAINED: 'email.complained',
  UNSUBSCRIBED: 'email.unsubscribed',
  RECLASSIFIED: 'email.reclassified',
  TEST: 'email.test',
};

/** An open or click as it stands now, or a bounce, complaint or unsubscribe, with its send's attribution. */
export interface SettledEvent {
  eventId: string;
  sendId: string;
  senderTeamId: string | null;
  campaignId: string | null;
  templateId: string | null;
  enrollmentId: string | null;
  stepIndex: number | null;
  senderId: string;
  contactId: string;
  occurredAt: Date;
  source: EventSource;
  /** opens and clicks only; null for bounces, complaints and unsubscribes, where they mean nothing */
  engagement: {
    counted: boolean;
    bot: boolean;
    botReason: BotReason | null;
    mpp: boolean;
    firstForSend: boolean;
    url: string | null;
    linkName: string | null;
  } | null;
}

/** The body, as signed and sent on every attempt. */
export function eventBody(type: EngagementType, event: SettledEvent): string {
  const engagement = event.engagement;
  const clickLike = type === 'CLICKED' || (type === 'RECLASSIFIED' && engagement?.url != null);
  return JSON.stringify({
    type: BODY_TYPES[type],
    timestamp: event.occurredAt.toISOString(),
    data: {
      eventId: event.eventId,
      sendId: event.sendId,
      campaignId: event.campaignId,
      templateId: event.templateId,
      enrollmentId: event.enrollmentId,
      stepIndex: event.stepIndex,
      senderId: event.senderId,
      contactId: event.contactId,
      occurredAt: event.occurredAt.toISOString(),
      source: event.source,
      counted: engagement?.counted ?? null,
      bot: engagement?.bot ?? null,
      botReason: engagement?.botReason ?? null,
      mpp: engagement?.mpp ?? null,
      firstForSend: engagement?.firstForSend ?? null,
      ...(clickLike ? { url: engagement?.url ?? null, linkName: engagement?.linkName ?? null } : {}),
    },
  });
}

export function testBody(endpointId: string, at: Date): string {
  return JSON.stringify({ type: BODY_TYPES.TEST, timestamp: at.toISOString(), data: { endpointId } });
}

/** What decides whether an endpoint gets an event. */
export interface EndpointFilter {
  /** '' for the organisation's endpoints */
  teamId: string;
  /** null: every type */
  events: readonly EngagementType[] | null;
  humanOnly: boolean;
}

/** A person's open or click, as far as the service can know: what humanOnly endpoints get. */
export const isHuman = (event: SettledEvent) => event.engagement !== null && event.engagement.counted && !event.engagement.bot && !event.engagement.mpp;

export function endpointWants(endpoint: EndpointFilter, type: EngagementType, event: SettledEvent): boolean {
  if (endpoint.events !== null && !endpoint.events.includes(type)) return false;
  if (endpoint.teamId !== '' && endpoint.teamId !== event.senderTeamId) return false;
  // A reclassification goes where the original went (humanOnly ones above all).
  if (endpoint.humanOnly && (type === 'OPENED' || type === 'CLICKED')) return isHuman(event);
  return true;
}

/** Whether a delivered body told the receiver its event was counted (a reclassification then follows it). */
export function bodySaidCounted(body: string): boolean {
  try {
    return (JSON.parse(body) as { data?: { counted?: unknown } }).data?.counted === true;
  } catch {
    return false;
  }
}
