// TimelinePoint, Granularity and the arguments of every timeline field
// (contract section 5): the counted and machine events of the visible tracked
// sends in a range, per local hour or calendar day of the events' own time.
import { ArgsType, Field, Int, ObjectType, registerEnumType } from 'type-graphql';
import { GRANULARITIES, type Granularity } from '../../stats/timeline-series';
import { RangeInput } from './range.input';

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

/** Query.timeline, Campaign.timeline and Template.timeline take the same arguments. */
@ArgsType()
export class TimelineArgsType {
  @Field(() => RangeInput, { nullable: true, description: 'which sends, by send time; the series runs from its start (or the first visible send) to its end' })
  range?: RangeInput | null;

  @Field(() => GranularityEnum, { nullable: true, defaultValue: 'AUTO' })
  granularity?: Granularity | null;

  @Field(() => String, { nullable: true, defaultValue: 'UTC', description: 'an IANA time zone name: where hours and calendar days begin' })
  timeZone?: string | null;
}

/** The service's arguments, defaults applied (an explicit null means the default too). */
export function timelineArgs(args: TimelineArgsType): { granularity: Granularity; timeZone: string } {
  return { granularity: args.granularity ?? 'AUTO', timeZone: args.timeZone ?? 'UTC' };
}
