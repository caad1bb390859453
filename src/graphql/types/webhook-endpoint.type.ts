// Outbound webhook endpoints and their deliveries (contract section 11).
import { Field, ID, Int, ObjectType, registerEnumType } from 'type-graphql';
import { SettingsScope } from './email-settings.type';
import { EngagementEventType } from './engagement-event-type';

export { EngagementEventType };

export enum DeliveryStatus {
  PENDING = 'PENDING',
  DELIVERED = 'DELIVERED',
  FAILED = 'FAILED',
}
registerEnumType(DeliveryStatus, { name: 'DeliveryStatus', description: 'PENDING: not delivered yet (retried for 24 hours); DELIVERED: a 2xx came; FAILED: given up' });

@ObjectType('WebhookEndpoint')
export class WebhookEndpointType {
  @Field(() => ID)
  id!: string;

  @Field(() => SettingsScope)
  scope!: SettingsScope;

  @Field()
  url!: string;

  @Field(() => [EngagementEventType], { description: 'the types it gets (every type unless chosen)' })
  events!: EngagementEventType[];

  @Field({ description: 'opens and clicks only when counted, not a bot and not an Apple MPP open' })
  humanOnly!: boolean;

  @Field()
  enabled!: boolean;

  @Field(() => String, { nullable: true, description: 'why it is disabled: BY_USER, or GONE (the receiver answered 410)' })
  disabledReason!: string | null;

  @Field(() => Date)
  createdAt!: Date;
}

@ObjectType('WebhookEndpointWithSecret')
export class WebhookEndpointWithSecretType {
  @Field(() => WebhookEndpointType)
  endpoint!: WebhookEndpointType;

  @Field({ description: 'whsec_...: the only time the secret is shown' })
  secret!: string;
}

@ObjectType('WebhookDelivery')
export class WebhookDeliveryType {
  @Field(() => ID)
  id!: string;

  @Field(() => ID, { description: "the event the delivery tells of (a reclassification's: the original event)" })
  eventId!: string;

  @Field(() => EngagementEventType)
  type!: EngagementEventType;

  @Field(() => DeliveryStatus)
  status!: DeliveryStatus;

  @Field(() => Int)
  attempts!: number;

  @Field(() => Int, { nullable: true })
  lastStatusCode!: number | null;

  @Field(() => String, { nullable: true, description: 'why the last attempt did not deliver, e.g. "answered 500", "no answer within 10 s", "target refused: ..."' })
  lastError!: string | null;

  @Field(() => Date, { nullable: true })
  lastAttemptAt!: Date | null;

  @Field(() => Date, { nullable: true, description: 'PENDING only: when it is tried next' })
  nextAttemptAt!: Date | null;

  @Field(() => Date)
  createdAt!: Date;
}
