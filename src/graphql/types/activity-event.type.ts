// ActivityEvent and the arguments of Query.activity and Subscription.activity
// (contract section 12): an open or click as live activity shows it.
import { ArgsType, Field, ID, Int, ObjectType } from 'type-graphql';
import type { ActivityType } from '../../live/activity-event';
import { EngagementEventType } from './engagement-event-type';
import { BotReason, EventSource } from './send.type';

@ObjectType('ActivityEvent', { description: 'An open or click of a visible send, with its flags as they are now' })
export class ActivityEventType {
  @Field(() => ID, { description: "the event's id; RECLASSIFIED repeats the id of the event it changes" })
  id!: string;

  @Field(() => EngagementEventType, { description: 'OPENED, CLICKED, or RECLASSIFIED' })
  type!: ActivityType;

  @Field(() => Date, { description: "the event's own time" })
  occurredAt!: Date;

  @Field(() => ID)
  sendId!: string;

  @Field(() => ID, { nullable: true })
  campaignId!: string | null;

  @Field(() => ID, { nullable: true })
  templateId!: string | null;

  @Field(() => ID)
  contactId!: string;

  @Field({ description: "the recipient's address; empty when the contact was erased" })
  email!: string;

  @Field(() => String, { nullable: true })
  subject!: string | null;

  @Field(() => EventSource)
  source!: EventSource;

  @Field({ description: 'feeds the stats (false once RECLASSIFIED)' })
  counted!: boolean;

  @Field()
  bot!: boolean;

  @Field(() => BotReason, { nullable: true })
  botReason!: BotReason | null;

  @Field({ description: "fetched by Apple Mail Privacy Protection's proxy" })
  mpp!: boolean;

  @Field(() => String, { nullable: true, description: 'the link, for clicks' })
  url!: string | null;
}

/** What both fields select: a campaign, a template ("ad-hoc": the sends without one), people only. */
@ArgsType()
export class ActivityArgs {
  @Field(() => ID, { nullable: true })
  campaignId?: string | null;

  @Field(() => ID, { nullable: true, description: '"ad-hoc": the sends without a template' })
  templateId?: string | null;

  @Field({ defaultValue: false, description: 'counted events only, neither machines nor Apple MPP (a RECLASSIFIED event is kept when the event it changes was shown)' })
  humanOnly!: boolean;
}

@ArgsType()
export class ActivityQueryArgs extends ActivityArgs {
  @Field(() => Int, { defaultValue: 50, description: 'at most 500' })
  limit!: number;
}
