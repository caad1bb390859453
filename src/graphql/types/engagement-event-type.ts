// EngagementEventType (contract sections 11 and 12): what happened to an
// email, as outbound webhooks and live activity both name it.
import { registerEnumType } from 'type-graphql';

export enum EngagementEventType {
  OPENED = 'OPENED',
  CLICKED = 'CLICKED',
  BOUNCED = 'BOUNCED',
  COMPLAINED = 'COMPLAINED',
  UNSUBSCRIBED = 'UNSUBSCRIBED',
  RECLASSIFIED = 'RECLASSIFIED',
  /** beyond the contract's six: a WebhookDelivery of sendTestWebhook's email.test event needs a type (docs/outbound-webhooks.md) */
  TEST = 'TEST',
}
registerEnumType(EngagementEventType, {
  name: 'EngagementEventType',
  description: 'What an outbound webhook tells (email.opened, email.clicked, ...: docs/outbound-webhooks.md) and what a live activity event is',
  valuesConfig: {
    TEST: { description: "Deliveries only: sendTestWebhook's email.test event. Endpoints do not subscribe to it, live activity never shows it; every endpoint can be sent one" },
    RECLASSIFIED: {
      description: "A counted open or click later found to be a machine's (BURST, TRAP) or taken back (a webhook event the pixel or redirect had counted)",
    },
  },
});
