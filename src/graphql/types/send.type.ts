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

/**
 * What a Send and a Recipient row both say about one email: who it went to,
 * when, and its own counters. One idea, so one list of fields. No
 * field returns it, so the schema never shows it: only the two that inherit it.
 */
@ObjectType()
export abstract class SendEngagementType {
  @Field(() => ID)
  contactId!: string;

  @Field({ description: 'empty when the contact was erased' })
  email!: string;

  @Field(() => Date)
  sentAt!: Date;

  @Field(() => Int)
  opens!: number;

  @Field(() => Int)
  clicks!: number;

  @Field(() => Int)
  mppOpens!: number;

  @Field(() => Date, { nullable: true })
  firstOpenedAt!: Date | null;
}

@ObjectType('Send')
export class SendType extends SendEngagementType {
  @Field(() => ID)
  id!: string;

  @Field(() => ID)
  senderId!: string;

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

  // events: resolved by SendResolver through a DataLoader
}
