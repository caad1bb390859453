// Send and TrackingEvent (contract section 5): one email, its counters, and
// the raw events still retained.
import { Field, ID, Int, ObjectType, registerEnumType } from 'type-graphql';

export enum SendStatus {
  SENT = 'SENT',
  DEFERRED = 'DEFERRED',
  FAILED = 'FAILED',
}
export enum EventKind {
  OPEN = 'OPEN',
  CLICK = 'CLICK',
}
export enum EventSource {
  PIXEL = 'PIXEL',
  REDIRECT = 'REDIRECT',
  WEBHOOK = 'WEBHOOK',
}
export enum BotReason {
  USER_AGENT = 'USER_AGENT',
  NETWORK = 'NETWORK',
  BURST = 'BURST',
  TRAP = 'TRAP',
  MAILGUN = 'MAILGUN',
}
registerEnumType(SendStatus, { name: 'SendStatus' });
registerEnumType(EventKind, { name: 'EventKind' });
registerEnumType(EventSource, { name: 'EventSource' });
registerEnumType(BotReason, { name: 'BotReason' });

@ObjectType('TrackingEvent')
export class TrackingEventType {
  @Field(() => EventKind)
  kind!: EventKind;

  @Field(() => EventSource)
  source!: EventSource;

  @Field(() => Date)
  occurredAt!: Date;

  @Field({ description: 'feeds the stats' })
  counted!: boolean;

  @Field({ description: 'a preview bot or link scanner: recorded, never counted' })
  bot!: boolean;

  @Field(() => BotReason, { nullable: true, description: 'why the event is a machine\'s; null for a person' })
  botReason!: BotReason | null;

  @Field({ description: "fetched by Apple Mail Privacy Protection's proxy" })
  mpp!: boolean;

  @Field(() => String, { nullable: true })
  url!: string | null;

  @Field(() => String, { nullable: true })
  userAgent!: string | null;
}

@ObjectType('Send')
export class SendType {
  @Field(() => ID)
  id!: string;

  @Field(() => Date)
  sentAt!: Date;

  @Field(() => ID)
  senderId!: string;

  @Field(() => ID)
  contactId!: string;

  @Field()
  email!: string;

  @Field(() => ID, { nullable: true })
  campaignId!: string | null;

  @Field(() => ID, { nullable: true })
  templateId!: string | null;

  @Field(() => ID, { nullable: true })
  enrollmentId!: string | null;

  @Field(() => Int, { nullable: true })
  stepIndex!: number | null;

  @Field()
  tracked!: boolean;

  @Field(() => SendStatus)
  status!: SendStatus;

  @Field(() => Int)
  opens!: number;

  @Field(() => Int)
  clicks!: number;

  @Field(() => Int)
  mppOpens!: number;

  @Field(() => Date, { nullable: true })
  firstOpenedAt!: Date | null;

  // events: resolved by SendResolver through a DataLoader
}
