// EngagementStats (contract section 5): the four cards over the visible sends in a range.
import { Field, Float, Int, ObjectType } from 'type-graphql';

@ObjectType('EngagementStats')
export class EngagementStatsType {
  @Field(() => Int, { description: 'visible sends in range' })
  sends!: number;

  @Field(() => Int, { description: 'of those, sends with at least one counted open (MPP included)' })
  opened!: number;

  @Field(() => Int, { description: 'of those, sends with at least one counted click' })
  clicked!: number;

  @Field(() => Int, { description: 'of those, sends with status FAILED' })
  failed!: number;

  @Field(() => Int, { description: 'counted opens' })
  opens!: number;

  @Field(() => Int, { description: 'counted clicks' })
  clicks!: number;

  @Field(() => Int, { description: 'counted opens fetched by Apple Mail Privacy Protection' })
  mppOpens!: number;

  @Field(() => Float, { description: 'opened / sends; 0 with no sends' })
  openRate!: number;

  @Field(() => Float, { description: 'clicked / sends; 0 with no sends' })
  clickRate!: number;

  @Field(() => Float, { description: 'sends with a counted non-MPP open / sends; 0 with no sends' })
  humanOpenRate!: number;

  @Field(() => Float, { nullable: true, description: 'mppOpens / opens; null with no opens' })
  mppShare!: number | null;

  @Field(() => Date, { nullable: true, description: 'the latest send time in range' })
  lastSentAt!: Date | null;
}
