// EngagementEventType (contract sections 11 and 12): what happened to an
// email, as outbound webhooks and live activity both name it.
import { registerEnumType } from 'type-graphql';

export const ENGAGEMENT_EVENT_TYPES = ['OPENED', 'CLICKED', 'BOUNCED', 'COMPLAINED', 'UNSUBSCRIBED', 'RECLASSIFIED'] as const;
export type EngagementEventType = (typeof ENGAGEMENT_EVENT_TYPES)[number];

// GraphQL enum values spelled exactly like the type's strings.
export const EngagementEventTypeEnum = Object.fromEntries(ENGAGEMENT_EVENT_TYPES.map((type) => [type, type])) as { [T in EngagementEventType]: T };
registerEnumType(EngagementEventTypeEnum, {
  name: 'EngagementEventType',
  description: 'RECLASSIFIED: a counted open or click later found to be a machine\'s (BURST, TRAP) or taken back (a webhook event the pixel or redirect had counted)',
});
