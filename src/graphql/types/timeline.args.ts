// The arguments every timeline field takes (contract section 5), in one place
// for Query.timeline, Campaign.timeline and Template.timeline.
import { ArgsType, Field } from 'type-graphql';
import type { Granularity } from '../../stats/timeline-series';
import { RangeInput } from './range.input';
import { GranularityEnum } from './timeline.type';

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
