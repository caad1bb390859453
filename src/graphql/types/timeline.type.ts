// TimelinePoint and Granularity (contract section 5): the counted and machine
// events of the visible tracked sends in a range, per local hour or calendar
// day of the events' own time.
import { Field, Int, ObjectType, registerEnumType } from 'type-graphql';
import { GRANULARITIES, type Granularity } from '../../stats/timeline-series';

export const GranularityEnum = Object.fromEntries(GRANULARITIES.map((granularity) => [granularity, granularity])) as { [G in Granularity]: G };
registerEnumType(GranularityEnum, {
  name: 'Granularity',
  description: 'AUTO: HOUR when the range spans at most 3 days, else DAY',
});

@ObjectType('TimelinePoint', { description: 'One local hour or calendar day of event time; it runs until the next point' })
export class TimelinePointType {
  @Field(() => Date, { description: 'where the hour or day begins, as an instant' })
  at!: Date;

  @Field(() => Int, { description: 'counted opens' })
  opens!: number;

  @Field(() => Int, { description: 'counted clicks' })
  clicks!: number;

  @Field(() => Int, { description: 'counted opens fetched by Apple Mail Privacy Protection' })
  mppOpens!: number;

  @Field(() => Int, { description: "machines' opens, never counted" })
  botOpens!: number;

  @Field(() => Int, { description: "machines' clicks, never counted" })
  botClicks!: number;
}
